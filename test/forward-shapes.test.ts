/**
 * Forward mode and second order in the runtime (`jvp(f)`, `hvp(f)`, `hessian(f)`) on matrices
 * and through array gates: the tangent argument is shaped like the parameter, `f_jvp`'s tangent
 * agrees with finite differences along it, `f_hvp` with differences of the gradient, and the
 * Hessian with `f_hvp` along unit vectors. (The build-time companions are checked on every
 * fixture by test/forward.test.ts, test/hvp.test.ts and test/jacobian.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { grad, hessian, hvp, jvp } from "../src/index.js";
import { dot, matvec } from "../src/gates/index.js";
import { close, finiteDifference } from "./support/numeric.js";

/** A quadratic form plus a smooth term over a matrix's rows. */
function form(A: number[][], x: number[]): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) {
    let r = 0;
    for (let j = 0; j < A[i]!.length; j++) r += A[i]![j]! * x[j]!;
    s += x[i]! * r + Math.sin(r);
  }
  return s;
}

/** A layer through array gates: ||W x||² weighted, and a dot product. */
function layer(W: Float64Array, x: Float64Array): number {
  const y = matvec(W, x, 2, 3);
  return dot(y, y) * dot(x, x);
}

const A = [
  [0.4, -1.1, 0.3],
  [0.9, 0.2, -0.5],
  [-0.3, 0.8, 1.2],
];
const x = [0.7, -0.4, 1.3];
const dA = [
  [0.1, 0.5, -0.2],
  [-0.7, 0.3, 0.4],
  [0.6, -0.1, 0.2],
];
const dx = [-0.3, 0.9, 0.5];
const moved = (e: number) =>
  form(
    A.map((r, i) => r.map((a, j) => a + e * dA[i]![j]!)),
    x.map((v, j) => v + e * dx[j]!),
  );

describe("the runtime's forward mode on a matrix", () => {
  it("jvp(f): the tangent of a matrix argument is a matrix", () => {
    const { value, tangent } = jvp(form, { wrt: ["A", "x"] })(A, x, { A: dA, x: dx });
    expect(value).toBe(form(A, x));
    const fd = finiteDifference(([e]) => moved(e!), [0], 0);
    expect(close(tangent, fd, 1e-7), `tangent ${tangent}, differences ${fd}`).toBe(true);
  });

  it("hvp(f): H v against differences of the gradient along v", () => {
    const { hvp: Hv } = hvp(form, { wrt: ["A", "x"] })(A, x, { A: dA, x: dx });
    const g = grad(form, { wrt: ["A", "x"] });
    const along = (e: number) =>
      g(
        A.map((r, i) => r.map((a, j) => a + e * dA[i]![j]!)),
        x.map((v, j) => v + e * dx[j]!),
      ).grad;
    for (let i = 0; i < 3; i++) {
      const fdx = finiteDifference(([e]) => along(e!).x[i]!, [0], 0);
      expect(close(Hv.x[i]!, fdx, 1e-6), `(H v).x[${i}]: ${Hv.x[i]}, differences ${fdx}`).toBe(true);
      for (let j = 0; j < 3; j++) {
        const fd = finiteDifference(([e]) => along(e!).A[i]![j]!, [0], 0);
        expect(close(Hv.A[i]![j]!, fd, 1e-6), `(H v).A[${i}][${j}]: ${Hv.A[i]![j]}, differences ${fd}`).toBe(true);
      }
    }
  });

  it("hessian(f): 12 × 12 over A row by row then x, symmetric, row k is f_hvp along e_k", () => {
    const { hessian: H } = hessian(form, { wrt: ["A", "x"] })(A, x);
    expect(H.length).toBe(12);
    for (let k = 0; k < 12; k++) {
      const v = {
        A: A.map((r, i) => r.map((_, j) => (i * 3 + j === k ? 1 : 0))),
        x: x.map((_, j) => (9 + j === k ? 1 : 0)),
      };
      const { hvp: Hv } = hvp(form, { wrt: ["A", "x"] })(A, x, v);
      expect(H[k]).toEqual([...Hv.A.flat(), ...Hv.x]);
      for (let j = 0; j < k; j++) expect(close(H[k]![j]!, H[j]![k]!, 1e-9)).toBe(true);
    }
  });
});

describe("the runtime's second order through array gates", () => {
  it("hvp(f) through matvec and dot agrees with differences of the gradient", () => {
    const W = Float64Array.from([0.3, -0.8, 0.5, 1.1, 0.2, -0.4]);
    const xs = Float64Array.from([0.6, -1.2, 0.9]);
    const v = { W: Float64Array.from([0.2, 0.1, -0.3, 0.5, -0.6, 0.4]), x: Float64Array.from([-0.5, 0.3, 0.8]) };
    const { hvp: Hv, grad: gr } = hvp(layer, { wrt: ["W", "x"] })(W, xs, v);
    const g = grad(layer, { wrt: ["W", "x"] });
    expect(gr).toEqual(g(W, xs).grad);
    const along = (e: number) =>
      g(
        W.map((w, i) => w + e * v.W[i]!),
        xs.map((a, i) => a + e * v.x[i]!),
      ).grad;
    for (let i = 0; i < 6; i++) {
      const fd = finiteDifference(([e]) => along(e!).W[i]!, [0], 0);
      expect(close(Hv.W[i]!, fd, 1e-6), `(H v).W[${i}]: ${Hv.W[i]}, differences ${fd}`).toBe(true);
    }
    for (let i = 0; i < 3; i++) {
      const fd = finiteDifference(([e]) => along(e!).x[i]!, [0], 0);
      expect(close(Hv.x[i]!, fd, 1e-6), `(H v).x[${i}]: ${Hv.x[i]}, differences ${fd}`).toBe(true);
    }
  });
});
