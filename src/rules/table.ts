/**
 * The one table of operations and their derivative rules.
 *
 * Every operation adgen knows, forward or backward, is an entry here: how it evaluates, how it
 * prints, and its local gradient. A rule receives the vocabulary of PyTorch's derivatives.yaml:
 * `grad` (the upstream gradient, dL/dout), `out` (the op's own result), and its inputs
 * (`x`, `y`, or `args[i]`); it returns this input's contribution, `grad * local gradient`.
 * Adding a Math function is one entry here; the table-driven gradient check
 * (test/rules.test.ts) picks it up by itself and fails until the entry has a `domain` to test on.
 */
import type { Expr, OpName } from "../ir.js";
import { add, c, div, isConst, mul, neg, op, pow, select, square, sub } from "./expr.js";
import { columnText, zeroRecordsText } from "./record-elements.js";

/** What a rule sees about the node it differentiates. */
export interface GradContext {
  /** Upstream gradient, dL/dout. */
  grad: Expr;
  /** The node's own result. */
  out: Expr;
  /** The node's operands. */
  args: Expr[];
  /** `args[0]`. */
  x: Expr;
  /** `args[1]` (binary ops). */
  y: Expr;
}

/** How an op is written in TypeScript. `prec` is JavaScript's operator precedence. */
export type Print =
  | { kind: "infix"; token: string; prec: number; rightAssoc?: boolean }
  | { kind: "prefix"; token: string }
  | { kind: "call"; callee: string }
  | { kind: "conditional" }
  /** Anything else (`a[i]`, `a.length`, `new Float64Array(n)`): printed operands in, text out. */
  | { kind: "custom"; prec: number; print: (args: string[], types: boolean) => string };

export type Derivative =
  /** Contribution of input `i` to its gradient, given upstream `grad`. */
  | { kind: "rule"; d: (ctx: GradContext, i: number) => Expr }
  /** Piecewise constant (floor, sign, ...): the local gradient is 0 wherever it exists. */
  | { kind: "zero" }
  /** Not differentiable: conditions (comparisons, logic) and the select that routes gradients. */
  | { kind: "none" }
  /** Array operations: the transform moves gradients between elements and adjoint arrays. */
  | { kind: "memory" };

export interface Rule {
  /** Number of operands, or `"variadic"` (any number, e.g. `Math.hypot`). */
  arity: number | "variadic";
  print: Print;
  /** The forward computation, exactly as the printed code computes it. */
  eval: (...args: number[]) => number;
  derivative: Derivative;
  /** Where the gradient check samples each operand; every differentiable rule must have one. */
  domain?: [number, number];
  /** Tolerance of that check, where the default (1e-6) is too tight for the forward's own rounding. */
  tolerance?: number;
  /** Set on conditions: the result is a boolean (carried as 1 or 0 by `eval`). */
  boolean?: true;
  /** Set on ops whose result is an array. */
  array?: true;
}

const PREC = {
  conditional: 2,
  or: 3,
  and: 4,
  equality: 8,
  relational: 9,
  additive: 11,
  multiplicative: 12,
  exponent: 13,
};

type D = (ctx: GradContext, i: number) => Expr;
const rule = (d: D): Derivative => ({ kind: "rule", d });
/** A unary op with a single local-gradient formula. */
const unary = (d: (ctx: GradContext) => Expr): Derivative => rule((ctx) => d(ctx));
/** A binary op: one formula per operand. */
const binary = (dx: (ctx: GradContext) => Expr, dy: (ctx: GradContext) => Expr): Derivative =>
  rule((ctx, i) => (i === 0 ? dx(ctx) : dy(ctx)));

const infix = (token: string, prec: number, rightAssoc = false): Print => ({ kind: "infix", token, prec, rightAssoc });
const math = (name: string): Print => ({ kind: "call", callee: `Math.${name}` });

/** An array operation, printed by `print`. */
function memory(arity: number | "variadic", prec: number, print: (args: string[], types: boolean) => string): Rule {
  return {
    arity,
    print: { kind: "custom", prec, print },
    eval: () => {
      throw new Error("adgen internal error: array operations are not evaluated by the rule table");
    },
    derivative: { kind: "memory" },
  };
}

/** A comparison or logical operator: a boolean, with no derivative. */
function condition(token: string, prec: number, f: (x: number, y: number) => boolean): Rule {
  return {
    arity: 2,
    print: infix(token, prec),
    eval: (x, y) => Number(f(x, y)),
    derivative: { kind: "none" },
    boolean: true,
  };
}

