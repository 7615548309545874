/**
 * What the generator draws from: every Math function in a form that is smooth where the program
 * is evaluated (arguments kept in the domain), custom gates with correct hand-written backwards,
 * and the array gates of adgen/gates with the shapes they need.
 */
import type { Expr } from "./ast.js";

const n = (v: number): Expr => ({ k: "num", v });
const bin = (op: "+" | "-" | "*" | "/" | "**" | "%", a: Expr, b: Expr): Expr => ({ k: "bin", op, a, b });
export const math = (name: string, ...args: Expr[]): Expr => ({ k: "call", fn: `Math.${name}`, args, ret: "number" });
const sq = (e: Expr): Expr => bin("*", e, e);
/** 1 + e², positive and smooth: the argument of sqrt, log and friends. */
const positive = (e: Expr, c = 1): Expr => bin("+", n(c), sq(e));

/**
 * Each Math function, given a way to draw fresh arguments, returns a call whose argument stays in
 * the function's smooth domain: `sqrt(1 + e²)`, `asin(0.9 sin e)`, `exp(tanh e)` (no overflow), ...
 * The piecewise ones (abs, max, floor, ...) are called as they are: the checker skips the points
 * where a kink or a step falls inside the finite-difference stencil.
 */
export const mathFunctions: Record<string, (arg: () => Expr, pick: <T>(xs: T[]) => T) => Expr> = {
  abs: (e) => math("abs", e()),
  acos: (e) => math("acos", bin("*", n(0.9), math("sin", e()))),
  acosh: (e) => math("acosh", positive(e(), 1.5)),
  asin: (e) => math("asin", bin("*", n(0.9), math("cos", e()))),
  asinh: (e) => math("asinh", e()),
  atan: (e) => math("atan", e()),
  atan2: (e) => math("atan2", e(), positive(e(), 0.5)),
  atanh: (e) => math("atanh", bin("*", n(0.9), math("tanh", e()))),
  // cbrt and hypot have infinite derivatives at 0 (documented): keep their arguments off it.
  cbrt: (e, pick) => math("cbrt", pick([positive(e()), bin("+", n(2), math("sin", e()))])),
  cos: (e) => math("cos", e()),
  cosh: (e) => math("cosh", math("sin", e())),
  exp: (e, pick) => math("exp", pick([math("tanh", e()), math("sin", e()), { k: "neg", a: sq(e()) }])),
  expm1: (e) => math("expm1", math("atan", e())),
  fround: (e) => math("fround", e()),
  hypot: (e, pick) => math("hypot", ...Array.from({ length: pick([0, 1, 2]) }, e), n(pick([0.5, 1]))),
  log: (e) => math("log", positive(e())),
  log10: (e) => math("log10", positive(e(), 2)),
  log1p: (e) => math("log1p", sq(e())),
  log2: (e) => math("log2", positive(e(), 0.5)),
  max: (e, pick) => math("max", ...Array.from({ length: pick([1, 2, 2, 3]) }, e)),
  min: (e, pick) => math("min", ...Array.from({ length: pick([1, 2, 2, 3]) }, e)),
  pow: (e, pick) => pick([math("pow", positive(e()), math("sin", e())), math("pow", e(), n(pick([2, 3])))]),
  sin: (e) => math("sin", e()),
  sinh: (e) => math("sinh", math("atan", e())),
  sqrt: (e) => math("sqrt", positive(e())),
  tan: (e) => math("tan", math("sin", e())),
  tanh: (e) => math("tanh", e()),
  ceil: (e) => math("ceil", e()),
  floor: (e) => math("floor", e()),
  round: (e) => math("round", e()),
  sign: (e) => math("sign", e()),
  trunc: (e) => math("trunc", e()),
};

export const mathConstants = ["E", "LN10", "LN2", "LOG10E", "LOG2E", "PI", "SQRT1_2", "SQRT2"].map((c) => `Math.${c}`);

/** Operators beyond + - *: division by something bounded away from 0, `%` by a constant, `**`. */
export const operatorForms: ((arg: () => Expr, pick: <T>(xs: T[]) => T) => Expr)[] = [
  (e) => bin("/", e(), positive(e())),
  (e, pick) => bin("/", e(), n(pick([2, 3, 0.5]))),
  (e) => bin("/", e(), bin("+", n(2), math("cos", e()))),
  (e, pick) => bin("%", e(), n(pick([1.5, 2, 3]))),
  (e) => bin("%", e(), positive(e())),
  (e, pick) => bin("**", e(), n(pick([2, 3]))),
  (e) => bin("**", positive(e()), n(0.5)),
];

/** Scalar gates: the built-ins of adgen/gates, and custom ones defined in the program. */
export const builtinScalarGates = [
  { name: "sigmoid", arity: 1 },
  { name: "relu", arity: 1 },
  { name: "softplus", arity: 1 },
  { name: "logSigmoid", arity: 1 },
];

/** Custom gates with correct backwards, so any disagreement is adgen's. */
export const customGates = [
  {
    name: "square",
    arity: 1,
    forward: "(a: number) => a * a",
    backward: "(grad: number, out: number, a: number) => 2 * grad * a",
  },
  {
    name: "smoothAbs",
    arity: 1,
    forward: "(a: number) => Math.sqrt(a * a + 1)",
    backward: "(grad: number, out: number, a: number) => (grad * a) / out",
  },
  {
    name: "signedSquare",
    arity: 1,
    forward: "(a: number) => (a > 0 ? a * a : -a * a)",
    backward: "(grad: number, out: number, a: number) => (a > 0 ? 2 * grad * a : -2 * grad * a)",
  },
  {
    name: "times",
    arity: 2,
    forward: "(a: number, b: number) => a * b",
    backward: "(grad: number, out: number, a: number, b: number) => [grad * b, grad * a]",
  },
  {
    name: "logSumExp2",
    arity: 2,
    forward:
      "(a: number, b: number) => {\n    const m = Math.max(a, b);\n    return m + Math.log(Math.exp(a - m) + Math.exp(b - m));\n  }",
    backward:
      "(grad: number, out: number, a: number, b: number) => [grad * Math.exp(a - out), grad * Math.exp(b - out)]",
  },
  {
    name: "fma3",
    arity: 3,
    forward: "(a: number, b: number, c: number) => a * b + c",
    backward: "(grad: number, out: number, a: number, b: number, c: number) => [grad * b, grad * a, grad]",
  },
];

/** Array gates that return a number: each takes Float64Arrays of one length. */
export const reducingArrayGates = [
  { name: "dot", arrays: 2 },
  { name: "sum", arrays: 1 },
  { name: "sqnorm", arrays: 1 },
  { name: "logSumExp", arrays: 1 },
];

/** Elementwise array gates returning an array of the same length. */
export const elementwiseArrayGates = [
  { name: "add", arrays: 2 },
  { name: "mul", arrays: 2 },
  { name: "relu", arrays: 1 },
];
