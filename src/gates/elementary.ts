/**
 * Every derivative of a gate built from elementary operations (logSumExp), as an array gate, to
 * any order. Such a derivative is an _expression_ of its arguments, numbers and arrays of one
 * length, made of `+`, `*`, negation, `exp` (elementwise), `sum` and `fill` (a number spread over
 * an array); its tangent and the parts of its backward are expressions of their own arguments
 * again, made by differentiating it symbolically, forward (`tangentOf`) or in reverse (`partOf`).
 *
 * They follow the conventions of the derivatives multilinear.ts makes: a tangent takes
 * `(out, ...xs, ...tangents)`, `out` a size (not read); a part takes `(grad, out, ...xs)`, `out`
 * a size and an argument it does not read a size too; `undefined` (or an empty array) is zero;
 * a whole backward `(u, out, ...xs, ...wanted)` gives `undefined` for a size and an argument left
 * out, zeros for one it does not depend on, an empty array (0 for a number) for one not wanted.
 * Each takes every argument as independent: a part never reads its `out` slot (a tangent's
 * backward computes the tangent's value again rather than read `tout`).
 *
 * logSumExp's tangent, its backward's part and that part's tangent are written by hand (array-gate.ts,
 * backward-parts.ts); `withElementary` gives them, from their expressions, the derivatives past
 * those, and `backwardOf` their backwards, so that a backward called whole and read back as its
 * parts compute the same numbers. test/matrix-gates.test.ts checks them to three levels against
 * finite differences.
 */
import { ZERO_GRADIENT } from "./tangent-backward.js";

type InputKind = "array" | "number" | "size";
type Value = Float64Array | number | undefined;

/** A node of an expression; `vec` says whether its value is an array. */
export type Expr =
  | { op: "arg"; k: number; vec: boolean }
  | { op: "add" | "mul"; a: Expr; b: Expr; vec: boolean }
  | { op: "neg" | "exp"; a: Expr; vec: boolean }
  | { op: "sum"; a: Expr; vec: false }
  | { op: "fill"; a: Expr; vec: true };
/** An expression, or undefined for zero. */
type Z = Expr | undefined;

export const arg = (k: number, vec: boolean): Expr => ({ op: "arg", k, vec });
export const add = (a: Z, b: Z): Z => (a && b ? { op: "add", a, b, vec: a.vec || b.vec } : (a ?? b));
export const mul = (a: Z, b: Z): Z => (a && b ? { op: "mul", a, b, vec: a.vec || b.vec } : undefined);
export const neg = (a: Z): Z => a && { op: "neg", a, vec: a.vec };
export const exp = (a: Expr): Expr => ({ op: "exp", a, vec: a.vec });
export const sum = (a: Z): Z => a && (a.vec ? { op: "sum", a, vec: false } : a);
const fill = (a: Z): Z => a && (a.vec ? a : { op: "fill", a, vec: true });
/** `z` with the shape `vec`: a number spread over an array, or an array summed. */
const shaped = (z: Z, vec: boolean): Z => (vec ? fill(z) : sum(z));

/** A derivative: its arguments' kinds, its output's kind, its expression of the arguments. */
export interface Elementary {
  inputs: readonly InputKind[];
  output: "array" | "number";
  expr: Expr;
  /** A tangent: partial, and declared to read every array (as the other tangents are). */
  tangent?: true;
}

/** `e` with each `arg(k)` replaced by `to(k)`. */
function substitute(e: Expr, to: (k: number) => Expr, memo = new Map<Expr, Expr>()): Expr {
  const done = memo.get(e);
  if (done) return done;
  const s = (x: Expr) => substitute(x, to, memo);
  const r: Expr =
    e.op === "arg"
      ? to(e.k)
      : e.op === "add" || e.op === "mul"
        ? { op: e.op, a: s(e.a), b: s(e.b), vec: e.vec }
        : ({ ...e, a: s(e.a) } as Expr);
  memo.set(e, r);
  return r;
}

/** The directional derivative of `e`, `tangent(k)` the tangent of `arg(k)` (undefined: zero). */
function forward(e: Expr, tangent: (k: number) => Z, memo = new Map<Expr, Z>()): Z {
  if (memo.has(e)) return memo.get(e);
  const d = (x: Expr) => forward(x, tangent, memo);
  let r: Z;
  if (e.op === "arg") r = tangent(e.k);
  else if (e.op === "add") r = add(d(e.a), d(e.b));
  else if (e.op === "mul") r = add(mul(d(e.a), e.b), mul(e.a, d(e.b)));
  else if (e.op === "neg") r = neg(d(e.a));
  else if (e.op === "exp") r = mul(e, d(e.a));
  else r = e.op === "sum" ? sum(d(e.a)) : fill(d(e.a));
  r = shaped(r, e.vec);
  memo.set(e, r);
  return r;
}

