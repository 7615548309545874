/**
 * The derivatives of array gates' backwards, so that generated code is valid input again.
 *
 * `f_grad` calls `const [gx, gw] = matmul.backward(grad, out, x, w, n, d, m)`. Differentiating
 * `f_grad` (reverse over reverse, or any mode over it) needs the derivative of that call, so each
 * entry of a gate's backward is an array gate of its own, a _part_: `matmul.backward[0]` computes
 * `gx` (exactly as the backward does: it calls it, asking for that one gradient) from the same
 * arguments `(grad, out, ...inputs)`, and has a backward, a tangent and a tangent backward like any
 * array gate (arrays.ts). adgen reads `matmul.backward(...)` as the tuple of its parts
 * (src/parser/lower/gate-backwards.ts), and the code it generates calls them:
 * `matmul.backward[0](...)`, `matmul.backward[0].backward(...)`.
 *
 * A part's inputs are `(grad, out, ...inputs)`; the kinds say which it depends on. A backward is
 * linear in `grad`; for a gate bilinear in its inputs `a`, `b` (matmul, matvec, dot, mul), the
 * part for `a` is bilinear in `grad` and `b` and does not depend on `a`, with
 * `⟨u, ga(grad, b)⟩ = ⟨grad, f(u, b)⟩ = ⟨gb(grad, u), b⟩`: its backward is the gate's forward and
 * backward again (`u` in `a`'s place). A linear gate's part (add, sum) depends on `grad` alone,
 * and its backward is the gate's forward of `u` (zeros for the other inputs). sqnorm, reluArray
 * and logSumExp have parts of their own below. test/matrix-gates.test.ts checks every part as
 * it checks every gate (finite differences of forward, tangent and tangent backward).
 */
import { positivePart, scaled, sumOf } from "./kernels.js";
import { bilinear, linear, ZERO_GRADIENT, type TangentBackward } from "./tangent-backward.js";

type InputKind = "array" | "number" | "size";
type Value = Float64Array | number | undefined;
type Call = (...xs: never[]) => unknown;

/** What a part is made from: an array gate's spec (arrays.ts's ArrayGateSpec). */
export interface PartSource {
  inputs: readonly InputKind[];
  output: "array" | "number";
  partial?: boolean;
  forward: Call;
  backward: Call;
  tangentBackward: unknown;
  /** Parts of its own, for a gate neither linear nor bilinear. */
  backwardParts?: (spec: PartSource) => PartGate[];
}

/**
 * A part's backward: `(u, part's out, grad, out, ...inputs, ...wanted)`, a gradient per input
 * (`B`: the gate's output's type for `grad` and `out`, then each input's as the gate's backward
 * gives it).
 */
export type PartBackward<B extends readonly unknown[] = Value[]> = (
  u: Float64Array,
  cp: Float64Array,
  ...rest: unknown[]
) => B;

/**
 * A part: an array gate computing one entry of a gate's backward, typed for generated code, which
 * destructures what its backward (`B`) and its tangent's backward (`T`) return by position.
 */
export type PartGate<B extends readonly unknown[] = Value[], T extends readonly unknown[] = Value[]> = ((
  grad: Float64Array | number,
  out: Float64Array | number,
  ...rest: unknown[]
) => Float64Array) & {
  inputs: readonly InputKind[];
  reads: readonly number[];
  output: "array";
  partial?: true;
  backward: PartBackward<B>;
  tangent: ((cp: Float64Array, ...rest: unknown[]) => Float64Array) & {
    inputs: readonly InputKind[];
    reads: readonly number[];
    output: "array";
    partial: true;
    backward: (
      grad: Float64Array | number,
      tout: Float64Array | number,
      out: Float64Array | number,
      ...rest: unknown[]
    ) => T;
  };
};

/** The parts of a gate's backward, one per array input, by the input's index (sizes have none). */
export type Parts = { readonly [index: number]: PartGate };

