/** GradBench's hello (evals/hello): f(x) = x²; the tool's `double` is its derivative. */
export function square(x: number): number {
  return x * x;
}
