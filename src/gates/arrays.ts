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
  forward: F;
  backward: B;
  /** Needed for an array output; derived from `backward` for a number output. */
  tangent?: Tangent;
  /** The backward of `tangent` (second order: reverse over forward), tangent-backward.ts: the gate's
   * own backward, for a gate linear or bilinear in its differentiated inputs, or one of its own. */
  tangentBackward: "linear" | "bilinear" | TangentBackward;
  /** Whether `tangent` reads `out`'s value (then `out` gets a gradient from it). */
  tangentReadsOut?: true;
}

/** A gate's tangent is an array gate too: `(out, ...inputs, ...tangents)`, with its own backward. */
export interface TangentGate {
  inputs: readonly InputKind[];
  reads: readonly number[];
  output: "array" | "number";
  backward: TangentBackward;
}

export type ArrayGate<F extends Forward, B extends Backward<F>, T = GradientTangent> = F &
  ArrayGateSpec<F, B> & { tangent: T & TangentGate };

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
    backward:
      typeof spec.tangentBackward === "function"
        ? spec.tangentBackward
        : (spec.tangentBackward === "linear" ? linear : bilinear)(spec.inputs, spec.backward as never),
  });
  return Object.assign(spec.forward, spec, { tangent }) as ArrayGate<F, B, T>;
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
  return a.map((v, i) => v + b[i]!);
}

/** A clear run-time error for a shape mismatch. */
function expectLength(gate: string, name: string, a: Float64Array, length: number, shape: string): void {
  if (a.length !== length)
    throw new RangeError(
      `adgen/gates ${gate}: '${name}' has length ${a.length}, but the shape ${shape} needs ${length}`,
    );
}

function expectSameLength(gate: string, a: Float64Array, b: Float64Array): void {
  if (a.length !== b.length)
    throw new RangeError(`adgen/gates ${gate}: the arrays have lengths ${a.length} and ${b.length}`);
}

/** y = x w, with x of shape n×d and w of shape d×m; y is n×m. */
export const matmul = /* @__PURE__ */ arrayGate({
  inputs: ["array", "array", "size", "size", "size"],
  tangentBackward: "bilinear",
  reads: [0, 1],
  output: "array",
  forward: (x: Float64Array, w: Float64Array, n: number, d: number, m: number): Float64Array => {
    expectLength("matmul", "x", x, n * d, `n×d = ${n}×${d}`);
    expectLength("matmul", "w", w, d * m, `d×m = ${d}×${m}`);
    const y = new Float64Array(n * m);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < d; k++) {
        const xik = x[i * d + k]!;
        for (let j = 0; j < m; j++) y[i * m + j]! += xik * w[k * m + j]!;
      }
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
  ): [Float64Array, Float64Array, undefined, undefined, undefined] => {
    const gx = new Float64Array(n * d);
    const gw = new Float64Array(d * m);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < d; k++) {
        let s = 0;
        for (let j = 0; j < m; j++) {
          s += grad[i * m + j]! * w[k * m + j]!;
          gw[k * m + j]! += x[i * d + k]! * grad[i * m + j]!;
        }
        gx[i * d + k] = s;
      }
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
  ): Float64Array => plus(dx && matmul(dx, w, n, d, m), dw && matmul(x, dw, n, d, m), out.length),
});

/** y = w x, with w of shape n×d and x of length d; y has length n. */
export const matvec = /* @__PURE__ */ arrayGate({
  inputs: ["array", "array", "size", "size"],
  tangentBackward: "bilinear",
  reads: [0, 1],
  output: "array",
  forward: (w: Float64Array, x: Float64Array, n: number, d: number): Float64Array => {
    expectLength("matvec", "w", w, n * d, `n×d = ${n}×${d}`);
    expectLength("matvec", "x", x, d, `d = ${d}`);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += w[i * d + k]! * x[k]!;
      y[i] = s;
    }
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
  ): [Float64Array, Float64Array, undefined, undefined] => {
    const gw = new Float64Array(n * d);
    const gx = new Float64Array(d);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < d; k++) {
        gw[i * d + k] = grad[i]! * x[k]!;
        gx[k]! += w[i * d + k]! * grad[i]!;
      }
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
  ): Float64Array => plus(dw && matvec(dw, x, n, d), dx && matvec(w, dx, n, d), out.length),
});

/** a · b. */
export const dot = /* @__PURE__ */ arrayGate({
  inputs: ["array", "array"],
  tangentBackward: "bilinear",
  reads: [0, 1],
  output: "number",
  forward: (a: Float64Array, b: Float64Array): number => {
    expectSameLength("dot", a, b);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  },
  backward: (grad: number, _out: number, a: Float64Array, b: Float64Array): [Float64Array, Float64Array] => [
    b.map((v) => grad * v),
    a.map((v) => grad * v),
  ],
});

/** The sum of the elements. */
export const sum = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: "linear",
  reads: [],
  output: "number",
  forward: (a: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]!;
    return s;
  },
  backward: (grad: number, _out: number, a: Float64Array): [Float64Array] => [new Float64Array(a.length).fill(grad)],
});

/** ||a||², the sum of squares. */
export const sqnorm = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: sqnormTangentBackward,
  reads: [0],
  output: "number",
  forward: (a: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
    return s;
  },
  backward: (grad: number, _out: number, a: Float64Array): [Float64Array] => [a.map((v) => 2 * grad * v)],
});

/** a + b, elementwise. */
export const add = /* @__PURE__ */ arrayGate({
  inputs: ["array", "array"],
  tangentBackward: "linear",
  reads: [],
  output: "array",
  forward: (a: Float64Array, b: Float64Array): Float64Array => {
    expectSameLength("add", a, b);
    return a.map((v, i) => v + b[i]!);
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
  reads: [0, 1],
  output: "array",
  forward: (a: Float64Array, b: Float64Array): Float64Array => {
    expectSameLength("mul", a, b);
    return a.map((v, i) => v * b[i]!);
  },
  backward: (
    grad: Float64Array,
    _out: Float64Array,
    a: Float64Array,
    b: Float64Array,
  ): [Float64Array, Float64Array] => [grad.map((g, i) => g * b[i]!), grad.map((g, i) => g * a[i]!)],
  tangent: (out: Float64Array, a: Float64Array, b: Float64Array, da?: Float64Array, db?: Float64Array): Float64Array =>
    plus(
      da?.map((v, i) => v * b[i]!),
      db?.map((v, i) => a[i]! * v),
      out.length,
    ),
});

/** max(a, 0), elementwise; the gradient routes where a > 0 (0 at 0). `relu` on an array calls this. */
export const reluArray = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: reluTangentBackward,
  reads: [0],
  output: "array",
  forward: (a: Float64Array): Float64Array => a.map((v) => (v > 0 ? v : 0)),
  backward: (grad: Float64Array, _out: Float64Array, a: Float64Array): [Float64Array] => [
    grad.map((g, i) => (a[i]! > 0 ? g : 0)),
  ],
  tangent: (out: Float64Array, a: Float64Array, da?: Float64Array): Float64Array =>
    da ? da.map((t, i) => (a[i]! > 0 ? t : 0)) : new Float64Array(out.length),
});

/** log Σ exp(a), shifted by the maximum; its gradient is the softmax of a. */
export const logSumExp = /* @__PURE__ */ arrayGate({
  inputs: ["array"],
  tangentBackward: logSumExpTangentBackward,
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
  backward: (grad: number, out: number, a: Float64Array): [Float64Array] => [a.map((v) => grad * Math.exp(v - out))],
});