/** A gate's gradients, one per input of `F` (the backward's `R`, `undefined` for sizes past its end). */
type GradientsOf<F extends Call, R> = Gradients<Parameters<F>, R>;
type Gradients<P extends readonly unknown[], R> = { [K in keyof P]: K extends keyof R ? R[K] : undefined };
/** What a part's backward returns: gradients for `grad`, `out` (typed as the gate's output), each input. */
type PartGradients<F extends Call, R> = [ReturnType<F>, ReturnType<F>, ...GradientsOf<F, R>];
/**
 * What its tangent's backward returns: for the part's `out` (a size: `undefined`, never read), the
 * part's inputs as above, then the tangents given: `grad`'s, then arrays' (a part whose `out` is a
 * number input, logSumExp's, says so with `PartsOf`'s `D`).
 */
type PartTangentGradients<F extends Call, R, D extends readonly unknown[]> = [
  number,
  ...PartGradients<F, R>,
  ReturnType<F>,
  ...D,
];

/** Room for the array tangents of a part's inputs (a fixed length: noUncheckedIndexedAccess). */
export type ArrayTangents = [Float64Array, Float64Array, Float64Array, Float64Array];

/**
 * The parts' types: one at each index where the backward of `F` (returning `R`) returns an array;
 * `D`, the types of the tangents' gradients after `grad`'s.
 */
export type PartsOf<F extends Call, R, D extends readonly unknown[] = ArrayTangents> = {
  readonly [K in keyof R as R[K] extends Float64Array ? K : never]: PartGate<
    PartGradients<F, R>,
    PartTangentGradients<F, R, D>
  >;
};

/** The parts of `spec`'s backward, keyed by input index. */
export function backwardParts(spec: PartSource): Parts {
  const parts: PartGate[] = spec.backwardParts
    ? spec.backwardParts(spec)
    : spec.tangentBackward === "bilinear"
      ? bilinearParts(spec)
      : spec.tangentBackward === "linear"
        ? linearParts(spec)
        : [];
  const keyed: Record<number, PartGate> = {};
  let k = 0;
  spec.inputs.forEach((kind, i) => {
    if (kind === "array" && parts[k]) keyed[i] = parts[k++]!;
  });
  return keyed;
}

const call = (f: Call) => f as unknown as (...xs: unknown[]) => Value[] & Value;
const arrays = (inputs: readonly InputKind[]) => inputs.flatMap((k, i) => (k === "array" ? [i] : []));

/** `a + b` as a new array, `undefined` being zero (both undefined: zeros of `length`). */
function plus(a: Float64Array | undefined, b: Float64Array | undefined, length: number): Float64Array {
  if (a === undefined) return b ? b.slice() : new Float64Array(length);
  if (b === undefined) return a.slice();
  return sumOf(a, b);
}

/** Assembles a part from its inputs, forward, backward, tangent and tangent backward. */
function part(
  inputs: InputKind[],
  reads: number[],
  forward: (...xs: unknown[]) => Float64Array,
  backward: PartBackward,
  tangent: (cp: Float64Array, ...rest: unknown[]) => Float64Array,
  tangentBackward: TangentBackward,
  partial: boolean,
): PartGate {
  const tangentInputs: InputKind[] = ["size", ...inputs, ...inputs.filter((k) => k !== "size")];
  const t = Object.assign(tangent, {
    inputs: tangentInputs,
    reads: arrays(tangentInputs),
    output: "array" as const,
    partial: true as const,
    backward: tangentBackward,
  });
  return Object.assign(forward, {
    inputs,
    reads,
    output: "array" as const,
    ...(partial ? { partial: true as const } : {}),
    backward,
    tangent: t,
  }) as unknown as PartGate;
}

/**
 * A part bilinear in its two differentiated inputs `p`, `q` (positions in the part's inputs):
 * its tangent is the part at `(dp, q)` plus at `(p, dq)`, and its tangent's backward follows
 * (tangent-backward.ts). `backward` takes a wanted flag for `p` and `q` after the inputs.
 */
function bilinearPart(
  inputs: InputKind[],
  reads: number[],
  forward: (...xs: unknown[]) => Float64Array,
  backward: PartBackward,
): PartGate {
  const [p, q] = inputs.flatMap((k, i) => (k === "size" ? [] : [i])) as [number, number];
  const n = inputs.length;
  const tangent = (cp: Float64Array, ...rest: unknown[]): Float64Array => {
    const xs = rest.slice(0, n);
    const [dp, dq] = rest.slice(n);
    const at = (i: number, d: unknown) => forward(...xs.map((x, j) => (j === i ? d : x)));
    return plus(dp === undefined ? undefined : at(p, dp), dq === undefined ? undefined : at(q, dq), cp.length);
  };
  return part(inputs, reads, forward, backward, tangent, bilinear(inputs, backward as never, true), true);
}

