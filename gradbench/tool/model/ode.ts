/**
 * GradBench's ode (evals/ode, cmpad's an_ode): y₀' = x₀, yᵢ' = xᵢ yᵢ₋₁ (i > 0), y(0) = 0, solved
 * to t = 2 by s steps of the classical Runge-Kutta method. The eval's gradient is that of the
 * last element of y: `ode_vjp` with the cotangent (0, ..., 0, 1).
 */

/** The right-hand side: z₀ = x₀, zᵢ = xᵢ yᵢ₋₁. */
function rhs(x: number[], y: number[]): number[] {
  const z = new Array<number>(x.length).fill(0);
  z[0] = x[0];
  for (let i = 1; i < x.length; i++) z[i] = x[i] * y[i - 1];
  return z;
}

export function ode(x: number[], s: number): number[] {
  const n = x.length;
  const h = 2 / s;
  const y = new Array<number>(n).fill(0);
  for (let step = 0; step < s; step++) {
    const k1 = rhs(x, y);
    const k2 = rhs(
      x,
      y.map((yi, i) => yi + (h * k1[i]) / 2),
    );
    const k3 = rhs(
      x,
      y.map((yi, i) => yi + (h * k2[i]) / 2),
    );
    const k4 = rhs(
      x,
      y.map((yi, i) => yi + h * k3[i]),
    );
    for (let i = 0; i < n; i++)
      y[i] += (h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])) / 6;
  }
  return y;
}
