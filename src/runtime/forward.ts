/**
 * `jvp(f)` and `hvp(f)`: forward mode and Hessian-vector products of `f`, as the generated
 * `f_jvp` and `f_hvp` compute them. With the bundler plugin each call is replaced by that
 * companion at build time; without it, compiled at run time from `f.toString()` like `grad(f)`
 * (see grad.ts: the same cache, parameter kinds from the first call, and errors).
 */
import { companion, type GradOf, type GradOptions, type GradsOf, type Param } from "./grad.js";

/**
 * The tangents of `f(...args: A)`'s parameters, keyed by name: each shaped like its parameter (a
 * number, or an array of the parameter's kind), as its gradient is. Keyed like `GradsOf<A, W>`:
 * without `wrt`, TypeScript cannot see the names and this is an index signature.
 */
export type TangentsOf<A extends readonly unknown[], W extends readonly string[] = string[]> = GradsOf<A, W>;

/** What a Jacobian-vector product returns: `f`'s value, and its derivative along the tangents. */
export interface JvpResult<V> {
  /** Exactly what `f` returns at the same arguments. */
  value: V;
  /** The directional derivative of `f` along the tangents, shaped like `value`: a number, or an array of its kind. */
  tangent: GradOf<V>;
}

/**
 * `f`'s Jacobian-vector product: takes `f`'s arguments and then `tangents`, a tangent for any of
 * the parameters (a missing one is zero).
 */
export type JvpFunction<
  F extends (...args: never) => number | number[] | Float64Array,
  W extends readonly string[] = string[],
> = (...args: [...Parameters<F>, tangents: Partial<TangentsOf<Parameters<F>, W>>]) => JvpResult<ReturnType<F>>;

/** What a Hessian-vector product returns: `f`'s value, its gradient, and `H v`, keyed and shaped like the gradient. */
export interface HvpResult<G extends object = Record<string, number>> {
  /** Exactly what `f` returns at the same arguments. */
  value: number;
  /** ∂f/∂p for every differentiated parameter `p`, as `grad(f)` gives it. */
  grad: G;
  /** `H v`: the derivative of the gradient along `v`, keyed and shaped like `grad`. */
  hvp: G;
}

/** `f`'s Hessian-vector product: takes `f`'s arguments and then `v`, shaped like the gradient (a missing entry is zero). */
export type HvpFunction<F extends (...args: never) => number, W extends readonly string[] = string[]> = (
  ...args: [...Parameters<F>, v: Partial<GradsOf<Parameters<F>, W>>]
) => HvpResult<GradsOf<Parameters<F>, W>>;

/**
 * Forward mode, as `f_jvp` computes it: `jvp(f)(...args, tangents)` returns
 * `{ value: f(...args), tangent }`, the derivative of `f` along `tangents` (keyed by parameter
 * name, each shaped like its parameter; a missing one is zero). `f` may return a number or an
 * array; `tangent` has its shape. One forward pass, however many outputs:
 * `jvp(angle)(0.5, 1.2, 0.01, 100, { length: 1 }).tangent` is ∂angle/∂length.
 *
 * As for `grad`, the keys are typed `string` unless `wrt` lists them.
 */
export function jvp<A extends Param[], R extends number | number[] | Float64Array>(
  f: (...args: A) => R,
): JvpFunction<(...args: A) => R>;
export function jvp<A extends Param[], R extends number | number[] | Float64Array, const W extends readonly string[]>(
  f: (...args: A) => R,
  options: GradOptions<W>,
): JvpFunction<(...args: A) => R, W>;
export function jvp(f: (...args: never) => unknown, options: GradOptions = {}): unknown {
  return companion(f, options, "jvp");
}

/**
 * Hessian-vector products, as `f_hvp` computes them: `hvp(f)(...args, v)` returns
 * `{ value: f(...args), grad, hvp }`, with `hvp` the Hessian of `f` times `v` (keyed and shaped like
 * `grad`; a missing entry of `v` is zero), at about the cost of two gradients. `f` must return a
 * number.
 */
export function hvp<A extends Param[]>(f: (...args: A) => number): HvpFunction<(...args: A) => number>;
export function hvp<A extends Param[], const W extends readonly string[]>(
  f: (...args: A) => number,
  options: GradOptions<W>,
): HvpFunction<(...args: A) => number, W>;
export function hvp(f: (...args: never) => unknown, options: GradOptions = {}): unknown {
  return companion(f, options, "hvp");
}
