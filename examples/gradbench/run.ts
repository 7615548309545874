/**
 * GradBench's saddle and particle in their four variants: the outer derivative (the argmin's
 * gradient) by forward (f) or reverse (r) mode, then the inner one (inside the objective) by
 * forward or reverse mode. Everything differentiated is adgen's output (saddle.grad.ts,
 * particle.grad.ts, generated with `adgen <file>.ts --mode grad,jvp`); gd.ts is the descent.
 */
import { argmax, argmin, type Cost } from "./gd.js";
import * as s from "./saddle.grad.js";
import * as p from "./particle.grad.js";

export type Variant = "ff" | "fr" | "rf" | "rr";
type Companions = {
  grad: (...a: number[]) => { value: number; grad: Record<string, number> };
  jvp: (...a: [...number[], Record<string, number>]) => {
    value: number;
    tangent: number;
  };
};

/** A cost over the first `names.length` parameters of a function, the rest fixed; its gradient by `mode`. */
function cost(
  f: Companions,
  names: string[],
  rest: number[],
  mode: "f" | "r",
): Cost {
  return {
    objective: (x) => f.grad(...x, ...rest).value,
    gradient: (x) =>
      mode === "r"
        ? names.map((n) => f.grad(...x, ...rest).grad[n]!)
        : names.map((n) => f.jvp(...x, ...rest, { [n]: 1 }).tangent),
  };
}

const companions = (grad: unknown, jvp: unknown) =>
  ({ grad, jvp }) as Companions;

/** saddle: [p1x, p1y, p2x, p2y] from `start`. */
export function saddle(variant: Variant, start: [number, number]): number[] {
  const [outer, inner] = variant as unknown as ["f" | "r", "f" | "r"];
  const max =
    inner === "r"
      ? companions(s.maxR_grad, s.maxR_jvp)
      : companions(s.maxF_grad, s.maxF_jvp);
  const r1 = argmin(cost(max, ["p1x", "p1y"], start, outer), start);
  // Step 2 uses the argmin's mode (GradBench's saddle/README.md).
  const objective = companions(
    (p2x: number, p2y: number) => s.objective_grad(r1[0]!, r1[1]!, p2x, p2y),
    (p2x: number, p2y: number, t: Record<string, number>) =>
      s.objective_jvp(r1[0]!, r1[1]!, p2x, p2y, t),
  );
  const r2 = argmax(cost(objective, ["p2x", "p2y"], [], outer), start);
  return [...r1, ...r2];
}

/** particle: the final w, from `w0`. */
export function particle(variant: Variant, w0: number): number {
  const [outer, inner] = variant as unknown as ["f" | "r", "f" | "r"];
  const euler =
    inner === "r"
      ? companions(p.naiveEulerR_grad, p.naiveEulerR_jvp)
      : companions(p.naiveEulerF_grad, p.naiveEulerF_jvp);
  return argmin(cost(euler, ["w"], [], outer), [w0])[0]!;
}
