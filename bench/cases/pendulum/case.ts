import { readFileSync } from "node:fs";
import type { BenchCase, GradResult } from "../types.js";
import { energy } from "./model.js";

const g = 9.81;

/** The energy's partial derivatives, written by hand. */
function energyHand(m: number, l: number, theta: number, omega: number): GradResult {
  const v = l * omega;
  const c = Math.cos(theta);
  const height = l * (1 - c);
  return {
    value: 0.5 * m * v * v + m * g * height,
    grad: {
      m: 0.5 * v * v + g * height,
      l: m * v * omega + m * g * (1 - c),
      theta: m * g * l * Math.sin(theta),
      omega: m * v * l,
    },
  };
}

export const pendulumCase: BenchCase = {
  name: "pendulum",
  title: "pendulum energy, m l² ω²/2 + m g l (1 - cos θ)",
  fileName: "bench/cases/pendulum/model.ts",
  source: readFileSync(new URL("./model.ts", import.meta.url), "utf8"),
  fn: "energy",
  f: energy,
  hand: energyHand,
  params: [
    { name: "m", domain: [0.5, 2] },
    { name: "l", domain: [0.5, 2] },
    { name: "theta", domain: [-1, 1] },
    { name: "omega", domain: [-2, 2] },
  ],
};
