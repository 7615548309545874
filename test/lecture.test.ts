/**
 * The lecture's worked example, a sigmoid neuron f(w0, x0, w1, x1, w2), checked against the
 * numbers on the lecture's slide, both as written with the sigmoid gate (fixtures/core/lecture)
 * and with the sigmoid spelled out (fixtures/core/lecture-inline). For the gate version the
 * backward pass must also be exactly the lecture's ten `grad_` lines.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturesDir } from "./support/fixtures.js";

type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

/** The slide's values at f(2, -1, -3, -2, -3), to two decimals. */
const LECTURE = { value: "0.73", w0: "-0.20", x0: "0.39", w1: "-0.39", x1: "-0.59", w2: "0.20" };

describe.each(["lecture", "lecture-inline"])("fixtures/core/%s", (name) => {
  it("gives the lecture's value and gradients at f(2, -1, -3, -2, -3)", async () => {
    const output = (await import(join(fixturesDir, "core", name, "output.ts"))) as { f_grad: GradFn };
    const { value, grad } = output.f_grad(2, -1, -3, -2, -3);
    const got = {
      value: value.toFixed(2),
      ...Object.fromEntries(Object.entries(grad).map(([k, g]) => [k, g.toFixed(2)])),
    };
    expect(got).toEqual(LECTURE);
  });
});

/** The lecture's backward pass, line for line. */
const LECTURE_BACKWARD = [
  "grad_L = 1",
  "grad_s3 = grad_L * (1 - L) * L",
  "grad_w2 = grad_s3",
  "grad_s2 = grad_s3",
  "grad_s0 = grad_s2",
  "grad_s1 = grad_s2",
  "grad_w1 = grad_s1 * x1",
  "grad_x1 = grad_s1 * w1",
  "grad_w0 = grad_s0 * x0",
  "grad_x0 = grad_s0 * w0",
];

describe("fixtures/core/lecture/output.ts", () => {
  const text = readFileSync(join(fixturesDir, "core", "lecture", "output.ts"), "utf8");
  /** Every `grad_` assignment, as `name = expr`, in the order the code runs them. */
  const backward = [...text.matchAll(/^\s*(?:const|let)\s+(grad_\w+\s*=[^;]*);/gm)].map((m) =>
    m[1]!.replace(/\s+/g, " ").trim(),
  );

  it("has exactly the lecture's ten grad_ lines", () => {
    expect([...backward].sort()).toEqual([...LECTURE_BACKWARD].sort());
    // And no other line assigns a grad_ variable in some other way.
    expect(text.match(/^\s*(?:const|let|var)?\s*grad_\w+\s*=/gm)).toHaveLength(LECTURE_BACKWARD.length);
  });

  it("assigns every grad_ variable before it is read", () => {
    const assigned = new Set<string>();
    for (const line of backward) {
      const [lhs, rhs] = line.split(" = ") as [string, string];
      for (const read of rhs.match(/\bgrad_\w+/g) ?? [])
        expect(assigned.has(read), `'${line}' reads ${read} before it is assigned`).toBe(true);
      assigned.add(lhs);
    }
  });
});
