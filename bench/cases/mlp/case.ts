import { readFileSync } from "node:fs";
import type { BenchCase, GradResult } from "../types.js";
import { mlp } from "./model.js";

/** Backpropagation through the 2-8-1 network, written by hand: one pass forward, one back. */
function mlpHand(
  w00: number,
  w01: number,
  b0: number,
  w10: number,
  w11: number,
  b1: number,
  w20: number,
  w21: number,
  b2: number,
  w30: number,
  w31: number,
  b3: number,
  w40: number,
  w41: number,
  b4: number,
  w50: number,
  w51: number,
  b5: number,
  w60: number,
  w61: number,
  b6: number,
  w70: number,
  w71: number,
  b7: number,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
  v4: number,
  v5: number,
  v6: number,
  v7: number,
  c: number,
  x0: number,
  x1: number,
  y: number,
): GradResult {
  const h0 = Math.tanh(w00 * x0 + w01 * x1 + b0);
  const h1 = Math.tanh(w10 * x0 + w11 * x1 + b1);
  const h2 = Math.tanh(w20 * x0 + w21 * x1 + b2);
  const h3 = Math.tanh(w30 * x0 + w31 * x1 + b3);
  const h4 = Math.tanh(w40 * x0 + w41 * x1 + b4);
  const h5 = Math.tanh(w50 * x0 + w51 * x1 + b5);
  const h6 = Math.tanh(w60 * x0 + w61 * x1 + b6);
  const h7 = Math.tanh(w70 * x0 + w71 * x1 + b7);
  const out = v0 * h0 + v1 * h1 + v2 * h2 + v3 * h3 + v4 * h4 + v5 * h5 + v6 * h6 + v7 * h7 + c;
  const e = out - y;
  const dOut = 2 * e;
  const a0 = dOut * v0 * (1 - h0 * h0);
  const a1 = dOut * v1 * (1 - h1 * h1);
  const a2 = dOut * v2 * (1 - h2 * h2);
  const a3 = dOut * v3 * (1 - h3 * h3);
  const a4 = dOut * v4 * (1 - h4 * h4);
  const a5 = dOut * v5 * (1 - h5 * h5);
  const a6 = dOut * v6 * (1 - h6 * h6);
  const a7 = dOut * v7 * (1 - h7 * h7);
  return {
    value: e * e,
    grad: {
      w00: a0 * x0,
      w01: a0 * x1,
      b0: a0,
      w10: a1 * x0,
      w11: a1 * x1,
      b1: a1,
      w20: a2 * x0,
      w21: a2 * x1,
      b2: a2,
      w30: a3 * x0,
      w31: a3 * x1,
      b3: a3,
      w40: a4 * x0,
      w41: a4 * x1,
      b4: a4,
      w50: a5 * x0,
      w51: a5 * x1,
      b5: a5,
      w60: a6 * x0,
      w61: a6 * x1,
      b6: a6,
      w70: a7 * x0,
      w71: a7 * x1,
      b7: a7,
      v0: dOut * h0,
      v1: dOut * h1,
      v2: dOut * h2,
      v3: dOut * h3,
      v4: dOut * h4,
      v5: dOut * h5,
      v6: dOut * h6,
      v7: dOut * h7,
      c: dOut,
    },
  };
}

const weights = [
  "w00",
  "w01",
  "b0",
  "w10",
  "w11",
  "b1",
  "w20",
  "w21",
  "b2",
  "w30",
  "w31",
  "b3",
  "w40",
  "w41",
  "b4",
  "w50",
  "w51",
  "b5",
  "w60",
  "w61",
  "b6",
  "w70",
  "w71",
  "b7",
  "v0",
  "v1",
  "v2",
  "v3",
  "v4",
  "v5",
  "v6",
  "v7",
  "c",
];

export const mlpCase: BenchCase = {
  name: "mlp",
  title: "2-8-1 MLP (tanh) squared-error loss, gradient w.r.t. its 33 weights",
  fileName: "bench/cases/mlp/model.ts",
  source: readFileSync(new URL("./model.ts", import.meta.url), "utf8"),
  fn: "mlp",
  wrt: weights,
  f: mlp,
  hand: mlpHand,
  params: [
    ...weights.map((name) => ({ name, domain: [-1, 1] as [number, number] })),
    { name: "x0", domain: [-1, 1] },
    { name: "x1", domain: [-1, 1] },
    { name: "y", domain: [-1, 1] },
  ],
};
