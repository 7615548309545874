/**
 * Constant folding: an arithmetic operation whose operands are all literals becomes its value.
 * Only operations that are exact in IEEE arithmetic whoever computes them (`**` and Math
 * functions are left alone: engines may round them differently); named constants (`Math.PI`)
 * stay symbolic, for reading.
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
      if (!s.args.every((a) => a.kind === "const" && a.text === undefined)) return true;
      folded.set(s.name, c(rules[s.op]!.eval(...s.args.map((a) => (a as { value: number }).value))));
      return false;
    });
  graph.body = visit(graph.body);
  substitute(graph, folded);
}
