/**
 * Instantiates a gate's backward at a call site: its graph becomes one expression per input
 * gradient, with `grad`, `out` and the inputs substituted. Branches become conditional
 * expressions, which JavaScript evaluates lazily, as the arms were.
 */
import type { Atom, Expr, Graph, Statement } from "../ir.js";
import { add, div, mul, neg, op, pow, select, sub } from "../rules/expr.js";

const BUILDERS: Record<string, (...args: Expr[]) => Expr> = {
  add,
  sub,
  mul,
  div,
  pow,
  neg: (a) => neg(a),
};

export function instantiate(backward: Graph, grad: Expr, out: Expr, inputs: Atom[]): Expr[] {
  const env = new Map<string, Expr>();
  const [g, o, ...xs] = backward.params;
  if (g) env.set(g.name, grad);
  if (o) env.set(o.name, out);
  xs.forEach((p, i) => env.set(p.name, inputs[i]!));
  const sub = (a: Expr): Expr => (a.kind === "var" ? (env.get(a.name) ?? a) : a);
  const walk = (body: Statement[]): void => {
    for (const s of body) {
      if (s.kind === "node") {
        const args = s.args.map(sub);
        const build = BUILDERS[s.op];
        env.set(
          s.name,
          s.callee !== undefined
            ? { kind: "op", op: "call", args, callee: s.callee }
            : build
              ? build(...args)
              : op(s.op, ...args),
        );
        continue;
      }
      // The parser accepts only straight-line code and branches in a gate's backward.
      if (s.kind !== "branch") throw new Error(`adgen internal error: ${s.kind} in a gate's backward`);
      walk(s.then);
      walk(s.else);
      for (const m of s.merges) env.set(m.name, select(sub(s.cond), sub(m.then), sub(m.else)));
    }
  };
  walk(backward.body);
  return backward.results.map(sub);
}