/** An op printed as `Math.<name>(x)`, evaluated by that same function. */
function math1(name: MathFunction, d: (ctx: GradContext) => Expr, domain: [number, number] = [-2, 2]): Rule {
  const f = Math[name] as (x: number) => number;
  return { arity: 1, print: math(name), eval: (x) => f(x), derivative: unary(d), domain };
}
/** A piecewise-constant `Math` function: zero local gradient. */
function mathZero(name: MathFunction): Rule {
  const f = Math[name] as (x: number) => number;
  return { arity: 1, print: math(name), eval: (x) => f(x), derivative: { kind: "zero" }, domain: [-3, 3] };
}
const call = (name: OpName, ...args: Expr[]): Expr => op(name, ...args);
type MathFunction = { [K in keyof Math]: Math[K] extends (x: number) => number ? K : never }[keyof Math] & string;

/**
 * d/dx x^y = y x^(y-1), taken as 0 where y = 0 (x^0 is 1 for every x, while 0 * 0^-1 would be
 * 0 * Infinity at x = 0); d/dy x^y = x^y ln x, taken as 0 at x = 0 (where x^y is 0 for y > 0, and
 * out * ln x would be 0 * -Infinity). Shared by `**` and `Math.pow`. docs/KINKS.md has the table.
 */
const powDerivative = binary(
  ({ grad, x, y }) => {
    const d = mul(mul(grad, y), pow(x, sub(y, c(1))));
    return isConst(y) ? d : select(op("eq", y, c(0)), c(0), d);
  },
  ({ grad, out, x }) => {
    const d = mul(mul(grad, out), call("log", x));
    if (isConst(x)) return x.value === 0 ? c(0) : d;
    return select(op("eq", x, c(0)), c(0), d);
  },
);