/** The gradients of `⟨seed, e⟩` with respect to each `arg(k)`, by `k`. */
function reverse(e: Expr, seed: Expr): Map<number, Z> {
  const order: Expr[] = [];
  const seen = new Set<Expr>();
  const visit = (x: Expr) => {
    if (seen.has(x)) return;
    seen.add(x);
    if (x.op === "add" || x.op === "mul") [x.a, x.b].forEach(visit);
    else if (x.op !== "arg") visit(x.a);
    order.push(x);
  };
  visit(e);
  const adjoint = new Map<Expr, Z>([[e, seed]]);
  const push = (x: Expr, g: Z) => adjoint.set(x, add(adjoint.get(x), shaped(g, x.vec)));
  const grads = new Map<number, Z>();
  for (const x of order.reverse()) {
    const g = adjoint.get(x);
    if (!g) continue;
    if (x.op === "arg") grads.set(x.k, add(grads.get(x.k), g));
    else if (x.op === "add") [x.a, x.b].forEach((y) => push(y, g));
    else if (x.op === "mul") {
      push(x.a, mul(g, x.b));
      push(x.b, mul(g, x.a));
    } else if (x.op === "neg") push(x.a, neg(g));
    else if (x.op === "exp") push(x.a, mul(g, x));
    else push(x.a, g);
  }
  return grads;
}

const differentiated = (inputs: readonly InputKind[]) => inputs.flatMap((k, i) => (k === "size" ? [] : [i]));

/** The arguments `e` reads. */
function argsOf(e: Z, found = new Set<number>(), seen = new Set<Expr>()): Set<number> {
  if (!e || seen.has(e)) return found;
  seen.add(e);
  if (e.op === "arg") found.add(e.k);
  else if (e.op === "add" || e.op === "mul") [e.a, e.b].forEach((x) => argsOf(x, found, seen));
  else argsOf(e.a, found, seen);
  return found;
}

/** Whether an argument of `kind` is an array. */
const vec = (kind: InputKind) => kind === "array";

/** The tangent of `f`: `(out, ...xs, ...tangents)`. */
export function tangentOf(f: Elementary): Elementary {
  const n = f.inputs.length;
  const moved = differentiated(f.inputs);
  const shifted = substitute(f.expr, (k) => arg(1 + k, vec(f.inputs[k]!)));
  const t = forward(shifted, (k) => {
    const j = moved.indexOf(k - 1);
    return j < 0 ? undefined : arg(1 + n + j, vec(f.inputs[k - 1]!));
  });
  return {
    inputs: ["size", ...f.inputs, ...moved.map((i) => f.inputs[i]!)],
    output: f.output,
    expr: t ?? zero(f.output),
    tangent: true,
  };
}

/** The part of `f`'s backward giving argument `i`'s gradient: `(grad, out, ...xs)`. */
export function partOf(f: Elementary, i: number): Elementary {
  const shifted = substitute(f.expr, (k) => arg(2 + k, vec(f.inputs[k]!)));
  const g = shaped(reverse(shifted, arg(0, vec(f.output))).get(2 + i), vec(f.inputs[i]!));
  const output = f.inputs[i] === "number" ? "number" : "array";
  const read = argsOf(g);
  return {
    inputs: [f.output, "size", ...f.inputs.map((k, j) => (read.has(2 + j) ? k : "size"))],
    output,
    expr: g ?? zero(output),
  };
}

/** Zero, for a derivative that vanishes: an argument never given (zeros of the output's shape). */
const ZERO: Expr = { op: "arg", k: -1, vec: false };
const zero = (output: "array" | "number"): Expr => (output === "array" ? { op: "fill", a: ZERO, vec: true } : ZERO);

/** The value of `e` at `xs`, arrays of length `n` (an argument left out or empty is zero). */
function evaluate(
  e: Expr,
  xs: readonly Value[],
  n: number,
  memo = new Map<Expr, Float64Array | number>(),
): Float64Array | number {
  const done = memo.get(e);
  if (done !== undefined) return done;
  const v = (x: Expr): Float64Array | number => evaluate(x, xs, n, memo);
  const each = (a: Float64Array | number, f: (x: number) => number) =>
    typeof a === "number" ? f(a) : a.map((x) => f(x));
  const both = (a: Float64Array | number, b: Float64Array | number, f: (x: number, y: number) => number) => {
    if (typeof a === "number" && typeof b === "number") return f(a, b);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = f(typeof a === "number" ? a : a[i]!, typeof b === "number" ? b : b[i]!);
    return r;
  };
  let r: Float64Array | number;
  if (e.op === "arg") {
    const x = e.k < 0 ? undefined : xs[e.k];
    r = x === undefined || (x instanceof Float64Array && x.length === 0) ? (e.vec ? new Float64Array(n) : 0) : x;
  } else if (e.op === "add") r = both(v(e.a), v(e.b), (x, y) => x + y);
  else if (e.op === "mul") r = both(v(e.a), v(e.b), (x, y) => x * y);
  else if (e.op === "neg") r = each(v(e.a), (x) => -x);
  else if (e.op === "exp") r = each(v(e.a), Math.exp);
  else if (e.op === "sum") r = (v(e.a) as Float64Array).reduce((s, x) => s + x, 0);
  else r = new Float64Array(n).fill(v(e.a) as number);
  memo.set(e, r);
  return r;
}

