/**
 * Constant folding: an arithmetic operation whose operands are all literals becomes its value.
 * Only operations that are exact in IEEE arithmetic whoever computes them (`**` and Math
 * functions are left alone: engines may round them differently); named constants (`Math.PI`)
 * stay symbolic, for reading. Identities that hold for every number, -0, infinities and NaN
 * included, are applied too: `1 * x`, `x * 1`, `x / 1` and `x - 0` are `x`, `-1 * x` is `-x`
 * (a nested `grad(g)` seeds g's gradient with 1, which would otherwise read `1 * s`). `x + 0`
 * and `0 - x` are not such identities (at x = -0).
 */
import type { Atom, Graph, Statement } from "../ir.js";
import { innerBlocks, mapOperands, statementsOf, substitute } from "../ir-walk.js";
import { c } from "../rules/expr.js";
import { isCondition, rules } from "../rules/table.js";

const FOLDABLE = new Set(["add", "sub", "mul", "div", "mod", "neg"]);

export function foldConstants(graph: Graph): void {
  // A value a comparison reads stays as computed: comparing two literals (`2 === 3`,
  // `NaN !== NaN`) is an error for tsc --strict.
  const compared = new Set<string>();
  for (const s of statementsOf(graph.body))
    if (s.kind === "node" && isCondition(s.op)) for (const a of s.args) if (a.kind === "var") compared.add(a.name);
  const folded = new Map<string, Atom>();
  const current = (a: Atom): Atom => (a.kind === "var" ? (folded.get(a.name) ?? a) : a);
  const visit = (block: Statement[]): Statement[] =>
    block.filter((s) => {
      mapOperands(s, current);
      for (const inner of innerBlocks(s)) inner.splice(0, inner.length, ...visit(inner));
      if (s.kind !== "node" || !FOLDABLE.has(s.op) || compared.has(s.name)) return true;
      if (!s.args.every((a) => a.kind === "const" && a.text === undefined)) {
        const same = identity(s.op, s.args);
        if (same?.kind === "neg") [s.op, s.args] = ["neg", [same.negated]];
        else if (same) folded.set(s.name, same);
        return same === undefined || same.kind === "neg";
      }
      folded.set(s.name, c(rules[s.op]!.eval(...s.args.map((a) => (a as { value: number }).value))));
      return false;
    });
  graph.body = visit(graph.body);
  substitute(graph, folded);
}

const isLiteral = (a: Atom | undefined, value: number): boolean =>
  a?.kind === "const" && a.text === undefined && Object.is(a.value, value);

/** What `op(...args)` equals for every number: one of its operands, or the negation of one. */
function identity(op: string, args: Atom[]): Atom | { kind: "neg"; negated: Atom } | undefined {
  const [a, b] = args;
  if (a === undefined || b === undefined) return undefined;
  if (op === "mul" && isLiteral(a, 1)) return b;
  if (op === "mul" && isLiteral(b, 1)) return a;
  if ((op === "div" && isLiteral(b, 1)) || (op === "sub" && isLiteral(b, 0))) return a;
  if (op === "mul" && isLiteral(a, -1)) return { kind: "neg", negated: b };
  if (op === "mul" && isLiteral(b, -1)) return { kind: "neg", negated: a };
  return undefined;
}