export const rules: Record<OpName, Rule> = {
  // Arithmetic: add distributes, mul swaps.
  add: {
    arity: 2,
    print: infix("+", PREC.additive),
    eval: (x, y) => x + y,
    derivative: binary(
      ({ grad }) => grad,
      ({ grad }) => grad,
    ),
    domain: [-3, 3],
  },
  sub: {
    arity: 2,
    print: infix("-", PREC.additive),
    eval: (x, y) => x - y,
    derivative: binary(
      ({ grad }) => grad,
      ({ grad }) => neg(grad),
    ),
    domain: [-3, 3],
  },
  mul: {
    arity: 2,
    print: infix("*", PREC.multiplicative),
    eval: (x, y) => x * y,
    derivative: binary(
      ({ grad, y }) => mul(grad, y),
      ({ grad, x }) => mul(grad, x),
    ),
    domain: [-3, 3],
  },
  div: {
    arity: 2,
    print: infix("/", PREC.multiplicative),
    eval: (x, y) => x / y,
    derivative: binary(
      ({ grad, y }) => div(grad, y),
      ({ grad, out, y }) => neg(div(mul(grad, out), y)),
    ),
    domain: [0.5, 3],
  },
  // a % b = a - b * trunc(a / b): piecewise, with slope 1 in a and -trunc(a / b) in b.
  mod: {
    arity: 2,
    print: infix("%", PREC.multiplicative),
    eval: (x, y) => x % y,
    derivative: binary(
      ({ grad }) => grad,
      ({ grad, x, y }) => neg(mul(grad, call("trunc", div(x, y)))),
    ),
    domain: [0.7, 5],
  },
  pow: {
    arity: 2,
    print: infix("**", PREC.exponent, true),
    eval: (x, y) => x ** y,
    derivative: powDerivative,
    domain: [0.5, 2],
  },
  neg: {
    arity: 1,
    print: { kind: "prefix", token: "-" },
    eval: (x) => -x,
    derivative: unary(({ grad }) => neg(grad)),
    domain: [-3, 3],
  },

  // Math functions. Where the local gradient is simplest in terms of the output, it uses `out`.
  abs: math1("abs", ({ grad, x }) => mul(grad, call("sign", x))),
  acos: math1("acos", ({ grad, x }) => neg(div(grad, call("sqrt", sub(c(1), square(x))))), [-0.9, 0.9]),
  // 1 / sqrt(x² - 1), as 1 / (sqrt(x - 1) sqrt(x + 1)): x² would overflow for x > 1e154.
  acosh: math1(
    "acosh",
    ({ grad, x }) => div(grad, mul(call("sqrt", sub(x, c(1))), call("sqrt", add(x, c(1))))),
    [1.1, 4],
  ),
  asin: math1("asin", ({ grad, x }) => div(grad, call("sqrt", sub(c(1), square(x)))), [-0.9, 0.9]),
  // 1 / sqrt(x² + 1), as 1 / hypot(x, 1): x² would overflow for |x| > 1e154.
  asinh: math1("asinh", ({ grad, x }) => div(grad, call("hypot", x, c(1)))),
  atan: math1("atan", ({ grad, x }) => div(grad, add(c(1), square(x)))),
  atanh: math1("atanh", ({ grad, x }) => div(grad, sub(c(1), square(x))), [-0.9, 0.9]),
  atan2: {
    // atan2(y, x): the first operand is y. d/dy = x / (x² + y²), computed as x / h / h with
    // h = hypot(y, x): x² + y² overflows from 1e154 and underflows below 1e-162, while x / h is
    // at most 1 and the second division is the derivative's own magnitude.
    arity: 2,
    print: math("atan2"),
    eval: Math.atan2,
    derivative: binary(
      ({ grad, x, y }) => mul(grad, div(div(y, call("hypot", x, y)), call("hypot", x, y))),
      ({ grad, x, y }) => mul(grad, div(div(neg(x), call("hypot", x, y)), call("hypot", x, y))),
    ),
    domain: [0.3, 2],
  },
  cbrt: math1("cbrt", ({ grad, out }) => div(grad, mul(c(3), square(out))), [0.2, 3]),
  cos: math1("cos", ({ grad, x }) => mul(neg(grad), call("sin", x))),
  cosh: math1("cosh", ({ grad, x }) => mul(grad, call("sinh", x))),
  exp: math1("exp", ({ grad, out }) => mul(grad, out)),
  expm1: math1("expm1", ({ grad, out }) => mul(grad, add(out, c(1)))),
  // fround rounds to float32, a staircase at scale 1e-7: slope 1 between its steps.
  fround: { ...math1("fround", ({ grad }) => grad), tolerance: 1e-3 },
  hypot: {
    arity: "variadic",
    print: math("hypot"),
    eval: Math.hypot,
    // x_i / out is at most 1, so no scale overflows; at the zero vector, where the norm has no
    // derivative, the subgradient 0 (as abs takes sign(0) = 0) rather than 0 / 0.
    derivative: rule(({ grad, out, args }, i) => select(op("eq", out, c(0)), c(0), mul(grad, div(args[i]!, out)))),
    domain: [0.3, 2],
  },
  log: math1("log", ({ grad, x }) => div(grad, x), [0.2, 4]),
  log10: math1("log10", ({ grad, x }) => div(grad, mul(x, c(Math.LN10, "Math.LN10"))), [0.2, 4]),
  log1p: math1("log1p", ({ grad, x }) => div(grad, add(c(1), x)), [-0.5, 3]),
  log2: math1("log2", ({ grad, x }) => div(grad, mul(x, c(Math.LN2, "Math.LN2"))), [0.2, 4]),
  // max/min route: the whole gradient goes to the chosen operand, to the first one on a tie.
  max: {
    arity: 2,
    print: math("max"),
    eval: Math.max,
    derivative: binary(
      ({ grad, x, y }) => select(op("ge", x, y), grad, c(0)),
      ({ grad, x, y }) => select(op("ge", x, y), c(0), grad),
    ),
    domain: [-3, 3],
  },
  min: {
    arity: 2,
    print: math("min"),
    eval: Math.min,
    derivative: binary(
      ({ grad, x, y }) => select(op("le", x, y), grad, c(0)),
      ({ grad, x, y }) => select(op("le", x, y), c(0), grad),
    ),
    domain: [-3, 3],
  },
  "Math.pow": { arity: 2, print: math("pow"), eval: Math.pow, derivative: powDerivative, domain: [0.5, 2] },
  sin: math1("sin", ({ grad, x }) => mul(grad, call("cos", x))),
  sinh: math1("sinh", ({ grad, x }) => mul(grad, call("cosh", x))),
  sqrt: math1("sqrt", ({ grad, out }) => div(grad, mul(c(2), out)), [0.2, 4]),
  tan: math1("tan", ({ grad, out }) => mul(grad, add(c(1), square(out))), [-1.2, 1.2]),
  tanh: math1("tanh", ({ grad, out }) => mul(grad, sub(c(1), square(out)))),

  // Piecewise constant: zero local gradient wherever the derivative exists.
  ceil: mathZero("ceil"),
  floor: mathZero("floor"),
  round: mathZero("round"),
  sign: mathZero("sign"),
  trunc: mathZero("trunc"),

  // Conditions: booleans that decide branches (recorded in the forward pass, reused backward).
  // They are not differentiable; booleans are carried as 1 and 0 by `eval`.
  lt: condition("<", PREC.relational, (x, y) => x < y),
  gt: condition(">", PREC.relational, (x, y) => x > y),
  le: condition("<=", PREC.relational, (x, y) => x <= y),
  ge: condition(">=", PREC.relational, (x, y) => x >= y),
  eq: condition("===", PREC.equality, (x, y) => x === y),
  ne: condition("!==", PREC.equality, (x, y) => x !== y),
  and: condition("&&", PREC.and, (x, y) => Boolean(x && y)),
  or: condition("||", PREC.or, (x, y) => Boolean(x || y)),
  not: {
    arity: 1,
    print: { kind: "prefix", token: "!" },
    eval: (x) => Number(!x),
    derivative: { kind: "none" },
    boolean: true,
  },
  // Arrays. `eval` is unused for them: they are checked through fixtures, element by element.
  // `!`: the element exists (adgen reads arrays within their length), which TypeScript's
  // noUncheckedIndexedAccess cannot know.
  index: memory(2, 17, ([a, i], types) => `${a}[${i}]${types ? "!" : ""}`),
  length: memory(1, 17, ([a]) => `${a}.length`),
  newFloat64Array: { ...memory(1, 17, ([n]) => `new Float64Array(${n})`), array: true },
  // Typed as number[] in TypeScript; plain `new Array(n)` when emitting JavaScript.
  zeros: {
    ...memory(1, 17, ([n], types) => (types ? `new Array<number>(${n}).fill(0)` : `new Array(${n}).fill(0)`)),
    array: true,
  },
  // `[]` says its type (an array that push fills): TypeScript would otherwise take it for any[].
  arrayOf: {
    ...memory("variadic", 20, (xs, types) => (xs.length === 0 && types ? "[] as number[]" : `[${xs.join(", ")}]`)),
    array: true,
  },
  slice: { ...memory(1, 17, ([a]) => `${a}.slice()`), array: true },
  // Arrays of arrays: `row` is row i itself (an alias, not a copy); `rows` a new array of n rows,
  // each set once as it is made; `zerosLike` an adjoint of the same (possibly ragged) shape.
  row: memory(2, 17, ([a, i], types) => `${a}[${i}]${types ? "!" : ""}`),
  rows: { ...memory(1, 17, ([n], types) => `new Array${types ? "<number[]>" : ""}(${n})`), array: true },
  float64Rows: { ...memory(1, 17, ([n], types) => `new Array${types ? "<Float64Array>" : ""}(${n})`), array: true },
  zerosLike: {
    ...memory(1, 17, ([a], types) => `${a}.map((r) => new Array${types ? "<number>" : ""}(r.length).fill(0))`),
    array: true,
  },
  float64ZerosLike: { ...memory(1, 17, ([a]) => `${a}.map((r) => new Float64Array(r.length))`), array: true },
  // An array of records (f_jvp's tangent of one), in generated code only: one leaf of every element
  // (`pts.map((e) => e.pos.x)`), and zero elements as many as another's (src/rules/record-elements.ts).
  column: { ...memory(2, 17, ([a, path]) => columnText(a!, path!)), array: true },
  zeroRecords: { ...memory("variadic", 17, ([a, ...paths], types) => zeroRecordsText(a!, paths, types)), array: true },

  // `cond ? a : b`: routes gradients in generated backward code, and in forward mode's tangent
  // formulas (max, min, pow at 0), which second order differentiates again: the gradient goes
  // to the chosen operand.
  select: {
    arity: 3,
    print: { kind: "conditional" },
    eval: (t, a, b) => (t ? a : b),
    derivative: rule(({ grad, x }, i) => (i === 0 ? c(0) : i === 1 ? select(x, grad, c(0)) : select(x, c(0), grad))),
    domain: [0.5, 2],
  },
};

