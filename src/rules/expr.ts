/**
 * Builders for the expressions that derivative rules return. They simplify as they build
 * (no `* 1`, no `+ 0`, constants folded), so rules can be written plainly and the generated
 * code still reads like hand-written backprop.
 */
import type { Const, Expr, OpName, VarRef } from "../ir.js";

export const v = (name: string): VarRef => ({ kind: "var", name });
export const c = (value: number, text?: string): Const =>
  text === undefined ? { kind: "const", value } : { kind: "const", value, text };

/** An operation with no simplification: `op(name, ...args)`. */
export const op = (name: OpName, ...args: Expr[]): Expr => ({ kind: "op", op: name, args });

export const isConst = (e: Expr, value?: number): e is Const =>
  e.kind === "const" && (value === undefined || Object.is(e.value, value) || e.value === value);

const isSelect = (e: Expr): e is Expr & { kind: "op"; op: "select" } => e.kind === "op" && e.op === "select";
const isNeg = (e: Expr): e is Expr & { kind: "op"; op: "neg" } => e.kind === "op" && e.op === "neg";

export function neg(a: Expr): Expr {
  if (isConst(a)) return c(-a.value);
  if (isNeg(a)) return a.args[0]!;
  return op("neg", a);
}

/**
 * `-e` without a leading minus, if `e` is a negation in disguise: `-x`, `-x * y`, `-x / y`, or
 * a negative constant. Negation is exact in floating point, so `a + -x * y` and `a - x * y`
 * are the same number.
 */
function negated(e: Expr): Expr | undefined {
  if (isNeg(e)) return e.args[0]!;
  if (isConst(e) && e.text === undefined && e.value < 0) return c(-e.value);
  if (e.kind === "op" && (e.op === "mul" || e.op === "div") && isNeg(e.args[0]!))
    return op(e.op, e.args[0].args[0]!, e.args[1]!);
  return undefined;
}

/** Whether two expressions are the same computation. */
export function same(a: Expr, b: Expr): boolean {
  if (a.kind === "var" || b.kind === "var") return a.kind === b.kind && (a as VarRef).name === (b as VarRef).name;
  if (a.kind === "const" || b.kind === "const")
    return a.kind === b.kind && Object.is((a as Const).value, (b as Const).value);
  return (
    a.op === b.op &&
    a.callee === b.callee &&
    a.args.length === b.args.length &&
    a.args.every((x, i) => same(x, b.args[i]!))
  );
}

export function add(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return c(a.value + b.value);
  if (isConst(a, 0)) return b;
  if (isConst(b, 0)) return a;
  // x + x is 2x, exactly: doubling only changes the exponent.
  if (same(a, b)) return mul(c(2), a);
  // (c ? x : 0) + (c ? 0 : y) is c ? x : y: one of the two is always 0 (max's and min's
  // contributions, added into one tangent by forward mode).
  const merged = mergeSelects(a, b);
  if (merged) return merged;
  // The same at the end of a sum, which `sum` builds from the left: (p + (c ? x : 0)) + (c ? 0 : y).
  if (a.kind === "op" && a.op === "add") {
    const last = mergeSelects(a.args[1]!, b);
    if (last) return add(a.args[0]!, last);
  }
  const nb = negated(b);
  if (nb) return sub(a, nb);
  return op("add", a, b);
}

/** `(c ? x : 0) + (c ? 0 : y)` as `c ? x : y` (one of the two is always 0), else undefined. */
function mergeSelects(a: Expr, b: Expr): Expr | undefined {
  if (!isSelect(a) || !isSelect(b) || !same(a.args[0]!, b.args[0]!)) return undefined;
  const [cond, x, zx] = a.args as [Expr, Expr, Expr];
  const [, zy, y] = b.args as [Expr, Expr, Expr];
  return isConst(zx, 0) && isConst(zy, 0) ? select(cond, x, y) : undefined;
}

export function sub(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return c(a.value - b.value);
  if (isConst(b, 0)) return a;
  if (isConst(a, 0)) return neg(b);
  const nb = negated(b);
  if (nb) return add(a, nb);
  return op("sub", a, b);
}

export function mul(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return c(a.value * b.value);
  if (isConst(a, 0) || isConst(b, 0)) return c(0);
  if (isConst(a, 1)) return b;
  if (isConst(b, 1)) return a;
  if (isConst(a, -1)) return neg(b);
  if (isConst(b, -1)) return neg(a);
  return op("mul", a, b);
}

export function div(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return c(a.value / b.value);
  if (isConst(a, 0)) return c(0);
  if (isConst(b, 1)) return a;
  return op("div", a, b);
}

export function pow(a: Expr, b: Expr): Expr {
  if (isConst(a) && isConst(b)) return c(a.value ** b.value);
  if (isConst(b, 1)) return a;
  if (isConst(b, 0)) return c(1);
  return op("pow", a, b);
}

const isBool = (e: Expr, b: boolean): boolean => e.kind === "const" && e.text === String(b);

/** `cond ? a : b`; for booleans, `cond ? true : x` is `cond || x` and `cond ? x : false` is `cond && x`. */
export function select(cond: Expr, a: Expr, b: Expr): Expr {
  if (isConst(a, 0) && isConst(b, 0) && a.text === undefined && b.text === undefined) return c(0);
  // Both arms the same computation: no choice to make (max(x, x)'s two contributions to x).
  if (a.kind !== "const" && same(a, b)) return a;
  if (isBool(a, true) && isBool(b, false)) return cond;
  if (isBool(a, true)) return op("or", cond, b);
  if (isBool(b, false)) return op("and", cond, a);
  return op("select", cond, a, b);
}

/** `a * a`, written as a product so it reads (and runs) like hand-written code. */
export const square = (a: Expr): Expr => mul(a, a);

/** Sum of contributions, left to right; an empty sum is 0. */
export const sum = (terms: Expr[]): Expr => terms.reduce<Expr>((acc, t) => add(acc, t), c(0));

/**
 * What an operation computes, as a string: equal keys, equal values (for operations without
 * effects). Used to find common subexpressions and forward values a backward formula can reuse.
 */
export function operationKey(op: OpName, callee: string | undefined, args: Expr[]): string {
  const arg = (a: Expr) =>
    a.kind === "var" ? a.name : a.kind === "const" ? `#${Object.is(a.value, -0) ? "-0" : String(a.value)}` : "?";
  return `${op}:${callee ?? ""}(${args.map(arg).join(",")})`;
}
