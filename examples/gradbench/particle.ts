/**
 * GradBench's particle (evals/particle): a charged particle, from (0, 8) at velocity (0.75, 0),
 * accelerated by the field of two unit charges at (10, 10 - w) and (10, 0), integrated by Euler
 * steps of 0.1 until it crosses the x axis; the objective is the square of where it crosses,
 * linearly interpolated. Its acceleration is minus the gradient of the potential: the inner
 * derivative, by reverse mode (`naiveEulerR`, `grad`) or forward mode (`naiveEulerF`, `jvp`);
 * adgen differentiates each objective in reverse or forward mode for the argmin over w (run.ts).
 */
import { grad, jvp } from "adgen";

/** The potential at (x, y): the sum of 1 / distance to each charge (GradBench's particle::accel). */
export function potential(x: number, y: number, w: number): number {
  return (
    1 / Math.sqrt((10 - x) * (10 - x) + (10 - w - y) * (10 - w - y)) +
    1 / Math.sqrt((10 - x) * (10 - x) + (0 - y) * (0 - y))
  );
}

export function naiveEulerR(w: number): number {
  const force = grad(potential, { wrt: ["x", "y"] });
  let x = 0;
  let y = 8;
  let vx = 0.75;
  let vy = 0;
  const dt = 0.1;
  while (true) {
    const g = force(x, y, w).grad;
    const ax = -g.x;
    const ay = -g.y;
    x += dt * vx;
    y += dt * vy;
    if (y <= 0) {
      const dtf = -y / vy;
      const xf = x + dtf * vx;
      return xf * xf;
    }
    vx += dt * ax;
    vy += dt * ay;
  }
}

export function naiveEulerF(w: number): number {
  const force = jvp(potential);
  let x = 0;
  let y = 8;
  let vx = 0.75;
  let vy = 0;
  const dt = 0.1;
  while (true) {
    const ax = -force(x, y, w, { x: 1 }).tangent;
    const ay = -force(x, y, w, { y: 1 }).tangent;
    x += dt * vx;
    y += dt * vy;
    if (y <= 0) {
      const dtf = -y / vy;
      const xf = x + dtf * vx;
      return xf * xf;
    }
    vx += dt * ax;
    vy += dt * ay;
  }
}
