/** What a benchmark case is: a function for adgen, its primal, and how to call it. */

/** What `f_grad` returns, and what a hand-written gradient must return too. */
export interface GradResult {
  value: number;
  /** One entry per differentiated parameter: a number, or an array for an array parameter. */
  grad: Record<string, number | ArrayLike<number>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Primal = (...args: any[]) => number;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Gradient = (...args: any[]) => GradResult;

/** A parameter of the function, and where it is drawn from when inputs are sampled. */
export interface ParamSpec {
  name: string;
  /** Sampled uniformly from this range. */
  domain: [number, number];
}

export interface BenchCase {
  /** Short id, used on the command line (`--only`) and in results.json. */
  name: string;
  /** One line for the table's legend. */
  title: string;
  /** The adgen input: its text, and its path relative to the repository root. */
  source: string;
  fileName: string;
  /** The function in `source` to differentiate; adgen generates `<fn>_grad`. */
  fn: string;
  /** Differentiate only these parameters (adgen's `wrt`); default all. */
  wrt?: string[];
  /** The primal function, the same code as `source`. */
  f: Primal;
  /** A gradient written by hand, with the same result shape as `f_grad`. */
  hand?: Gradient;
  /** Operations in the function (graph nodes), where known. */
  ops?: number;
  /**
   * Scalar cases: every parameter is a number. The peers that rebuild the function from its
   * source (tfjs, mathjs) and the finite differences run only on these.
   */
  params?: ParamSpec[];
  /** Array cases: a pool of argument lists (power-of-two length) instead of sampling `params`. */
  inputs?: () => unknown[][];
  /** Array cases: the differentiable entries, for finite differences: [argument index, element index]. */
  entries?: (args: unknown[]) => [number, number][];
  /**
   * Array cases with too many entries to difference them all: check finite differences on about
   * this many, spread evenly over each differentiated argument (bench/fd-sample.ts).
   */
  fdSample?: number;
  /** The same function as a tensor model, for the tensor libraries (bench/peers/tensors.ts). */
  tensor?: TensorModel;
  /** Peers to leave out, with the reason printed in the table. */
  skipPeers?: Partial<Record<string, string>>;
}

/** A case that could not be set up on this checkout (e.g. its module is absent). */
export interface SkippedCase {
  name: string;
  title: string;
  skipped: string;
}

/** A network the tensor peers build in their own API: the MLP of issue 14 (tanh, softmax cross-entropy). */
export interface TensorModel {
  kind: "mlp";
  /** Input, hidden and output widths. */
  sizes: [number, number, number];
  batch: number;
}
