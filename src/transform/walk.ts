/** Small traversals of structured bodies, shared by the transform's passes. */
import type { Atom, Node, Statement, VarRef } from "../ir.js";

export const vars = (atoms: Atom[]): VarRef[] => atoms.filter((a): a is VarRef => a.kind === "var");

/** Every node in a body, arms included, in order. */
export function* nodesOf(body: Statement[]): Generator<Node> {
  for (const s of body) {
    if (s.kind === "node") yield s;
    else {
      yield* nodesOf(s.then);
      yield* nodesOf(s.else);
    }
  }
}

/** Every name a body defines (nodes and merges, arms included), in order. */
export function* definitionsOf(body: Statement[]): Generator<string> {
  for (const s of body) {
    if (s.kind === "node") yield s.name;
    else {
      yield* definitionsOf(s.then);
      yield* definitionsOf(s.else);
      for (const m of s.merges) yield m.name;
    }
  }
}
