/**
 * Evaluates an expression numerically with the rule table's `eval`s: how the rules test checks
 * each derivative formula against finite differences without generating code.
 */
import type { Expr } from "../ir.js";
import { ruleOf } from "./table.js";

export function evaluate(e: Expr, env: ReadonlyMap<string, number>): number {
  if (e.kind === "const") return e.value;
  if (e.kind === "var") {
    const value = env.get(e.name);
    if (value === undefined) throw new Error(`evaluate: '${e.name}' has no value`);
    return value;
  }
  return ruleOf(e.op).eval(...e.args.map((a) => evaluate(a, env)));
}
