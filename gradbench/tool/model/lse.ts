/**
 * GradBench's lse (evals/lse): log-sum-exp with the max trick, from its primitive elements:
 * a = max x, then LSE(x) = a + log Σ exp(xᵢ - a).
 */
export function logsumexp(x: number[]): number {
  let a = -Infinity;
  for (const xi of x) a = Math.max(a, xi);
  let s = 0;
  for (const xi of x) s += Math.exp(xi - a);
  return a + Math.log(s);
}
