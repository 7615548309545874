/**
 * Evaluates an expression numerically with the rule table's `eval`s: how the rules test checks
 * each derivative formula against finite differences without generating code, and how the
 * simplify and transform stages tell a loop that certainly runs (`constantValue`).
 */
import type { Expr } from "../ir.js";
import { ruleOf, rules } from "./table.js";

export function evaluate(e: Expr, env: ReadonlyMap<string, number>): number {
  if (e.kind === "const") return e.value;
  if (e.kind === "var") {
    const value = env.get(e.name);
    if (value === undefined) throw new Error(`evaluate: '${e.name}' has no value`);
    return value;
  }
  return ruleOf(e.op).eval(...e.args.map((a) => evaluate(a, env)));
}

/** `e`'s value when it is arithmetic and comparisons of constants only, else undefined. */
export function constantValue(e: Expr): number | undefined {
  if (e.kind === "const") return e.value;
  if (e.kind === "var" || e.op === "call" || !(e.op in rules)) return undefined;
  const args = e.args.map(constantValue);
  if (args.some((a) => a === undefined)) return undefined;
  try {
    return Number(rules[e.op]!.eval(...(args as number[])));
  } catch {
    return undefined;
  }
}
