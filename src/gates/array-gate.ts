/**
 * How an array gate is defined (`arrayGate`); the built-in ones are in arrays.ts.
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
import { bilinear, linear, type TangentBackward } from "./tangent-backward.js";
import {
  backwardParts,
  type ArrayTangents,
  type DerivedParts,
  type Derived,
  type PartsOf,
  type PartSource,
} from "./backward-parts.js";
import { withDerivatives, type Family, type Term } from "./multilinear.js";
import { withElementary, type Elementary } from "./elementary.js";

export type InputKind = "array" | "number" | "size";

/** An array gate's forward: arrays and numbers in, an array or a number out. */
export type Forward = (...inputs: never[]) => Float64Array | number;
/** Its backward: the upstream gradient, forward's result and the inputs in; one gradient per input out. */
export type Backward<F extends Forward> = (
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
  /** Its forward as terms of forms (multilinear.ts, forms.ts), for a gate linear or bilinear in its inputs. */
  terms?: readonly Term[];
  /** For a gate that is not, but whose tangent and backward's parts are (sqnorm, reluArray): those. */
  derivatives?: { tangent: Family; parts: readonly Family[] };
  /** For a gate whose tangent and parts are written by hand (logSumExp): those as expressions
   * (elementary.ts), which give them derivatives of their own to any order. */
  elementary?: { tangent: Elementary; parts: readonly Elementary[] };
}

/** A gate's tangent is an array gate too: `(out, ...inputs, ...tangents)`, with its own backward. */
export interface TangentGate {
  inputs: readonly InputKind[];
  reads: readonly number[];
  output: "array" | "number";
  /** Its backward takes a wanted flag per input and tangent with a gradient (tangent-backward.ts). */
  partial: true;
  /** Its parts (`matmul.tangent.backward[1]`), each an array gate (multilinear.ts, elementary.ts). */
  backward: TangentBackward & DerivedParts;
  /** Its own tangent. */
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
  if (spec.terms || spec.derivatives) withDerivatives(spec, tangent);
  else Object.assign(spec.backward, backwardParts(spec as unknown as PartSource));
  if (spec.elementary) withElementary(spec.inputs, spec.elementary, tangent, spec.backward as never);
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
