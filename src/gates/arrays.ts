/**
 * Vector and matrix gates on flat, row-major Float64Arrays with explicit shapes. Jacobians are
 * never formed: each backward applies its Jacobian implicitly, as in the lecture
 * (y = x w: dL/dx = dL/dy wᵀ, dL/dw = xᵀ dL/dy).
 *
 * An array gate declares the kind of each input (`array`, `number`, or `size`, which is never
 * differentiated) and of its output. `backward(grad, out, ...inputs)` returns one entry per input:
 * a Float64Array for an array, a number for a number, `undefined` for a size. adgen calls the
 * forward in the generated forward pass and `backward` in the backward pass.
 *
 * `reads` lists the inputs whose values (not only lengths) `backward` reads: the generated code
 * hands those to `backward` as they were at the call, copying one the program writes afterwards.
 * A backward reads an array `out` for its length only (test/matrix-gates.test.ts checks both).
 *
 * A `partial` gate's backward takes, after the inputs, one boolean per array or number input:
 * whether that input's gradient is wanted (default true). adgen passes them when some gradient
 * is not (`matmul.backward(grad_y, y, x, W, n, d, m, false, true)` for data `x`), and the gate
 * skips that work, returning an empty array in its place.
 *
 * `tangent(out, ...inputs, ...tangents)` is forward mode's rule: the output's tangent given a
 * tangent for each array and number input (sizes have none; `undefined` is a zero tangent). A
 * gate with a number output needs none: its backward with upstream 1 gives its gradient, whose
 * dot product with the tangents is the output's tangent.
 */

import {
  bilinear,
  linear,
  logSumExpTangentBackward,
  reluTangentBackward,
  sqnormTangentBackward,
  type TangentBackward,
} from "./tangent-backward.js";
import {
  backwardParts,
  logSumExpParts,
  type ArrayTangents,
  type DerivedParts,
  type Derived,
  type PartsOf,
  type PartSource,
} from "./backward-parts.js";
import { dotForm, identityForm, matmulForm, matvecForm, mulForm, reluForm, sumForm } from "./forms.js";
import { derivative, tangentFamily, withParts, withTangent, type Family, type Term } from "./multilinear.js";
import { matmulJvp, matvecJvp } from "./jvp.js";
import { dotProduct, gemm, positivePart, product, scaled, sumOf, total } from "./kernels.js";
import { expectSameLength, expectShape } from "./shapes.js";

export type InputKind = "array" | "number" | "size";

/** An array gate's forward: arrays and numbers in, an array or a number out. */
type Forward = (...inputs: never[]) => Float64Array | number;
/** Its backward: the upstream gradient, forward's result and the inputs in; one gradient per input out. */
type Backward<F extends Forward> = (
  grad: ReturnType<F>,
  out: ReturnType<F>,
  ...inputs: Parameters<F>
) => (Float64Array | number | undefined)[];

/** Forward mode's rule: `out`, the inputs, then a tangent per array or number input. */
type Tangent = (out: never, ...inputsThenTangents: never[]) => Float64Array | number;

/** The tangent a number-valued gate derives from its backward. */
type GradientTangent = (out: number, ...inputsThenTangents: (Float64Array | number | undefined)[]) => number;

export interface ArrayGateSpec<F extends Forward, B extends Backward<F>> {
  inputs: readonly InputKind[];
  /** The indices of the array inputs whose values `backward` reads. */
  reads: readonly number[];
  output: "array" | "number";
  /** Its backward takes a wanted flag per array or number input after the inputs. */
  partial?: boolean;
  forward: F;
  backward: B;
  /** Needed for an array output; derived from `backward` for a number output. */
  tangent?: Tangent;
  /** The backward of `tangent` (second order: reverse over forward), tangent-backward.ts: the gate's
   * own backward, for a gate linear or bilinear in its differentiated inputs, or one of its own. */
  tangentBackward: "linear" | "bilinear" | TangentBackward;
  /** Whether `tangent` reads `out`'s value (then `out` gets a gradient from it). */
  tangentReadsOut?: true;
  /** The parts of `backward` (backward-parts.ts), for logSumExp. */
  backwardParts?: PartSource["backwardParts"];
  /**
   * Its forward as a sum of terms (multilinear.ts), for a gate linear or bilinear in its
   * differentiated inputs: every derivative of it follows, to any order.
   */
  terms?: readonly Term[];
  /** For a gate that is not, but whose tangent and backward are (sqnorm, reluArray): those. */
  derivatives?: { tangent: Family; parts: readonly Family[] };
}

