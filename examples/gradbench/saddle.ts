/**
 * GradBench's saddle (evals/saddle): min over p1 of max over p2 of
 * f(p1, p2) = (p1x² + p1y²) - (p2x² + p2y²), both by gradient descent, the inner one inside the
 * objective of the outer one: nested differentiation. The inner gradient is taken in reverse mode
 * (`maxR`, with `grad`) or in forward mode (`maxF`, with `jvp`); adgen differentiates each in
 * reverse (`_grad`) or forward (`_jvp`) mode: the four variants rr, rf, fr, ff (run.ts).
 * The descent is gd.ts's, written out for two scalars.
 */
import { grad, jvp } from "adgen";

/** GradBench's saddle::objective. */
export function objective(
  p1x: number,
  p1y: number,
  p2x: number,
  p2y: number,
): number {
  return p1x * p1x + p1y * p1y - (p2x * p2x + p2y * p2y);
}

/** max over p2 of objective(p1, p2), from p2 = (s0, s1), with the gradient in p2 by reverse mode. */
export function maxR(p1x: number, p1y: number, s0: number, s1: number): number {
  const dp2 = grad(objective, { wrt: ["p2x", "p2y"] });
  let x = s0;
  let y = s1;
  // The argmax is the argmin of -objective, whose gradient is minus objective's.
  let fx = -objective(p1x, p1y, x, y);
  const g0 = dp2(p1x, p1y, x, y).grad;
  let gx = -g0.p2x;
  let gy = -g0.p2y;
  let i = 0;
  let eta = 1e-5;
  while (true) {
    if (Math.sqrt(gx * gx + gy * gy) <= 1e-5) return objective(p1x, p1y, x, y);
    if (i === 10) {
      eta *= 2;
      i = 0;
    } else {
      const xp = x - eta * gx;
      const yp = y - eta * gy;
      if (Math.sqrt((x - xp) * (x - xp) + (y - yp) * (y - yp)) <= 1e-5)
        return objective(p1x, p1y, x, y);
      const fxp = -objective(p1x, p1y, xp, yp);
      if (fxp < fx) {
        x = xp;
        y = yp;
        fx = fxp;
        const g = dp2(p1x, p1y, x, y).grad;
        gx = -g.p2x;
        gy = -g.p2y;
        i++;
      } else {
        eta /= 2;
        i = 0;
      }
    }
  }
}

/** The same, with the gradient in p2 by forward mode: one tangent per coordinate. */
export function maxF(p1x: number, p1y: number, s0: number, s1: number): number {
  const dp2 = jvp(objective);
  let x = s0;
  let y = s1;
  let fx = -objective(p1x, p1y, x, y);
  let gx = -dp2(p1x, p1y, x, y, { p2x: 1 }).tangent;
  let gy = -dp2(p1x, p1y, x, y, { p2y: 1 }).tangent;
  let i = 0;
  let eta = 1e-5;
  while (true) {
    if (Math.sqrt(gx * gx + gy * gy) <= 1e-5) return objective(p1x, p1y, x, y);
    if (i === 10) {
      eta *= 2;
      i = 0;
    } else {
      const xp = x - eta * gx;
      const yp = y - eta * gy;
      if (Math.sqrt((x - xp) * (x - xp) + (y - yp) * (y - yp)) <= 1e-5)
        return objective(p1x, p1y, x, y);
      const fxp = -objective(p1x, p1y, xp, yp);
      if (fxp < fx) {
        x = xp;
        y = yp;
        fx = fxp;
        gx = -dp2(p1x, p1y, x, y, { p2x: 1 }).tangent;
        gy = -dp2(p1x, p1y, x, y, { p2y: 1 }).tangent;
        i++;
      } else {
        eta /= 2;
        i = 0;
      }
    }
  }
}