/**
 * The parts of a gate `f(a, b)` bilinear in its two array inputs: the part for `a`,
 * `ga(grad, b)`, has the backward `grad ← f(u, b)`, `b ← gb(grad, u)` (the gate's backward with
 * `u` in `a`'s place), and the same with `a` and `b` exchanged.
 */
function bilinearParts(spec: PartSource): PartGate[] {
  const [a, b] = arrays(spec.inputs) as [number, number];
  const n = spec.inputs.length;
  const wanting = (k: number) => (spec.partial ? [k === a, k === b] : []);
  return [
    [a, b],
    [b, a],
  ].map(([p, q]) => {
    const forward = (grad: unknown, out: unknown, ...xs: unknown[]) =>
      call(spec.backward)(grad, out, ...xs.slice(0, n), ...wanting(p!))[p!] as Float64Array;
    const backward: PartBackward = (u, _cp, grad, out, ...rest) => {
      const xs = rest.slice(0, n).map((x, i) => (i === p ? u : x));
      const [wantGrad = true, wantQ = true] = rest.slice(n) as (boolean | undefined)[];
      const result: Value[] = new Array<Value>(2 + n).fill(undefined);
      if (wantGrad) result[0] = call(spec.forward)(...xs) as Float64Array | number;
      else result[0] = spec.output === "number" ? 0 : ZERO_GRADIENT;
      result[2 + q!] = wantQ ? call(spec.backward)(grad, out, ...xs, ...wanting(q!))[q!] : ZERO_GRADIENT;
      return result;
    };
    const inputs: InputKind[] = [spec.output, "size", ...spec.inputs.map((k, i) => (i === p ? "size" : k))];
    return bilinearPart(inputs, [...(spec.output === "array" ? [0] : []), 2 + q!], forward, backward);
  });
}

/**
 * The parts of a gate linear in its array inputs (add, sum): the part for `a` depends on `grad`
 * alone, and its backward is `grad ← f(u at a, zeros elsewhere)`.
 */
function linearParts(spec: PartSource): PartGate[] {
  const n = spec.inputs.length;
  return arrays(spec.inputs).map((p) => {
    const forward = (grad: unknown, out: unknown, ...xs: unknown[]) =>
      call(spec.backward)(grad, out, ...xs.slice(0, n))[p] as Float64Array;
    const backward: PartBackward = (u, _cp, _grad, _out, ...rest) => {
      const xs = rest
        .slice(0, n)
        .map((x, i) => (i === p ? u : spec.inputs[i] === "array" ? new Float64Array((x as Float64Array).length) : x));
      return [call(spec.forward)(...xs), ...new Array<Value>(1 + n).fill(undefined)];
    };
    const inputs: InputKind[] = [spec.output, "size", ...spec.inputs.map((): InputKind => "size")];
    const tangent = (cp: Float64Array, grad: unknown, out: unknown, ...rest: unknown[]) => {
      const dgrad = rest[n];
      return dgrad === undefined ? new Float64Array(cp.length) : forward(dgrad, out, ...rest.slice(0, n));
    };
    return part(inputs, [], forward, backward, tangent, linear(inputs, backward as never), false);
  });
}

/** sqnorm's backward `2 grad a`, bilinear in `grad` and `a`: `grad ← 2 a · u`, `a ← 2 grad u`. */
export function sqnormParts(spec: PartSource): PartGate[] {
  const forward = (grad: unknown, out: unknown, a: unknown) => call(spec.backward)(grad, out, a)[0] as Float64Array;
  const backward: PartBackward = (u, _cp, grad, _out, a, wantGrad = true, wantA = true) => {
    let s = 0;
    for (let i = 0; i < u.length; i++) s += u[i]! * (a as Float64Array)[i]!;
    return [wantGrad ? 2 * s : 0, undefined, wantA ? scaled(u, 2 * (grad as number)) : ZERO_GRADIENT];
  };
  return [bilinearPart(["number", "size", "array"], [2], forward, backward)];
}

/**
 * reluArray's backward, `grad` where `a > 0`: linear in `grad` (`grad ← u` where `a > 0`),
 * piecewise constant in `a` (zero gradient; `a` is an input so that it is copied when written later).
 */
