/**
 * The built-in vector and matrix gates, on flat, row-major Float64Arrays with explicit shapes
 * (array-gate.ts says how a gate is defined). Jacobians are never formed: each backward applies
 * its Jacobian implicitly, as in the lecture (y = x w: dL/dx = dL/dy wᵀ, dL/dw = xᵀ dL/dy).
 */

import { reluTangentBackward, sqnormTangentBackward, type TangentBackward } from "./tangent-backward.js";
import { logSumExpParts } from "./backward-parts.js";
import { arrayGate, type ArrayGate, type Backward, type Forward } from "./array-gate.js";
import * as forms from "./forms.js";
import { backwardOf, logSumExpDerivatives } from "./elementary.js";
import { matmulJvp, matvecJvp } from "./jvp.js";
import { dotProduct, gemm, positivePart, product, scaled, sumOf, total } from "./kernels.js";
import { expectSameLength, expectShape } from "./shapes.js";

export { arrayGate, type ArrayGate, type ArrayGateSpec, type InputKind, type TangentGate } from "./array-gate.js";

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

/** y = x w, with x of shape n×d and w of shape d×m; y is n×m. */
export const matmul = /* @__PURE__ */ withJvp(
  arrayGate({
    inputs: ["array", "array", "size", "size", "size"],
    tangentBackward: "bilinear",
    terms: [{ form: forms.matmul, slot: 0, args: [-1, 0, 1] }],
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
    terms: [{ form: forms.matvec, slot: 0, args: [-1, 0, 1] }],
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
  terms: [{ form: forms.dot, slot: 0, args: [-1, 0, 1] }],
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
  terms: [{ form: forms.sum, slot: 0, args: [-1, 0] }],
  reads: [],
  output: "number",
  forward: (a: Float64Array): number => total(a),
  backward: (grad: number, _out: number, a: Float64Array): [Float64Array] => [new Float64Array(a.length).fill(grad)],
});

/** ||a||², the sum of squares. */
export const sqnorm = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: sqnormTangentBackward,
  derivatives: forms.sqnormDerivatives,
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
    { form: forms.identity, slot: 0, args: [-1, 0] },
    { form: forms.identity, slot: 0, args: [-1, 1] },
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
  terms: [{ form: forms.mul, slot: 0, args: [-1, 0, 1] }],
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
  derivatives: forms.reluDerivatives,
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
    // Its tangent's backward computes its parts (elementary.ts), which adgen reads it as.
    tangentBackward: /* @__PURE__ */ backwardOf(logSumExpDerivatives.tangent) as unknown as TangentBackward,
    backwardParts: logSumExpParts,
    elementary: logSumExpDerivatives,
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
