/** det: the determinant by expansion by minors, and its gradient (row-major, as A). */
import { det } from "./model/det.js";
import { det_grad } from "./model/det.grad.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  A: number[];
  ell: number;
}

export const primal = multipleRuns(
  ({ A, ell }: Input) =>
    () =>
      det(A, ell),
);

export const gradient = multipleRuns(
  ({ A, ell }: Input) =>
    () =>
      det_grad(A, ell).grad.A,
);
