/** gmm: the log posterior and its gradient with respect to alpha, mu, q and l. */
import { gmm } from "./model/gmm.js";
import { gmm_grad } from "./model/gmm.grad.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  d: number;
  k: number;
  n: number;
  alpha: number[];
  mu: number[][];
  q: number[][];
  l: number[][];
  x: number[][];
  m: number;
  gamma: number;
}

export const objective = multipleRuns(
  ({ alpha, mu, q, l, x, m, gamma }: Input) =>
    () =>
      gmm(alpha, mu, q, l, x, m, gamma),
);

export const jacobian = multipleRuns(
  ({ alpha, mu, q, l, x, m, gamma }: Input) =>
    () => {
      const { grad } = gmm_grad(alpha, mu, q, l, x, m, gamma);
      return { alpha: grad.alpha, mu: grad.mu, q: grad.q, l: grad.l };
    },
);
