import { grad } from "adgen";
import { makeData, type Point } from "./data";
import { loss, probability } from "./model";

/**
 * The gradient of the per-point loss with respect to the model's parameters. With the plugin,
 * this line becomes an import of the generated `loss_grad`: no compiler at run time.
 */
const dloss = grad(loss, { wrt: ["w1", "w2", "b"] });

export interface Fit {
  w1: number;
  w2: number;
  b: number;
  /** Mean loss before the first step and after the last. */
  first: number;
  last: number;
  /** Fraction of points the fitted model classifies correctly. */
  accuracy: number;
  data: Point[];
}

/** Full-batch gradient descent on the mean loss. */
export function train(
  log: (line: string) => void = console.log,
  epochs = 200,
  rate = 0.5,
): Fit {
  const data = makeData(200, 42);
  let [w1, w2, b] = [0, 0, 0];
  let first = NaN;
  let last = NaN;
  for (let epoch = 0; epoch <= epochs; epoch++) {
    let total = 0;
    let [g1, g2, gb] = [0, 0, 0];
    for (const p of data) {
      const { value, grad } = dloss(w1, w2, b, p.x1, p.x2, p.label);
      total += value;
      g1 += grad.w1;
      g2 += grad.w2;
      gb += grad.b;
    }
    const n = data.length;
    last = total / n;
    if (epoch === 0) first = last;
    if (epoch % 40 === 0)
      log(`epoch ${String(epoch).padStart(3)}  loss ${last.toFixed(4)}`);
    w1 -= (rate * g1) / n;
    w2 -= (rate * g2) / n;
    b -= (rate * gb) / n;
  }
  const correct = data.filter(
    (p) => (probability(w1, w2, b, p.x1, p.x2) > 0.5 ? 1 : 0) === p.label,
  ).length;
  const accuracy = correct / data.length;
  log(
    `fitted w1 = ${w1.toFixed(3)}, w2 = ${w2.toFixed(3)}, b = ${b.toFixed(3)}; ` +
      `accuracy ${(accuracy * 100).toFixed(1)}%`,
  );
  return { w1, w2, b, first, last, accuracy, data };
}
