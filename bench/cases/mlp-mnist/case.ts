/**
 * The MLP of issue 14: the mean softmax cross-entropy of a 784-64-10 network with a tanh hidden
 * layer, at batch 1 and batch 32, written over Float64Arrays with adgen's `matmul` gate (model.ts).
 * Its gradient has 50,890 entries, so finite differences check a sample of them (`fdSample`), and
 * the tensor libraries (tfjs, jax-js) run the same network from `tensor` (bench/peers/tensors.ts).
 */
import { readFileSync } from "node:fs";
import { rng, uniform } from "../../rng.js";
import type { BenchCase } from "../types.js";
import { mlpLoss } from "./model.js";

export const MLP_SIZES = { input: 784, hidden: 64, output: 10 } as const;

/** One argument list: weights (uniform, Glorot-scaled), pixels in [0, 1), one-hot labels. */
function mlpArguments(random: () => number, batch: number): unknown[] {
  const { input, hidden, output } = MLP_SIZES;
  const glorot = (fanIn: number, fanOut: number, n: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float64Array.from({ length: n }, () => uniform(random, -limit, limit));
  };
  const W1 = glorot(input, hidden, input * hidden);
  const b1 = Float64Array.from({ length: hidden }, () => uniform(random, -0.1, 0.1));
  const W2 = glorot(hidden, output, hidden * output);
  const b2 = Float64Array.from({ length: output }, () => uniform(random, -0.1, 0.1));
  const x = Float64Array.from({ length: batch * input }, () => random());
  const y = new Float64Array(batch * output);
  for (let i = 0; i < batch; i++) y[i * output + Math.floor(random() * output)] = 1;
  return [W1, b1, W2, b2, x, y, batch];
}

function mlpCase(batch: number): BenchCase {
  const { input, hidden, output } = MLP_SIZES;
  const parameters = input * hidden + hidden + hidden * output + output;
  return {
    name: `mlp784-b${batch}`,
    title: `784-64-10 MLP (tanh, softmax cross-entropy) at batch ${batch}, gradient w.r.t. its ${parameters} weights (matmul gates and loops over Float64Arrays)`,
    fileName: "bench/cases/mlp-mnist/model.ts",
    source: readFileSync(new URL("./model.ts", import.meta.url), "utf8"),
    fn: "mlpLoss",
    wrt: ["W1", "b1", "W2", "b2"],
    f: mlpLoss,
    // Four argument lists, so no call sees the same input twice in a row.
    inputs: () => {
      const random = rng(1000 + batch);
      return Array.from({ length: 4 }, () => mlpArguments(random, batch));
    },
    entries: (a) =>
      [0, 1, 2, 3].flatMap((arg) => Array.from((a[arg] as Float64Array).keys(), (i): [number, number] => [arg, i])),
    fdSample: 400,
    tensor: { kind: "mlp", sizes: [input, hidden, output], batch },
    skipPeers: {
      tfjs: "array case (see tfjs-cpu)",
      mathjs: "array case",
      fd: `${parameters} parameters: ${2 * parameters + 1} evaluations of f per gradient`,
    },
  };
}

export const mlpMnistCases: BenchCase[] = [mlpCase(1), mlpCase(32)];