/** A gate's tangent is an array gate too: `(out, ...inputs, ...tangents)`, with its own backward. */
export interface TangentGate {
  inputs: readonly InputKind[];
  reads: readonly number[];
  output: "array" | "number";
  /** Its backward takes a wanted flag per input and tangent with a gradient (tangent-backward.ts). */
  partial: true;
  /** Its parts (`matmul.tangent.backward[1]`), each an array gate (multilinear.ts); not logSumExp's. */
  backward: TangentBackward & DerivedParts;
  /** Its own tangent, not logSumExp's. */
  tangent: Derived;
}

/** `D`: the types of the gradients of its parts' tangents after `grad`'s (backward-parts.ts). */
export type ArrayGate<
  F extends Forward,
  B extends Backward<F>,
  T = GradientTangent,
  D extends readonly unknown[] = ArrayTangents,
> = F & ArrayGateSpec<F, B> & { tangent: T & TangentGate; backward: B & PartsOf<F, ReturnType<B>, D> };

/** Defines an array gate; the result is `forward` itself, carrying its spec. */
export function arrayGate<F extends Forward, B extends Backward<F>, T extends Tangent = GradientTangent>(
  spec: ArrayGateSpec<F, B> & { tangent?: T },
): ArrayGate<F, B, T> {
  const inputs: InputKind[] = [
    spec.tangentReadsOut ? "number" : "size",
    ...spec.inputs,
    ...spec.inputs.filter((k) => k !== "size"),
  ];
  const tangent = Object.assign(spec.tangent ?? gradientTangent(spec), {
    inputs,
    reads: inputs.flatMap((k, i) => (k === "array" ? [i] : [])),
    output: spec.output,
    partial: true as const,
    backward:
      typeof spec.tangentBackward === "function"
        ? spec.tangentBackward
        : spec.tangentBackward === "linear"
          ? linear(spec.inputs, spec.backward as never)
          : bilinear(spec.inputs, spec.backward as never, spec.partial === true),
  });
  // Each entry of the backward is an array gate too (`matmul.backward[0]`): second order over f_grad.
  // Each derivative of a (bi)linear gate has derivatives of its own, made when read (multilinear.ts).
  const family: Family | undefined = spec.terms && {
    inputs: spec.inputs,
    output: spec.output,
    gate: 0,
    terms: spec.terms,
    like: -1,
  };
  const tangentOf = family ? tangentFamily(family) : spec.derivatives?.tangent;
  if (tangentOf) withTangent(withParts(tangent.backward, tangentOf) && tangent, tangentOf);
  if (family) withParts(spec.backward, family);
  else if (spec.derivatives) {
    const parts = [...spec.derivatives.parts];
    spec.inputs.forEach((kind, i) => {
      const part = kind === "array" ? parts.shift() : undefined;
      let made: unknown;
      if (part) Object.defineProperty(spec.backward, i, { enumerable: true, get: () => (made ??= derivative(part)) });
    });
  } else Object.assign(spec.backward, backwardParts(spec as unknown as PartSource));
  return Object.assign(spec.forward, spec, { tangent }) as unknown as ArrayGate<F, B, T>;
}

