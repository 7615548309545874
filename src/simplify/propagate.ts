/**
 * Copy and constant propagation in `f_hvp`: `const a = b;` with `b` a value nothing reassigns (a
 * `const` or a parameter), and `const a = 2;` (a number literal other than 0), are dropped and
 * `a` read as `b` or the literal, whose expressions are then rebuilt by the simplifying builders
 * of src/rules/expr.ts (`x * 1` is `x`, `-(-x)` is `x`, `a + -b` is `a - b`: all exact in
 * floating point, so every result is the same number).
 *
 * Why only `f_hvp`: the reverse sweep over the tangent graph writes one line per gate, and many
 * are copies (an add's two inputs each take its adjoint, `grad_d_10 = grad_dot_potential`) or
 * products with the seed 1. In `f_grad` those lines are the lecture's one line per gate and stay;
 * in `f_hvp` they are bytecode V8 has to run before it optimises the function and that counts
 * against its inlining limit (460 bytes): with this pass and inline.ts, the pendulum's `f_hvp` has
 * 548 bytes of bytecode instead of 652, random-2k's 488 KB instead of 535 KB. Literal 0 is not
 * propagated: `x * 0` is not 0 for an infinite `x`. The names the function returns are kept.
 */
import { allStatements, innerCode, mapOwnExprs, ownNames, returnedExprs, setReturned } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr } from "../ir.js";
import { add, div, isConst, mul, neg, sub } from "../rules/expr.js";

export function propagateInHvp(module: CodeModule): void {
  for (const f of module.functions) if (f.kind === "entry" && f.companion === "hvp") propagate(f);
}

function propagate(f: CodeFunction): void {
  const body = [...f.forward, ...f.backward];
  // Names something assigns after declaring them, names read as names (an array stored into, a
  // tape), and how often each name is declared (a name declared twice is two variables).
  const mutable = new Set<string>();
  const asName = new Set<string>();
  const declared = new Map<string, number>();
  const declare = (n: string) => declared.set(n, (declared.get(n) ?? 0) + 1);
  for (const s of allStatements(body)) {
    ownNames(s).forEach((n) => asName.add(n));
    switch (s.kind) {
      case "let":
        mutable.add(s.name);
        declare(s.name);
        break;
      case "set":
      case "accumulate":
      case "increment":
        mutable.add(s.name);
        break;
      case "for":
      case "repeat":
      case "addArray":
        mutable.add(s.counter);
        declare(s.counter);
        break;
      case "const":
      case "pop":
        declare(s.name);
        break;
      case "destructure":
        s.names.forEach((n) => n !== null && declare(n));
        break;
      case "fields":
        s.fields.forEach((x) => declare(x.name));
    }
  }
  for (const p of f.params) declare(p.name);
  // The names the function returns stay: `grad: { y: grad_dot_y }` reads better than the value
  // it copies (`grad_dot_t4`).
  const returned = new Set(returnedExprs(f.returns).flatMap((e) => (e.kind === "var" ? [e.name] : [])));
  /** What `const a = e` lets later code read instead of `a`, if anything. */
  const replacement = (s: CodeStatement): Expr | undefined => {
    if (s.kind !== "const" || s.type !== undefined) return undefined;
    if (declared.get(s.name) !== 1 || asName.has(s.name) || mutable.has(s.name) || returned.has(s.name))
      return undefined;
    const e = s.expr;
    if (e.kind === "var") return !mutable.has(e.name) && declared.get(e.name) === 1 ? e : undefined;
    if (e.kind === "const") return e.text === undefined && e.value !== 0 && Number.isFinite(e.value) ? e : undefined;
    return undefined;
  };

  const known = new Map<string, Expr>();
  const rewrite = (e: Expr): Expr => {
    if (e.kind === "var") return known.get(e.name) ?? e;
    if (e.kind !== "op") return e;
    const args = e.args.map(rewrite);
    if (args.every((a, i) => a === e.args[i])) return e;
    return rebuild({ ...e, args });
  };
  const block = (list: CodeStatement[]): CodeStatement[] => {
    const out: CodeStatement[] = [];
    for (const s of list) {
      mapOwnExprs(s, rewrite);
      for (const inner of innerCode(s)) inner.splice(0, inner.length, ...block(inner));
      const r = replacement(s);
      if (r) known.set((s as { name: string }).name, r);
      else out.push(s);
    }
    return out;
  };
  // A name is declared once, so a replacement holds wherever the name is read: after its
  // declaration, in its block or one nested in it.
  f.forward = block(f.forward);
  f.backward = block(f.backward);
  setReturned(f.returns, returnedExprs(f.returns).map(rewrite));
}

/**
 * `e` rebuilt by the simplifying builder of its operation, where there is one; not a product with
 * a literal 0, which the builder would fold to 0.
 */
function rebuild(e: Expr & { kind: "op" }): Expr {
  const [a, b] = e.args as [Expr, Expr];
  if (e.args.some((x) => isConst(x, 0))) return e;
  switch (e.op) {
    case "add":
      return add(a, b);
    case "sub":
      return sub(a, b);
    case "mul":
      return mul(a, b);
    case "div":
      return div(a, b);
    case "neg":
      return neg(a);
    default:
      return e;
  }
}
