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
 * A part's inputs are `(grad, out, ...inputs)`; the kinds say which it depends on. The parts of
 * the gates linear or bilinear in their inputs (matmul, matvec, dot, mul, add, sum), and of sqnorm
 * and reluArray, are made by multilinear.ts, with derivatives of their own to any order;
 * logSumExp's part is written below, with a backward, a tangent and a tangent backward, and gets
 * the derivatives past those from elementary.ts.
 * test/matrix-gates.test.ts checks every part as it checks every gate (finite differences of
 * forward, tangent and tangent backward).
 */
import type { TangentBackward } from "./tangent-backward.js";
import { backwardOf, logSumExpDerivatives, tangentOf } from "./elementary.js";

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
  /** Parts of its own (logSumExp's). */
  backwardParts?: (spec: PartSource) => PartGate[];
}

/**
 * A value generated code reads from a derivative multilinear.ts makes: an array or a number, as
 * the code knows it to be from the gate's kinds (the type cannot say which, as the kinds are data).
 */
export type Either = Float64Array & number;
type Arg = Float64Array | number | boolean | undefined;
/** Room for the gradients of a derivative's arguments, by position (a fixed length: noUncheckedIndexedAccess). */
type Eithers = [
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
  Either,
];
/** An index of a part: any argument's position. */
type Index =
  0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21 | 22 | 23;
/** A derivative made by multilinear.ts, as generated code calls it: `dot.backward[0].backward[2](...)`. */
export interface Derived {
  (...args: Arg[]): Either;
  inputs: readonly InputKind[];
  reads: readonly number[];
  output: "array" | "number";
  partial?: true;
  backward: ((...args: Arg[]) => Eithers) & DerivedParts;
  tangent: Derived;
}
/** The parts of a derivative's backward. */
export type DerivedParts = { readonly [K in Index]: Derived };

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
  backward: PartBackward<B> & DerivedParts;
  tangent: ((cp: Float64Array, ...rest: unknown[]) => Float64Array) & {
    tangent: Derived;
    inputs: readonly InputKind[];
    reads: readonly number[];
    output: "array";
    partial: true;
    backward: ((
      grad: Float64Array | number,
      tout: Float64Array | number,
      out: Float64Array | number,
      ...rest: unknown[]
    ) => T) &
      DerivedParts;
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

/** The parts of `spec`'s backward (logSumExp's), keyed by input index. */
export function backwardParts(spec: PartSource): Parts {
  const parts: PartGate[] = spec.backwardParts ? spec.backwardParts(spec) : [];
  const keyed: Record<number, PartGate> = {};
  let k = 0;
  spec.inputs.forEach((kind, i) => {
    if (kind === "array" && parts[k]) keyed[i] = parts[k++]!;
  });
  return keyed;
}

const call = (f: Call) => f as unknown as (...xs: unknown[]) => Value[] & Value;
const arrays = (inputs: readonly InputKind[]) => inputs.flatMap((k, i) => (k === "array" ? [i] : []));

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
 * logSumExp's backward, `c_i = grad exp(a_i - out)`, as a part: its forward calls the gate's
 * backward; its tangent `s_i (dgrad + grad (da_i - dout))` is written here; its backward and its
 * tangent's backward compute their parts from its expression (elementary.ts), which adgen reads
 * them as, so that a call to one whole and its parts read back compute the same numbers.
 */
export function logSumExpParts(spec: PartSource): PartGate[] {
  const forward = (grad: unknown, out: unknown, a: unknown) => call(spec.backward)(grad, out, a)[0] as Float64Array;
  const softmax = (a: Float64Array, out: number) => a.map((v) => Math.exp(v - out));
  const expression = logSumExpDerivatives.parts[0]!;
  const backward = backwardOf(expression) as unknown as PartBackward;
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
  const tangentBackward = backwardOf(tangentOf(expression)) as unknown as TangentBackward;
  return [part(["number", "number", "array"], [2], forward, backward, tangent, tangentBackward, false)];
}
