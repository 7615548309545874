/**
 * Second order through array gates. Forward mode calls a gate's `tangent(out, ...inputs,
 * ...tangents)`; reverse mode over forward mode (`f_hvp`) then needs the backward of that
 * tangent: `backward(grad, tout, out, ...inputs, ...tangents)`, the gradient of
 * `grad · tangent(...)` with respect to `out`, each input and each tangent given (`undefined` for
 * sizes, for a tangent left out, and for `out` when the tangent does not read it). So each gate's
 * tangent is an array gate itself (arrays.ts attaches these), and the tangents of (bi)linear
 * gates' backwards are the gates' own backwards again. test/matrix-gates.test.ts checks every one
 * against finite differences of its tangent.
 *
 * Every tangent backward is `partial`: after the tangents (all slots present), adgen may pass a
 * wanted flag per input and tangent with a gradient, and the backward may skip the others' work
 * (the bilinear ones do: f_hvp never wants the gradient of an MLP's data `x`). A gradient that is
 * zero everywhere comes back empty (ZERO_GRADIENT).
 */
/** An array gate input's kind (as arrays.ts declares it). */
type InputKind = "array" | "number" | "size";

type Value = Float64Array | number | undefined;
/** A gate's backward: the upstream gradient, forward's result, the inputs; a gradient per input. */
type Backward = (grad: never, out: never, ...inputs: never[]) => Value[];
/**
 * A tangent's backward: a gradient for `out`, each input, each tangent given (after the tangents,
 * adgen may pass wanted flags: `split`). Typed for the code
 * adgen generates, which reads only the gradients that exist: `out`'s is a number (it has one
 * only when the tangent reads a number `out`), every input and tangent is an array (no array gate
 * takes a number input; sizes get `undefined`, never read).
 */
export type TangentBackward = (
  grad: Float64Array | number,
  tout: Float64Array | number,
  out: Float64Array | number,
  ...rest: (Float64Array | number | boolean | undefined)[]
) => TangentGradients;
/** Room for `out`, five inputs (matmul's) and two tangents. */
type TangentGradients = [
  number,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
];

/**
 * A gradient that is zero everywhere, returned as an empty array instead of zeros of the input's
 * length: generated code adds a tangent backward's array gradients into adjoint arrays (over the
 * returned array's length, so this adds nothing) and never keeps one as an adjoint itself
 * (`zeroAsEmpty` on the tangent gate's callee, src/transform/tangent/hvp.ts).
 */
export const ZERO_GRADIENT = new Float64Array(0);

/** Zero, for an input like `x`: 0 for a number, the empty ZERO_GRADIENT for an array. */
const zeroLike = (x: Value): Float64Array | number => (x instanceof Float64Array ? ZERO_GRADIENT : 0);

/** The positions of the inputs that have tangents (every input but sizes). */
const withTangents = (inputs: readonly InputKind[]) => inputs.flatMap((k, i) => (k === "size" ? [] : [i]));

/**
 * Splits `(out, ...inputs, ...tangents, ...wanted)` and makes the result, a slot per argument.
 * `wanted` has a flag per input and tangent with a gradient (adgen passes them when some gradient
 * is not wanted, with every tangent slot present); a missing flag means wanted. A slot not wanted
 * stays `undefined`: generated code never reads it.
 */
function split(inputs: readonly InputKind[], rest: Value[]) {
  const n = inputs.length;
  const t = withTangents(inputs).length;
  const xs = rest.slice(0, n);
  const ts = rest.slice(n, n + t);
  const flags = rest.slice(n + t) as unknown as (boolean | undefined)[];
  const result: Value[] = new Array<Value>(1 + n + t).fill(undefined);
  return { xs, ts, result, n, wanted: (k: number) => flags[k] !== false };
}

/**
 * A gate bilinear in its two differentiated inputs, f(a, b) (matmul, matvec, dot, mul): its
 * tangent is f(da, b) + f(a, db), whose backward is f's backward at (da, b) and at (a, db). A
 * `partial` backward is told which of its two gradients each of those calls needs.
 */
export function bilinear(inputs: readonly InputKind[], backward: Backward, partial: boolean): TangentBackward {
  const [p, q] = withTangents(inputs) as [number, number];
  const call = backward as unknown as (grad: Value, out: Value, ...xs: unknown[]) => Value[];
  return ((grad: Value, _tout: Value, out: Value, ...rest: Value[]) => {
    const { xs, ts, result, n, wanted } = split(inputs, rest);
    const [dp, dq] = ts;
    const [wp, wq, wdp, wdq] = [wanted(0), wanted(1), wanted(2), wanted(3)];
    const at = (i: number, x: Value, wantA: boolean, wantB: boolean) => [
      ...xs.map((y, j) => (j === i ? x : y)),
      ...(partial ? [wantA, wantB] : []),
    ];
    // Through dp: the gradients of dp (in a's place) and of b; through dq: of a and of dq.
    const viaDp = dp !== undefined && (wdp || wq) ? call(grad, out, ...at(p, dp, wdp, wq)) : undefined;
    const viaDq = dq !== undefined && (wp || wdq) ? call(grad, out, ...at(q, dq, wp, wdq)) : undefined;
    if (wp) result[1 + p] = viaDq ? viaDq[p] : zeroLike(xs[p]);
    if (wq) result[1 + q] = viaDp ? viaDp[q] : zeroLike(xs[q]);
    if (dp !== undefined && wdp) result[1 + n] = viaDp![p];
    if (dq !== undefined && wdq) result[2 + n] = viaDq![q];
    return result;
  }) as unknown as TangentBackward;
}

/** A gate linear in its inputs (add, sum): its tangent is the gate of the tangents, whose backward is the gate's. */
export function linear(inputs: readonly InputKind[], backward: Backward): TangentBackward {
  const differentiated = withTangents(inputs);
  const call = backward as unknown as (grad: Value, out: Value, ...xs: Value[]) => Value[];
  return ((grad: Value, _tout: Value, out: Value, ...rest: Value[]) => {
    const { xs, ts, result, n, wanted } = split(inputs, rest);
    const t = differentiated.length;
    const any = differentiated.some((_, k) => ts[k] !== undefined && wanted(t + k));
    const grads = any ? call(grad, out, ...xs) : [];
    differentiated.forEach((i, k) => {
      if (wanted(k)) result[1 + i] = zeroLike(xs[i]);
      if (ts[k] !== undefined && wanted(t + k)) result[1 + n + k] = grads[i];
    });
    return result;
  }) as unknown as TangentBackward;
}

/** sqnorm: the tangent 2 a · da; its gradient is 2 grad da for a, 2 grad a for da. */
export const sqnormTangentBackward = ((
  grad: number,
  _tout: number,
  _out: number,
  a: Float64Array,
  da?: Float64Array,
) => [
  undefined,
  da ? da.map((v) => 2 * grad * v) : ZERO_GRADIENT,
  da ? a.map((v) => 2 * grad * v) : undefined,
]) as unknown as TangentBackward;

/** reluArray: the tangent is da where a > 0; piecewise constant in a, so a gets 0 and da the routed gradient. */
export const reluTangentBackward = ((
  grad: Float64Array,
  _tout: Float64Array,
  _out: Float64Array,
  a: Float64Array,
  da?: Float64Array,
) => [
  undefined,
  ZERO_GRADIENT,
  da ? grad.map((g, i) => (a[i]! > 0 ? g : 0)) : undefined,
]) as unknown as TangentBackward;
