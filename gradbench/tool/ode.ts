/** ode: the Runge-Kutta solution y, and the gradient of its last element (a vector-Jacobian product). */
import { ode } from "./model/ode.js";
import { ode_vjp } from "./model/ode.grad.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  x: number[];
  s: number;
}

export const primal = multipleRuns(
  ({ x, s }: Input) =>
    () =>
      ode(x, s),
);

export const gradient = multipleRuns(({ x, s }: Input) => {
  const last = x.map((_, i) => (i === x.length - 1 ? 1 : 0));
  return () => ode_vjp(x, s, last).grad.x;
});