/** A number-valued gate's tangent: its gradient (backward at upstream 1) dotted with the tangents. */
function gradientTangent(spec: ArrayGateSpec<Forward, Backward<Forward>>): GradientTangent {
  const n = spec.inputs.length;
  const differentiated = spec.inputs.flatMap((kind, i) => (kind === "size" ? [] : [i]));
  return (out: number, ...rest: (Float64Array | number | undefined)[]): number => {
    const inputs = rest.slice(0, n) as never[];
    const tangents = rest.slice(n);
    const grads = spec.backward(1 as never, out as never, ...inputs);
    let s = 0;
    differentiated.forEach((input, k) => {
      const t = tangents[k];
      const g = grads[input];
      if (t === undefined || g === undefined) return;
      if (typeof t === "number") s += (g as number) * t;
      else for (let i = 0; i < t.length; i++) s += (g as Float64Array)[i]! * t[i]!;
    });
    return s;
  };
}

/** A new array `a + b`, where `undefined` is zero (both undefined: zeros of `length`). */
function plus(a: Float64Array | undefined, b: Float64Array | undefined, length: number): Float64Array {
  if (a === undefined) return b ? b.slice() : new Float64Array(length);
  if (b === undefined) return a.slice();
  return sumOf(a, b);
}

/**
 * `a + b` of arrays a gate's tangent has just made (its own, read by nothing else): the one
 * given when the other is a zero tangent, not a copy of it.
 */
function plusFresh(a: Float64Array | undefined, b: Float64Array | undefined, length: number): Float64Array {
  if (a === undefined) return b ?? new Float64Array(length);
  if (b === undefined) return a;
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  return a;
}

/** Adds forward mode's fused value-and-tangent `jvp` (jvp.ts) to a gate. */
const withJvp = <G, J>(gate: G, jvp: J): G & { jvp: J } => Object.assign(gate as object, { jvp }) as G & { jvp: J };

/** The gradient of an input whose gradient is not wanted: empty, never read. */
const NOT_WANTED = new Float64Array(0);

/** The tangent of a gate with one array input, `(out, a, da)`, as multilinear.ts describes it. */
const TANGENT = { inputs: ["size", "array", "array"], gate: 1, like: 0, tangent: true } as const;
/** The part of its backward, `(grad, out, a)`. */
const PART = { gate: 2, like: 2 } as const;

/** y = x w, with x of shape n×d and w of shape d×m; y is n×m. */
export const matmul = /* @__PURE__ */ withJvp(
  arrayGate({
    inputs: ["array", "array", "size", "size", "size"],
    tangentBackward: "bilinear",
    terms: [{ form: matmulForm, slot: 0, args: [-1, 0, 1] }],
    reads: [0, 1],
    output: "array",
    partial: true,
    forward: (x: Float64Array, w: Float64Array, n: number, d: number, m: number): Float64Array => {
      expectShape("matmul", "x", x, "n×d", n, d);
      expectShape("matmul", "w", w, "d×m", d, m);
      const y = new Float64Array(n * m);
      gemm(x, d, 1, w, m, 1, y, n, d, m);
      return y;
    },
    // dL/dx = dL/dy · wᵀ, dL/dw = xᵀ · dL/dy.
    backward: (
      grad: Float64Array,
      _out: Float64Array,
      x: Float64Array,
      w: Float64Array,
      n: number,
      d: number,
      m: number,
      wantX = true,
      wantW = true,
    ): [Float64Array, Float64Array, undefined, undefined, undefined] => {
      let gx = NOT_WANTED;
      let gw = NOT_WANTED;
      if (wantX) gemm(grad, m, 1, w, 1, m, (gx = new Float64Array(n * d)), n, m, d);
      if (wantW) gemm(x, 1, d, grad, m, 1, (gw = new Float64Array(d * m)), d, n, m);
      return [gx, gw, undefined, undefined, undefined];
    },
    // dy = dx w + x dw.
    tangent: (
      out: Float64Array,
      x: Float64Array,
      w: Float64Array,
      n: number,
      d: number,
      m: number,
      dx?: Float64Array,
      dw?: Float64Array,
    ): Float64Array => plusFresh(dx && matmul(dx, w, n, d, m), dw && matmul(x, dw, n, d, m), out.length),
  }),
  matmulJvp,
);

