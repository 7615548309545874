/**
 * adgen/gates: building blocks with hand-chosen local gradients (see the rule table,
 * src/rules/table.ts). Each is a plain function that runs on its own; adgen's generated code
 * imports them from here.
 */

/** The logistic function 1 / (1 + e^-x). Its local gradient is written with its output: (1 - s) s. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** max(x, 0). Its gradient routes: upstream where x > 0, else 0 (0 at x = 0). */
export function relu(x: number): number {
  return x > 0 ? x : 0;
}

/** log(1 + e^x), computed without overflow. Its local gradient is sigmoid(x). */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** log(sigmoid(x)) = -softplus(-x), computed without overflow. Its local gradient is sigmoid(-x). */
export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}
