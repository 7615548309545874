/**
 * `adgen check`'s example: model.grad.ts beside it was generated from this file and then broken
 * by hand (see README.md), so `adgen check model.ts --companion model.grad.ts` reports it.
 */

/** A neuron's logistic loss: softplus(-(w·x + b)). */
export function loss(w: Float64Array, x: Float64Array, b: number): number {
  let s = b;
  for (let i = 0; i < w.length; i++) s += w[i]! * x[i]!;
  return Math.log(1 + Math.exp(-s));
}

/** Distance on a line: a kink where a = b, which `adgen check` steps around. */
export function distance(a: number, b: number): number {
  return Math.abs(a - b) * b;
}
