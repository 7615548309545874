/**
 * Which values get an adjoint whenever they vary: those a result depends on differentiably (a
 * result, an operand a useful node differentiates, a useful merge's or phi's inputs, the value
 * written into a useful array). A value that reaches the results only through conditions,
 * indices or piecewise-constant ops (`k * d > 0`, `Math.sign(k * d)`) is computed but never
 * gets an adjoint. Used by passes that must not count on such a value (LICM's twins after a loop).
 */
import type { Atom, Graph, Statement } from "../ir.js";
import { differentiableArgs, isDifferentiable } from "../differentiable.js";
import { vars } from "../ir-walk.js";
import { arrayRoots, rootOf } from "../aliases.js";

export function usefulNames(graph: Graph): Set<string> {
  const useful = new Set<string>();
  // A write through a row writes its matrix (src/aliases.ts).
  const roots = arrayRoots(graph);
  let changed = true;
  const mark = (a: Atom) => {
    if (a.kind === "var" && !useful.has(a.name)) {
      useful.add(a.name);
      changed = true;
    }
  };
  // Backwards, uses before definitions: straight-line code settles in one walk, loops (a phi
  // used in the body makes its next value useful) in a few.
  const walk = (block: Statement[]): void => {
    for (let i = block.length - 1; i >= 0; i--) {
      const s = block[i]!;
      if (s.kind === "node") {
        if (s.op === "row" && useful.has(rootOf(roots, s.name))) mark({ kind: "var", name: s.name });
        if (useful.has(s.name) && isDifferentiable(s)) differentiableArgs(s).forEach(mark);
      } else if (s.kind === "store") {
        if (useful.has(s.array.name) || useful.has(rootOf(roots, s.array.name))) mark(s.value);
      } else if (s.kind === "branch") {
        for (const m of s.merges) if (useful.has(m.name)) vars([m.then, m.else]).forEach(mark);
        walk(s.then);
        walk(s.else);
      } else {
        for (const c of s.carried) if (useful.has(c.name)) vars([c.init, c.next]).forEach(mark);
        walk(s.body);
        walk(s.head);
      }
    }
  };
  graph.results.forEach(mark);
  while (changed) {
    changed = false;
    walk(graph.body);
  }
  return useful;
}
