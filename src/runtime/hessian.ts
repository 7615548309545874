/**
 * `hessian(f)`, `hessianDiag(f)` and `jacobian(f)`: the generated `f_hessian`, `f_hessian_diag`
 * and `f_jacobian`. With the bundler plugin each call is replaced by that companion at build time;
 * without it, compiled at run time from `f.toString()` like `grad(f)` (see grad.ts).
 *
 * Rows and columns follow the parameters in order, an array parameter's elements in place
 * (`f(w: Float64Array(2), b: number)`: columns `w[0], w[1], b`); parameters left out by `wrt` or
 * declared `Data<T>` have none.
 */
import { companion, type GradOptions, type GradsOf, type Param } from "./grad.js";

/** What `hessian(f)` returns: `f`'s value, its gradient, and its matrix of second derivatives. */
export interface HessianResult<G extends object = Record<string, number>> {
  /** Exactly what `f` returns at the same arguments. */
  value: number;
  /** ∂f/∂p for every differentiated parameter `p`, as `grad(f)` gives it. */
  grad: G;
  /** ∂²f/∂xᵢ∂xⱼ over the differentiated parameters flattened in order: a square, symmetric matrix, by rows. */
  hessian: number[][];
}

/** What `hessianDiag(f)` returns: `f`'s value, its gradient, and the Hessian's diagonal. */
export interface HessianDiagResult<G extends object = Record<string, number>> {
  /** Exactly what `f` returns at the same arguments. */
  value: number;
  /** ∂f/∂p for every differentiated parameter `p`, as `grad(f)` gives it. */
  grad: G;
  /** ∂²f/∂xᵢ² over the differentiated parameters flattened in order. */
  diag: number[];
}

/** What `jacobian(f)` returns: `f`'s value, and its matrix of first derivatives (for a number, one row: the gradient). */
export interface JacobianResult<V> {
  /** Exactly what `f` returns at the same arguments. */
  value: V;
  /** ∂fᵢ/∂xⱼ: a row per output, a column per differentiated input (flattened in order). */
  jacobian: number[][];
}

type Scalar<A extends Param[]> = (...args: A) => number;
type Vector<A extends Param[], R> = (...args: A) => R;

/** `f`'s Hessian: takes `f`'s arguments. */
export type HessianFunction<F extends (...args: never) => number, W extends readonly string[] = string[]> = (
  ...args: Parameters<F>
) => HessianResult<GradsOf<Parameters<F>, W>>;

/** The diagonal of `f`'s Hessian: takes `f`'s arguments. */
export type HessianDiagFunction<F extends (...args: never) => number, W extends readonly string[] = string[]> = (
  ...args: Parameters<F>
) => HessianDiagResult<GradsOf<Parameters<F>, W>>;

/** `f`'s Jacobian: takes `f`'s arguments. */
export type JacobianFunction<F extends (...args: never) => number | number[] | Float64Array> = (
  ...args: Parameters<F>
) => JacobianResult<ReturnType<F>>;

/**
 * The Hessian of `f`, a function returning a number, as `f_hessian` computes it:
 * `hessian(f)(...args)` returns `{ value: f(...args), grad, hessian }`, `hessian[i][j]` being
 * ∂²f/∂xᵢ∂xⱼ over the differentiated parameters flattened in order. For a Hessian times a vector
 * only, `hvp(f)` costs one pass instead of one per parameter.
 */
export function hessian<A extends Param[]>(f: Scalar<A>): HessianFunction<Scalar<A>>;
export function hessian<A extends Param[], const W extends readonly string[]>(
  f: Scalar<A>,
  options: GradOptions<W>,
): HessianFunction<Scalar<A>, W>;
export function hessian(f: (...args: never) => unknown, options: GradOptions = {}): unknown {
  return companion(f, options, "hessian");
}

/**
 * The diagonal of `f`'s Hessian, as `f_hessian_diag` computes it: `hessianDiag(f)(...args)` returns
 * `{ value: f(...args), grad, diag }`, `diag[i]` being ∂²f/∂xᵢ² (Newton steps per coordinate,
 * preconditioners).
 */
export function hessianDiag<A extends Param[]>(f: Scalar<A>): HessianDiagFunction<Scalar<A>>;
export function hessianDiag<A extends Param[], const W extends readonly string[]>(
  f: Scalar<A>,
  options: GradOptions<W>,
): HessianDiagFunction<Scalar<A>, W>;
export function hessianDiag(f: (...args: never) => unknown, options: GradOptions = {}): unknown {
  return companion(f, options, "hessianDiag");
}

/**
 * The Jacobian of `f`, as `f_jacobian` computes it: `jacobian(f)(...args)` returns
 * `{ value: f(...args), jacobian }`, `jacobian[i][j]` being ∂fᵢ/∂xⱼ, a row per output (one for a
 * function returning a number) and a column per differentiated input (flattened in order). `wrt`
 * chooses the columns.
 */
export function jacobian<A extends Param[], R extends number | number[] | Float64Array>(
  f: Vector<A, R>,
  options?: GradOptions,
): JacobianFunction<Vector<A, R>>;
export function jacobian(f: (...args: never) => unknown, options: GradOptions = {}): unknown {
  return companion(f, options, "jacobian");
}
