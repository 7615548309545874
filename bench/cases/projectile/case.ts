import { readFileSync } from "node:fs";
import type { BenchCase, GradResult } from "../types.js";
import { range } from "./model.js";

const g = 9.81;

/** The range's partial derivatives, written by hand. */
function rangeHand(v: number, theta: number, h: number): GradResult {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const vx = v * c;
  const vy = v * s;
  const root = Math.sqrt(vy * vy + 2 * g * h);
  const flight = (vy + root) / g;
  // d flight / d vy and d flight / d h.
  const dFlightDvy = (1 + vy / root) / g;
  const dFlightDh = 1 / root;
  return {
    value: vx * flight,
    grad: {
      v: c * flight + vx * dFlightDvy * s,
      theta: -vy * flight + vx * dFlightDvy * vx,
      h: vx * dFlightDh,
    },
  };
}

export const projectileCase: BenchCase = {
  name: "projectile",
  title: "projectile range from speed, angle and height",
  fileName: "bench/cases/projectile/model.ts",
  source: readFileSync(new URL("./model.ts", import.meta.url), "utf8"),
  fn: "range",
  f: range,
  hand: rangeHand,
  params: [
    { name: "v", domain: [5, 20] },
    { name: "theta", domain: [0.2, 1.2] },
    { name: "h", domain: [0.5, 3] },
  ],
};