/** y = w x, with w of shape n×d and x of length d; y has length n. */
export const matvec = /* @__PURE__ */ withJvp(
  arrayGate({
    inputs: ["array", "array", "size", "size"],
    tangentBackward: "bilinear",
    terms: [{ form: matvecForm, slot: 0, args: [-1, 0, 1] }],
    reads: [0, 1],
    output: "array",
    partial: true,
    forward: (w: Float64Array, x: Float64Array, n: number, d: number): Float64Array => {
      expectShape("matvec", "w", w, "n×d", n, d);
      expectShape("matvec", "x", x, "d", d);
      const y = new Float64Array(n);
      gemm(w, d, 1, x, 1, 0, y, n, d, 1);
      return y;
    },
    // dL/dw = dL/dy xᵀ (an outer product), dL/dx = wᵀ dL/dy.
    backward: (
      grad: Float64Array,
      _out: Float64Array,
      w: Float64Array,
      x: Float64Array,
      n: number,
      d: number,
      wantW = true,
      wantX = true,
    ): [Float64Array, Float64Array, undefined, undefined] => {
      let gw = NOT_WANTED;
      let gx = NOT_WANTED;
      if (wantW) gemm(grad, 1, 0, x, 0, 1, (gw = new Float64Array(n * d)), n, 1, d);
      if (wantX) gemm(grad, 0, 1, w, d, 1, (gx = new Float64Array(d)), 1, n, d);
      return [gw, gx, undefined, undefined];
    },
    // dy = dw x + w dx.
    tangent: (
      out: Float64Array,
      w: Float64Array,
      x: Float64Array,
      n: number,
      d: number,
      dw?: Float64Array,
      dx?: Float64Array,
    ): Float64Array => plusFresh(dw && matvec(dw, x, n, d), dx && matvec(w, dx, n, d), out.length),
  }),
  matvecJvp,
);

/** a · b. */
export const dot = /* @__PURE__ */ arrayGate({
  inputs: ["array", "array"],
  tangentBackward: "bilinear",
  terms: [{ form: dotForm, slot: 0, args: [-1, 0, 1] }],
  reads: [0, 1],
  output: "number",
  partial: true,
  forward: (a: Float64Array, b: Float64Array): number => {
    expectSameLength("dot", a, b);
    return dotProduct(a, b, a.length);
  },
  backward: (
    grad: number,
    _out: number,
    a: Float64Array,
    b: Float64Array,
    wantA = true,
    wantB = true,
  ): [Float64Array, Float64Array] => [wantA ? scaled(b, grad) : NOT_WANTED, wantB ? scaled(a, grad) : NOT_WANTED],
});

/** The sum of the elements. */
export const sum = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: "linear",
  terms: [{ form: sumForm, slot: 0, args: [-1, 0] }],
  reads: [],
  output: "number",
  forward: (a: Float64Array): number => total(a),
  backward: (grad: number, _out: number, a: Float64Array): [Float64Array] => [new Float64Array(a.length).fill(grad)],
});

/** ||a||², the sum of squares. */
export const sqnorm = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: sqnormTangentBackward,
  // 2 a · da, and the part 2 grad a: dot's form, scaled by 2.
  derivatives: {
    tangent: { ...TANGENT, output: "number", terms: [{ form: dotForm, slot: 0, args: [-1, 1, 2], scale: 2 }] },
    parts: [
      {
        ...PART,
        output: "array",
        inputs: ["number", "size", "array"],
        terms: [{ form: dotForm, slot: 1, args: [0, -1, 2], scale: 2 }],
      },
    ],
  },
  reads: [0],
  output: "number",
  forward: (a: Float64Array): number => dotProduct(a, a, a.length),
  backward: (grad: number, _out: number, a: Float64Array): [Float64Array] => [scaled(a, 2 * grad)],
});

