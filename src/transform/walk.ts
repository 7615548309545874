/** Small traversals of structured bodies, shared by the transform's passes. */
import type { Atom, Node, Statement, VarRef } from "../ir.js";

export const vars = (atoms: Atom[]): VarRef[] => atoms.filter((a): a is VarRef => a.kind === "var");

/** Every node in a body, arms and loops included, in order. */
export function* nodesOf(body: Statement[]): Generator<Node> {
  for (const s of body) {
    if (s.kind === "node") yield s;
    else if (s.kind === "branch") {
      yield* nodesOf(s.then);
      yield* nodesOf(s.else);
    } else if (s.kind === "loop") {
      yield* nodesOf(s.head);
      yield* nodesOf(s.body);
    }
  }
}

/** Every name a body defines (nodes, merges, loop phis; arms and loops included), in order. */
export function* definitionsOf(body: Statement[]): Generator<string> {
  for (const s of body) {
    if (s.kind === "node") yield s.name;
    else if (s.kind === "branch") {
      yield* definitionsOf(s.then);
      yield* definitionsOf(s.else);
      for (const m of s.merges) yield m.name;
    } else if (s.kind === "loop") {
      for (const c of s.carried) yield c.name;
      yield* definitionsOf(s.head);
      yield* definitionsOf(s.body);
    }
  }
}
