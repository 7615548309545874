/** llsq: the linear least-squares objective and its gradient. */
import { llsq } from "./model/llsq.js";
import { llsq_grad } from "./model/llsq.grad.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  x: number[];
  n: number;
}

export const primal = multipleRuns(
  ({ x, n }: Input) =>
    () =>
      llsq(x, n),
);

export const gradient = multipleRuns(
  ({ x, n }: Input) =>
    () =>
      llsq_grad(x, n).grad.x,
);
