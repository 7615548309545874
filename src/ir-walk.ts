/**
 * The one traversal of IR statements: every pass that reads or rewrites a Graph goes through
 * these, so a new statement kind is added here once.
 */
import type { Atom, Graph, Statement, VarRef } from "./ir.js";

/** The variables among `atoms`. */
export const vars = (atoms: Atom[]): VarRef[] => atoms.filter((a): a is VarRef => a.kind === "var");

/** The statement lists nested in `s`: a branch's arms, a loop's head and body. */
export function innerBlocks(s: Statement): Statement[][] {
  return s.kind === "branch" ? [s.then, s.else] : s.kind === "loop" ? [s.head, s.body] : [];
}

/** Replaces in place each statement list nested in `s` by `f` of it (arms, a loop's head and body). */
export function mapInnerBlocks(s: Statement, f: (block: Statement[]) => Statement[]): void {
  if (s.kind === "branch") [s.then, s.else] = [f(s.then), f(s.else)];
  else if (s.kind === "loop") [s.head, s.body] = [f(s.head), f(s.body)];
}

/** `body` and every statement list nested in it, outer before inner. */
export function* blocksOf(body: Statement[]): Generator<Statement[]> {
  yield body;
  for (const s of body) for (const inner of innerBlocks(s)) yield* blocksOf(inner);
}

/** Every statement of `body`, nested ones included, in program order (a loop's head before its body). */
export function* statementsOf(body: Statement[]): Generator<Statement> {
  for (const s of body) {
    yield s;
    for (const inner of innerBlocks(s)) yield* statementsOf(inner);
  }
}

/** The names `s` itself defines (a node's, a branch's merges, a loop's phis; not its inner blocks'). */
export function definedBy(s: Statement): string[] {
  if (s.kind === "node") return [s.name];
  if (s.kind === "branch") return s.merges.map((m) => m.name);
  if (s.kind === "loop") return s.carried.map((c) => c.name);
  return [];
}

/** Rewrites in place every operand of `s` (not of its inner blocks) through `f`. */
export function mapOperands(s: Statement, f: (a: Atom) => Atom): void {
  switch (s.kind) {
    case "node":
      s.args = s.args.map(f);
      break;
    case "store":
      s.index = f(s.index);
      s.value = f(s.value);
      break;
    case "branch":
      for (const m of s.merges) {
        m.then = f(m.then);
        m.else = f(m.else);
      }
      break;
    case "loop":
      for (const c of s.carried) {
        c.init = f(c.init);
        c.next = f(c.next);
      }
  }
}

/**
 * Rewrites in place every use of a value in `s` itself (operands, its condition, the array it
 * writes; not its inner blocks'). Names that stand for arrays or conditions map only to names.
 */
export function mapUses(s: Statement, f: (a: Atom) => Atom): void {
  mapOperands(s, f);
  if (s.kind === "store") s.array = f(s.array) as VarRef;
  else if (s.kind === "branch" || s.kind === "loop") s.cond = f(s.cond) as VarRef;
}

/** Renames in place the names `s` itself defines (a node's, a branch's merges, a loop's phis). */
export function renameDefinitions(s: Statement, r: (name: string) => string): void {
  if (s.kind === "node") s.name = r(s.name);
  else if (s.kind === "branch") for (const m of s.merges) m.name = r(m.name);
  else if (s.kind === "loop") for (const c of s.carried) c.name = r(c.name);
}

/** Replaces every use of a name in `replaced` by its atom, everywhere in the graph (results too). */
export function substitute(graph: Graph, replaced: ReadonlyMap<string, Atom>): void {
  if (replaced.size === 0) return;
  const f = (a: Atom): Atom => (a.kind === "var" ? (replaced.get(a.name) ?? a) : a);
  for (const s of statementsOf(graph.body)) mapUses(s, f);
  graph.results = graph.results.map(f);
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
