/**
 * Which values a function's results depend on: a node is live if a result, a live node, a live
 * merge or phi, a write to a live array or a live block's condition uses it. Used by passes that
 * must not count a value nobody reads (LICM's twins after a loop).
 */
import type { Atom, Graph } from "../ir.js";
import { statementsOf } from "../ir-walk.js";

export function liveNames(graph: Graph): Set<string> {
  const live = new Set<string>();
  const mark = (a: Atom) => {
    if (a.kind === "var" && !live.has(a.name)) {
      live.add(a.name);
      changed = true;
    }
  };
  let changed = true;
  graph.results.forEach(mark);
  while (changed) {
    changed = false;
    for (const s of statementsOf(graph.body)) {
      if (s.kind === "node" && live.has(s.name)) s.args.forEach(mark);
      else if (s.kind === "store" && live.has(s.array.name)) [s.index, s.value].forEach(mark);
      else if (s.kind === "branch" && s.merges.some((m) => live.has(m.name))) {
        mark(s.cond);
        for (const m of s.merges) if (live.has(m.name)) [m.then, m.else].forEach(mark);
      } else if (s.kind === "loop" && s.carried.some((c) => live.has(c.name))) {
        mark(s.cond);
        for (const c of s.carried) if (live.has(c.name)) [c.init, c.next].forEach(mark);
      }
    }
  }
  return live;
}
