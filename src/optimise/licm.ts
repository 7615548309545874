/**
 * Loop-invariant code motion: arithmetic at the top level of a loop's head or body whose
 * operands all come from outside the loop is computed once, before it (inner loops first, so a
 * value moves as far out as it stays invariant). Only + - * and negation: they are finite on
 * finite operands, so when the loop runs zero times the moved value's zero gradient stays zero
 * (a moved square root, division or out-of-range read could make it 0 * NaN).
 */
import type { Graph, Loop, Statement } from "../ir.js";
import { definedBy, innerBlocks, statementsOf } from "../ir-walk.js";

const HOISTABLE = new Set(["add", "sub", "mul", "neg"]);

export function hoistLoopInvariants(graph: Graph): void {
  graph.body = visit(graph.body);
}

/** `block` with each loop's invariants moved in front of it. */
function visit(block: Statement[]): Statement[] {
  const out: Statement[] = [];
  for (const s of block) {
    for (const inner of innerBlocks(s)) inner.splice(0, inner.length, ...visit(inner));
    if (s.kind === "loop") out.push(...invariants(s));
    out.push(s);
  }
  return out;
}

/** Removes the loop's invariant nodes from its head and body and returns them, in order. */
function invariants(loop: Loop): Statement[] {
  const inside = new Set<string>();
  for (const block of [loop.head, loop.body])
    for (const s of statementsOf(block)) definedBy(s).forEach((n) => inside.add(n));
  loop.carried.forEach((c) => inside.add(c.name));
  const moved: Statement[] = [];
  for (const block of [loop.head, loop.body]) {
    const kept = block.filter((s) => {
      if (s.kind !== "node" || !HOISTABLE.has(s.op) || s.callee !== undefined) return true;
      if (s.args.some((a) => a.kind === "var" && inside.has(a.name))) return true;
      inside.delete(s.name);
      moved.push(s);
      return false;
    });
    block.splice(0, block.length, ...kept);
  }
  return moved;
}
