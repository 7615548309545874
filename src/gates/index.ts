/**
 * adgen/gates: building blocks whose gradient is written by hand, in the lecture's
 * forward/backward model (as PyTorch's `torch.autograd.Function`).
 *
 * `gate({ forward, backward })` defines one. `forward(...inputs)` computes the value;
 * `backward(grad, out, ...inputs)` receives the upstream gradient `grad`, forward's result `out`
 * and the inputs, and returns each input's gradient (`grad` times the local gradient): a number
 * for a one-input gate, else one number per input in order. adgen uses `backward` instead of
 * differentiating `forward`. The result of `gate` is `forward` itself, so it runs on its own.
 *
 * The built-in gates below are defined the same way, and adgen reads them the same way.
 */
import { reluArray } from "./arrays.js";

export { Decisions, Tape } from "./tape.js";

export {
  add,
  arrayGate,
  dot,
  logSumExp,
  matmul,
  matvec,
  mul,
  reluArray,
  sqnorm,
  sum,
  type ArrayGate,
  type ArrayGateSpec,
  type InputKind,
} from "./arrays.js";

/** The gradients `backward` returns: a number for a one-input gate, else one per input. */
export type Gradients<Inputs extends number[]> = Inputs extends [number]
  ? number | [number]
  : { [K in keyof Inputs]: number };

export interface GateSpec<Inputs extends number[]> {
  forward: (...inputs: Inputs) => number;
  backward: (grad: number, out: number, ...inputs: Inputs) => Gradients<Inputs>;
}

/** A gate: callable as its forward, carrying both halves. */
export type Gate<Inputs extends number[]> = ((...inputs: Inputs) => number) & GateSpec<Inputs>;

/** Defines a gate; see the module comment. */
export function gate<Inputs extends number[]>(spec: GateSpec<Inputs>): Gate<Inputs> {
  return Object.assign(spec.forward, { forward: spec.forward, backward: spec.backward });
}

/** The logistic function 1 / (1 + e^-x); its local gradient is written with its output: (1 - out) out. */
export const sigmoid = /* @__PURE__ */ gate({
  forward: (x: number) => 1 / (1 + Math.exp(-x)),
  backward: (grad: number, out: number) => grad * (1 - out) * out,
});

/** max(x, 0); the gradient routes: upstream where x > 0, else 0 (0 at x = 0). */
const reluScalar = /* @__PURE__ */ gate({
  forward: (x: number) => (x > 0 ? x : 0),
  backward: (grad: number, out: number, x: number) => (x > 0 ? grad : 0),
});

/**
 * max(x, 0) of a number, or elementwise of a Float64Array (then it is `reluArray`). adgen reads
 * the scalar gate's forward and backward from here, and uses `reluArray` for arrays.
 */
export const relu: typeof reluScalar & ((x: Float64Array) => Float64Array) = /* @__PURE__ */ scalarOrArray(
  reluScalar,
  reluArray,
);

/** `scalar`, also taking a Float64Array (then it is `array`): a function of its own, so that it is pure. */
function scalarOrArray<G extends Gate<[number]>>(
  scalar: G,
  array: (x: Float64Array) => Float64Array,
): G & ((x: Float64Array) => Float64Array) {
  return Object.assign((x: number | Float64Array) => (typeof x === "number" ? scalar(x) : array(x)), {
    forward: scalar.forward,
    backward: scalar.backward,
  }) as unknown as G & ((x: Float64Array) => Float64Array);
}

/** log(1 + e^x) without overflow; its local gradient is sigmoid(x). */
export const softplus = /* @__PURE__ */ gate({
  forward: (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  backward: (grad: number, out: number, x: number) => grad * sigmoid(x),
});

/** log(sigmoid(x)) = -softplus(-x) without overflow; its local gradient is sigmoid(-x). */
export const logSigmoid = /* @__PURE__ */ gate({
  forward: (x: number) => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x))),
  backward: (grad: number, out: number, x: number) => grad * sigmoid(-x),
});
