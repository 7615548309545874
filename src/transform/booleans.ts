/**
 * Which SSA names of a graph hold booleans: conditions, and the merges and loop-carried values
 * made from them or from `true`/`false` (the flags of `break`, `continue` and `return` inside
 * loops). Generated code declares such a `let` as a `boolean`.
 */
import type { Atom, Graph } from "../ir.js";
import { statementsOf } from "../ir-walk.js";
import { isCondition } from "../rules/table.js";

export function booleanNames(graph: Graph): Set<string> {
  const booleans = new Set<string>();
  const isBoolean = (a: Atom) => (a.kind === "var" ? booleans.has(a.name) : a.text === "true" || a.text === "false");
  // A merge may come from a merge of an inner branch, a phi from a merge before its loop: to a fixpoint.
  for (let size = -1; size !== booleans.size;) {
    size = booleans.size;
    for (const s of statementsOf(graph.body)) {
      if (s.kind === "node" && s.op !== "call" && isCondition(s.op)) booleans.add(s.name);
      if (s.kind === "loop") for (const c of s.carried) if (isBoolean(c.init)) booleans.add(c.name);
      if (s.kind === "branch")
        for (const m of s.merges) if (isBoolean(m.then) || isBoolean(m.else)) booleans.add(m.name);
    }
  }
  return booleans;
}
