/**
 * Second order through array gates. Forward mode calls a gate's `tangent(out, ...inputs,
 * ...tangents)`; reverse mode over forward mode (`f_hvp`) then needs the backward of that
 * tangent: `backward(grad, tout, out, ...inputs, ...tangents)`, the gradient of
 * `grad · tangent(...)` with respect to `out`, each input and each tangent given (`undefined` for
 * sizes, for a tangent left out, and for `out` when the tangent does not read it). So each gate's
 * tangent is an array gate itself (arrays.ts attaches these), and the tangents of (bi)linear
 * gates' backwards are the gates' own backwards again. test/matrix-gates.test.ts checks every one
 * against finite differences of its tangent.
 */
/** An array gate input's kind (as arrays.ts declares it). */
type InputKind = "array" | "number" | "size";

type Value = Float64Array | number | undefined;
/** A gate's backward: the upstream gradient, forward's result, the inputs; a gradient per input. */
type Backward = (grad: never, out: never, ...inputs: never[]) => Value[];
/**
 * A tangent's backward: a gradient for `out`, each input, each tangent given. Typed for the code
 * adgen generates, which reads only the gradients that exist: `out`'s is a number (it has one
 * only when the tangent reads a number `out`), every input and tangent is an array (no array gate
 * takes a number input; sizes get `undefined`, never read).
 */
export type TangentBackward = (
  grad: Float64Array | number,
  tout: Float64Array | number,
  out: Float64Array | number,
  ...rest: (Float64Array | number | undefined)[]
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

/** Zero, shaped like `x`. */
const zeroLike = (x: Value): Float64Array | number => (x instanceof Float64Array ? new Float64Array(x.length) : 0);

/** The positions of the inputs that have tangents (every input but sizes). */
const withTangents = (inputs: readonly InputKind[]) => inputs.flatMap((k, i) => (k === "size" ? [] : [i]));

/** Splits `(out, ...inputs, ...tangents)` and makes the result, a slot per argument. */
function split(inputs: readonly InputKind[], rest: Value[]) {
  const n = inputs.length;
  const xs = rest.slice(0, n);
  const ts = rest.slice(n);
  const result: Value[] = new Array<Value>(1 + n + ts.length).fill(undefined);
  return { xs, ts, result, n };
}

/**
 * A gate bilinear in its two differentiated inputs, f(a, b) (matmul, matvec, dot, mul): its
 * tangent is f(da, b) + f(a, db), whose backward is f's backward at (da, b) and at (a, db).
 */
export function bilinear(inputs: readonly InputKind[], backward: Backward): TangentBackward {
  const [p, q] = withTangents(inputs) as [number, number];
  const call = backward as unknown as (grad: Value, out: Value, ...xs: Value[]) => Value[];
  return ((grad: Value, _tout: Value, out: Value, ...rest: Value[]) => {
    const { xs, ts, result, n } = split(inputs, rest);
    const [dp, dq] = ts;
    const at = (i: number, x: Value) => xs.map((y, j) => (j === i ? x : y));
    const viaDp = dp === undefined ? undefined : call(grad, out, ...at(p, dp));
    const viaDq = dq === undefined ? undefined : call(grad, out, ...at(q, dq));
    result[1 + p] = viaDq?.[p] ?? zeroLike(xs[p]);
    result[1 + q] = viaDp?.[q] ?? zeroLike(xs[q]);
    if (dp !== undefined) result[1 + n] = viaDp![p];
    if (dq !== undefined) result[2 + n] = viaDq![q];
    return result;
  }) as unknown as TangentBackward;
}

/** A gate linear in its inputs (add, sum): its tangent is the gate of the tangents, whose backward is the gate's. */
export function linear(inputs: readonly InputKind[], backward: Backward): TangentBackward {
  const differentiated = withTangents(inputs);
  const call = backward as unknown as (grad: Value, out: Value, ...xs: Value[]) => Value[];
  return ((grad: Value, _tout: Value, out: Value, ...rest: Value[]) => {
    const { xs, ts, result, n } = split(inputs, rest);
    const grads = call(grad, out, ...xs);
    differentiated.forEach((i, k) => {
      result[1 + i] = zeroLike(xs[i]);
      if (k < ts.length && ts[k] !== undefined) result[1 + n + k] = grads[i];
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
  da ? da.map((v) => 2 * grad * v) : new Float64Array(a.length),
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
  new Float64Array(a.length),
  da ? grad.map((g, i) => (a[i]! > 0 ? g : 0)) : undefined,
]) as unknown as TangentBackward;

/**
 * logSumExp: the tangent is t = Σ exp(a_i - out) da_i = softmax(a) · da, read with `out`; its
 * gradient is -grad t for out (which flows on to a through the gate's backward), grad s_i da_i
 * for a_i, grad s_i for da_i.
 */
export const logSumExpTangentBackward = ((
  grad: number,
  tout: number,
  out: number,
  a: Float64Array,
  da?: Float64Array,
) => {
  if (!da) return [0, new Float64Array(a.length), undefined];
  const s = a.map((v) => Math.exp(v - out));
  return [-grad * tout, s.map((si, i) => grad * si * da[i]!), s.map((si) => grad * si)];
}) as unknown as TangentBackward;