/** a + b, elementwise. */
export const add = /* @__PURE__ */ arrayGate({
  inputs: ["array", "array"],
  tangentBackward: "linear",
  terms: [
    { form: identityForm, slot: 0, args: [-1, 0] },
    { form: identityForm, slot: 0, args: [-1, 1] },
  ],
  reads: [],
  output: "array",
  forward: (a: Float64Array, b: Float64Array): Float64Array => {
    expectSameLength("add", a, b);
    return sumOf(a, b);
  },
  backward: (
    grad: Float64Array,
    _out: Float64Array,
    _a: Float64Array,
    _b: Float64Array,
  ): [Float64Array, Float64Array] => [grad.slice(), grad.slice()],
  tangent: (
    out: Float64Array,
    _a: Float64Array,
    _b: Float64Array,
    da?: Float64Array,
    db?: Float64Array,
  ): Float64Array => plus(da, db, out.length),
});

/** a * b, elementwise. */
export const mul = /* @__PURE__ */ arrayGate({
  inputs: ["array", "array"],
  tangentBackward: "bilinear",
  terms: [{ form: mulForm, slot: 0, args: [-1, 0, 1] }],
  reads: [0, 1],
  output: "array",
  partial: true,
  forward: (a: Float64Array, b: Float64Array): Float64Array => {
    expectSameLength("mul", a, b);
    return product(a, b);
  },
  backward: (
    grad: Float64Array,
    _out: Float64Array,
    a: Float64Array,
    b: Float64Array,
    wantA = true,
    wantB = true,
  ): [Float64Array, Float64Array] => [wantA ? product(grad, b) : NOT_WANTED, wantB ? product(grad, a) : NOT_WANTED],
  tangent: (out: Float64Array, a: Float64Array, b: Float64Array, da?: Float64Array, db?: Float64Array): Float64Array =>
    plusFresh(da && product(da, b), db && product(a, db), out.length),
});

/** max(a, 0), elementwise; the gradient routes where a > 0 (0 at 0). `relu` on an array calls this. */
export const reluArray = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: reluTangentBackward,
  // da where a > 0, and the part grad where a > 0: linear, with a as the mask.
  derivatives: {
    tangent: { ...TANGENT, output: "array", terms: [{ form: reluForm, slot: 0, args: [-1, 2] }] },
    parts: [
      {
        ...PART,
        output: "array",
        inputs: ["array", "size", "array"],
        terms: [{ form: reluForm, slot: 1, args: [0, -1] }],
      },
    ],
  },
  reads: [0],
  output: "array",
  forward: (a: Float64Array): Float64Array => positivePart(a, a),
  backward: (grad: Float64Array, _out: Float64Array, a: Float64Array): [Float64Array] => [positivePart(grad, a)],
  tangent: (out: Float64Array, a: Float64Array, da?: Float64Array): Float64Array =>
    da ? positivePart(da, a) : new Float64Array(out.length),
});

/** A gate whose part takes its `out` as a number input (logSumExp's): that tangent's gradient is a number. */
const partReadsOut = <F extends Forward, B extends Backward<F>, T>(gate: ArrayGate<F, B, T>) =>
  gate as ArrayGate<F, B, T, [number, Float64Array]>;

/** log Σ exp(a), shifted by the maximum; its gradient is the softmax of a. */
export const logSumExp = /* @__PURE__ */ partReadsOut(
  arrayGate({
    inputs: ["array"],
    tangentBackward: logSumExpTangentBackward,
    backwardParts: logSumExpParts,
    tangentReadsOut: true,
    reads: [0],
    output: "number",
    forward: (a: Float64Array): number => {
      let m = -Infinity;
      for (let i = 0; i < a.length; i++) m = Math.max(m, a[i]!);
      let s = 0;
      for (let i = 0; i < a.length; i++) s += Math.exp(a[i]! - m);
      return Math.log(s) + m;
    },
    backward: (grad: number, out: number, a: Float64Array): [Float64Array] => {
      const g = new Float64Array(a.length);
      for (let i = 0; i < g.length; i++) g[i] = grad * Math.exp(a[i]! - out);
      return [g];
    },
  }),
);
