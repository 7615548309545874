import { readFileSync } from "node:fs";
import type { BenchCase, GradResult } from "../types.js";
import { neuron } from "./model.js";

/** Backpropagation through the neuron, written by hand. */
function neuronHand(w0: number, x0: number, w1: number, x1: number, w2: number): GradResult {
  const L = 1 / (1 + Math.exp(-(w0 * x0 + w1 * x1 + w2)));
  const d = L * (1 - L);
  return { value: L, grad: { w0: d * x0, x0: d * w0, w1: d * x1, x1: d * w1, w2: d } };
}

export const neuronCase: BenchCase = {
  name: "neuron",
  title: "the lecture's neuron, sigmoid(w0 x0 + w1 x1 + w2)",
  fileName: "bench/cases/neuron/model.ts",
  source: readFileSync(new URL("./model.ts", import.meta.url), "utf8"),
  fn: "neuron",
  f: neuron,
  hand: neuronHand,
  params: ["w0", "x0", "w1", "x1", "w2"].map((name) => ({ name, domain: [-2, 2] })),
};
