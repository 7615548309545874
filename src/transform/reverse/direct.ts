/**
 * Adjoint arrays that need no array of their own: an array whose one use is an argument of an
 * array gate, in the block that makes it, gets all its gradient from that gate's backward; the
 * array the backward returns (a fresh one: every backward of adgen/gates allocates its results; a
 * tangent's backward may return an empty one for zero, so the gate's own inputs there are never
 * direct) is
 * then the adjoint itself (`const [grad_q] = sqnorm.backward(...)`), instead of a zero array it is
 * added into element by element.
 */
import { blocksOf, mapUses, statementsOf } from "../../ir-walk.js";
import type { Atom, Callee, Graph, Statement } from "../../ir.js";

export function directAdjoints(
  graph: Graph,
  callees: ReadonlyMap<string, Callee>,
  active: ReadonlySet<string>,
  arrayKinds: ReadonlyMap<string, "Float64Array" | "number[]">,
  definedIn: ReadonlyMap<string, Statement[]>,
): Set<string> {
  const uses = new Map<string, number>();
  const count = (a: Atom): Atom => {
    if (a.kind === "var") uses.set(a.name, (uses.get(a.name) ?? 0) + 1);
    return a;
  };
  for (const s of statementsOf(graph.body)) mapUses(s, count);
  graph.results.forEach(count);
  const direct = new Set<string>();
  for (const block of blocksOf(graph.body))
    for (const s of block) {
      const callee = s.kind === "node" && s.op === "call" ? callees.get(s.callee!) : undefined;
      if (s.kind !== "node" || callee?.kind !== "arrayGate") continue;
      for (const [i, a] of s.args.entries())
        if (
          // A gradient that may come back empty for zero is no array to keep (src/ir.ts).
          !callee.zeroAsEmpty?.includes(i) &&
          a.kind === "var" &&
          uses.get(a.name) === 1 &&
          active.has(a.name) &&
          arrayKinds.get(a.name) === "Float64Array" &&
          definedIn.get(a.name) === block
        )
          direct.add(a.name);
    }
  return direct;
}