export function reluParts(spec: PartSource): PartGate[] {
  const forward = (grad: unknown, out: unknown, a: unknown) => call(spec.backward)(grad, out, a)[0] as Float64Array;
  const backward: PartBackward = (u, _cp, _grad, _out, a) => [
    positivePart(u, a as Float64Array),
    undefined,
    new Float64Array((a as Float64Array).length),
  ];
  const tangent = (cp: Float64Array, _grad: unknown, _out: unknown, a: unknown, dgrad?: unknown) =>
    dgrad === undefined ? new Float64Array(cp.length) : positivePart(dgrad as Float64Array, a as Float64Array);
  const tangentBackward = ((
    w: Float64Array,
    _tout: unknown,
    _cp: unknown,
    grad: Float64Array,
    _o: unknown,
    a: Float64Array,
    dgrad?: unknown,
    da?: unknown,
  ) => [
    undefined,
    ZERO_GRADIENT,
    undefined,
    ZERO_GRADIENT,
    dgrad === undefined ? undefined : positivePart(w, a),
    da === undefined ? undefined : new Float64Array(grad.length),
  ]) as unknown as TangentBackward;
  return [part(["array", "size", "array"], [2], forward, backward, tangent, tangentBackward, false)];
}

/**
 * logSumExp's backward, `c_i = grad s_i` with `s_i = exp(a_i - out)`: its backward is
 * `grad ← Σ u_i s_i`, `out ← -grad Σ u_i s_i` (which flows on to `a` through the gate's backward),
 * `a_i ← grad u_i s_i`; its tangent `s_i (dgrad + grad (da_i - dout))`.
 */
export function logSumExpParts(spec: PartSource): PartGate[] {
  const forward = (grad: unknown, out: unknown, a: unknown) => call(spec.backward)(grad, out, a)[0] as Float64Array;
  const softmax = (a: Float64Array, out: number) => a.map((v) => Math.exp(v - out));
  const backward: PartBackward = (u, _cp, grad, out, a) => {
    const s = softmax(a as Float64Array, out as number);
    let r = 0;
    for (let i = 0; i < s.length; i++) r += u[i]! * s[i]!;
    return [r, -(grad as number) * r, s.map((si, i) => (grad as number) * u[i]! * si)];
  };
  const tangent = (
    _cp: Float64Array,
    grad: unknown,
    out: unknown,
    a: unknown,
    dg?: unknown,
    dout?: unknown,
    da?: unknown,
  ) => {
    const s = softmax(a as Float64Array, out as number);
    const [g0, o0, d] = [(dg ?? 0) as number, (dout ?? 0) as number, da as Float64Array | undefined];
    return s.map((si, i) => si * (g0 + (grad as number) * ((d ? d[i]! : 0) - o0)));
  };
  // It computes the tangent `t` again rather than read `tout`: generated code may write the
  // tangent in place after the call (`dot_grad_w[k] = dot_t7`, a sum into the gradient), and
  // keeps a gate's inputs as they were at the call (`reads`), not its result.
  const tangentBackward = ((
    w: Float64Array,
    _tout: unknown,
    _cp: unknown,
    grad: number,
    out: number,
    a: Float64Array,
    dg?: number,
    dout?: number,
    da?: Float64Array,
  ) => {
    const s = softmax(a, out);
    const q = s.map((si, i) => w[i]! * si);
    const t = s.map((si, i) => si * ((dg ?? 0) + grad * ((da ? da[i]! : 0) - (dout ?? 0))));
    let sq = 0;
    let sqd = 0;
    let swt = 0;
    for (let i = 0; i < s.length; i++) {
      sq += q[i]!;
      sqd += q[i]! * ((da ? da[i]! : 0) - (dout ?? 0));
      swt += w[i]! * t[i]!;
    }
    return [
      undefined,
      sqd,
      -swt,
      w.map((wi, i) => wi * t[i]!),
      dg === undefined ? undefined : sq,
      dout === undefined ? undefined : -grad * sq,
      da === undefined ? undefined : q.map((qi) => grad * qi),
    ];
  }) as unknown as TangentBackward;
  return [part(["number", "number", "array"], [2], forward, backward, tangent, tangentBackward, false)];
}