/** `f` at `xs`: a new array (never one of `xs`) or a number. */
function call(f: Elementary, xs: readonly Value[]): Float64Array | number {
  const n = Math.max(0, ...xs.map((x) => (x instanceof Float64Array ? x.length : 0)));
  const r = evaluate(f.expr, xs, n);
  return r instanceof Float64Array && xs.includes(r) ? r.slice() : r;
}

/** Gives `target` the parts of `f`'s backward, `target[i]` for each argument `i`, made when first read. */
export function withElementaryParts<T extends object>(target: T, f: Elementary): T {
  for (const i of differentiated(f.inputs)) {
    let made: unknown;
    Object.defineProperty(target, i, { enumerable: true, get: () => (made ??= derivative(partOf(f, i))) });
  }
  return target;
}

/** Gives `target` (a derivative written by hand) a tangent of its own, `f`'s, made when first read. */
export function withElementaryTangent<T extends object>(target: T, f: Elementary): T {
  let made: unknown;
  Object.defineProperty(target, "tangent", { enumerable: true, get: () => (made ??= derivative(tangentOf(f))) });
  return target;
}

/**
 * `f`'s backward, `(u, out, ...xs, ...wanted)`: each entry its part's value, so that generated code
 * calling the backward whole and adgen reading the call as its parts compute the same numbers.
 */
export function backwardOf(f: Elementary): (u: Value, out: Value, ...rest: Value[]) => Value[] {
  const n = f.inputs.length;
  const moved = differentiated(f.inputs);
  const parts = new Map<number, Elementary>();
  const partAt = (i: number) => parts.get(i) ?? parts.set(i, partOf(f, i)).get(i)!;
  return (u: Value, out: Value, ...rest: Value[]) => {
    const xs = rest.slice(0, n);
    const flags = rest.slice(n) as unknown[];
    const result: Value[] = xs.map(() => undefined);
    moved.forEach((i, k) => {
      if (flags[k] === false) result[i] = typeof xs[i] === "number" ? 0 : ZERO_GRADIENT;
      else if (xs[i] !== undefined) result[i] = call(partAt(i), [u, out, ...xs]);
    });
    return result;
  };
}

/** `f` as an array gate: callable, with inputs, reads, output, a backward with parts and a tangent. */
function derivative(f: Elementary): unknown {
  return withElementaryTangent(
    Object.assign((...xs: Value[]) => call(f, xs), {
      inputs: f.inputs,
      reads: f.inputs.flatMap((k, i) => (k === "array" ? [i] : [])),
      output: f.output,
      ...(f.tangent || differentiated(f.inputs).length > 1 ? { partial: true as const } : {}),
      backward: withElementaryParts(backwardOf(f), f),
    }),
    f,
  );
}

/**
 * Gives a gate written by hand to the second order (logSumExp) the derivatives past those:
 * `derivatives.tangent`, its tangent's expression, and `derivatives.parts`, one per array input,
 * its backward's parts' expressions. Their hand-written gates (`tangent`, `backward[i]`) get the
 * parts of their backwards and tangents of their own; a part's hand-written tangent, its parts
 * and tangent too.
 */
export function withElementary(
  inputs: readonly InputKind[],
  derivatives: { tangent: Elementary; parts: readonly Elementary[] },
  tangent: { backward: object },
  backward: Record<number, { backward: object; tangent: { backward: object } }>,
): void {
  withElementaryParts(tangent.backward, derivatives.tangent);
  withElementaryTangent(tangent, derivatives.tangent);
  const parts = [...derivatives.parts];
  inputs.forEach((kind, i) => {
    const part = kind === "array" ? parts.shift() : undefined;
    const gate = backward[i];
    if (!part || !gate) return;
    withElementaryParts(gate.backward, part);
    const t = tangentOf(part);
    withElementaryParts(gate.tangent.backward, t);
    withElementaryTangent(gate.tangent, t);
  });
}

/**
 * logSumExp's tangent `Σ exp(a_i - out) da_i`, `(out, a, da)`, and its backward's part
 * `grad exp(a_i - out)`, `(grad, out, a)`: the tangent array-gate.ts makes from its backward and
 * the part backward-parts.ts writes, as expressions.
 */
export const logSumExpDerivatives: { tangent: Elementary; parts: Elementary[] } = /* @__PURE__ */ (() => {
  const softmax = (a: Expr, out: Expr) => exp(add(a, neg(out))!);
  return {
    tangent: {
      inputs: ["number", "array", "array"],
      output: "number",
      expr: sum(mul(softmax(arg(1, true), arg(0, false)), arg(2, true)))!,
      tangent: true,
    },
    parts: [
      {
        inputs: ["number", "number", "array"],
        output: "array",
        expr: mul(arg(0, false), softmax(arg(2, true), arg(1, false)))!,
      },
    ],
  };
})();
