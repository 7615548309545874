/** lse: log-sum-exp and its gradient. */
import { logsumexp } from "./model/lse.js";
import { logsumexp_grad } from "./model/lse.grad.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  x: number[];
}

export const primal = multipleRuns(
  ({ x }: Input) =>
    () =>
      logsumexp(x),
);

export const gradient = multipleRuns(
  ({ x }: Input) =>
    () =>
      logsumexp_grad(x).grad.x,
);
