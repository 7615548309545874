/** hello: `square` is the function, `double` its derivative by adgen. hello's inputs have no Runs. */
import { square as f } from "./model/hello.js";
import { square_grad } from "./model/hello.grad.js";
import { multipleRuns } from "./protocol.js";

const once = { min_runs: 1, min_seconds: 0 };

export const square = (x: number) => multipleRuns(() => () => f(x))(once);

export const double = (x: number) =>
  multipleRuns(() => () => square_grad(x).grad.x)(once);