/** Math members and operators adgen refuses, with the reason the diagnostic gives. */
export const unsupported: Record<string, string> = {
  "Math.random": "it is not deterministic, so it has no derivative; pass random numbers in as parameters",
  "Math.clz32": "it is an integer bit operation, not a differentiable function",
  "Math.imul": "it is an integer bit operation, not a differentiable function",
  "Math.f16round": "it is not supported yet",
  "Math.sumPrecise": "it takes an iterable, which adgen does not support",
};

/** Math constants, printed by name. */
export const mathConstants: Record<string, number> = {
  E: Math.E,
  LN10: Math.LN10,
  LN2: Math.LN2,
  LOG10E: Math.LOG10E,
  LOG2E: Math.LOG2E,
  PI: Math.PI,
  SQRT1_2: Math.SQRT1_2,
  SQRT2: Math.SQRT2,
};

/** The op a `Math.<member>(...)` call lowers to, if any. */
export function mathOp(member: string): OpName | undefined {
  if (member === "pow") return "Math.pow";
  const r = rules[member];
  return r && r.print.kind === "call" && r.print.callee === `Math.${member}` ? member : undefined;
}

/** Ops whose result is a boolean (a condition). */
export const isCondition = (name: OpName): boolean => rules[name]?.boolean === true;

export function ruleOf(name: OpName): Rule {
  const r = rules[name];
  if (!r) throw new Error(`adgen internal error: no rule for op '${name}'`);
  return r;
}
