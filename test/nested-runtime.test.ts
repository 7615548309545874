import { it, expect } from "vitest";
import { grad } from "../src/index.js";
it("runtime nested", () => {
  const f = (A: number[][], x: number[]) => {
    let s = 0;
    for (let i = 0; i < A.length; i++) for (let j = 0; j < A[i]!.length; j++) s += A[i]![j]! * x[j]! * x[i]!;
    return s;
  };
  const g = grad(f, { wrt: ["A", "x"] })(
    [
      [1, 2],
      [3, 4],
    ],
    [5, 6],
  );
  expect(g.value).toBe(1 * 25 + 2 * 30 + 3 * 30 + 4 * 36);
  expect(g.grad.A).toEqual([
    [25, 30],
    [30, 36],
  ]);
  expect(g.grad.x).toEqual([2 * 1 * 5 + (2 + 3) * 6, 2 * 4 * 6 + (2 + 3) * 5]);
});
