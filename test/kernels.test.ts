/**
 * The loops under the vector and matrix gates (src/gates/kernels.ts, and forward mode's fused
 * products in src/gates/tangent-kernels.ts: 4 rows × 2 columns, rows of 4 columns) against naive loops, at
 * sizes the tiles (4 rows × 2 columns, rows of 8 columns, 4 accumulators) do not divide: 0, 1, 2,
 * 3, 5, 7, 8, 9, 16, 17.
 * A tile that reads or writes one element too many, or forgets the last rows or columns, fails.
 */
import { describe, expect, it } from "vitest";
import * as gates from "../src/gates/index.js";
import { dotProduct, dotStrided, gemm, positivePart, product, scaled, sumOf, total } from "../src/gates/kernels.js";
import { gemmTangentAB, gemmTangentB } from "../src/gates/tangent-kernels.js";
import { rng } from "./support/numeric.js";

const SIZES = [0, 1, 2, 3, 5, 7, 8, 9, 16, 17];
const random = rng(2024);
const rand = (n: number) => Float64Array.from({ length: n }, () => random() * 4 - 2);

/** Agreement to rounding: the kernels sum in another order than the naive loops. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= 1e-12 * scale))
      expect.fail(`entry ${i}: ${actual[i]} against ${expected[i]}`);
  }
}

/** C = A·B by the definition, A(i, k) = A[i*ai + k*ak], B(k, j) = B[k*bk + j*bj]. */
function naiveGemm(
  A: Float64Array,
  ai: number,
  ak: number,
  B: Float64Array,
  bk: number,
  bj: number,
  n: number,
  d: number,
  m: number,
): Float64Array {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += A[i * ai + k * ak]! * B[k * bk + j * bj]!;
      C[i * m + j] = s;
    }
  return C;
}

/** The naive matmul and its backward, the loops the gates had before kernels.ts. */
function naiveMatmul(x: Float64Array, w: Float64Array, n: number, d: number, m: number) {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) for (let j = 0; j < m; j++) y[i * m + j]! += x[i * d + k]! * w[k * m + j]!;
  return y;
}
function naiveMatmulBackward(g: Float64Array, x: Float64Array, w: Float64Array, n: number, d: number, m: number) {
  const gx = new Float64Array(n * d);
  const gw = new Float64Array(d * m);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++)
      for (let j = 0; j < m; j++) {
        gx[i * d + k]! += g[i * m + j]! * w[k * m + j]!;
        gw[k * m + j]! += x[i * d + k]! * g[i * m + j]!;
      }
  return [gx, gw];
}

const triples = SIZES.flatMap((n) => SIZES.flatMap((d) => SIZES.map((m) => [n, d, m] as const)));

describe("gemm, in its three forms, at every combination of awkward sizes", () => {
  // C starts as NaN, so an entry no tile writes fails; so does one read past the end of A or B
  // (undefined, which makes NaN).
  it("x·w, g·wᵀ and xᵀ·g, written into a C that held garbage", () => {
    for (const [n, d, m] of triples) {
      const x = rand(n * d);
      const w = rand(d * m);
      const g = rand(n * m);
      const into = (length: number) => new Float64Array(length).fill(NaN);
      const y = into(n * m);
      gemm(x, d, 1, w, m, 1, y, n, d, m);
      expectClose(y, naiveGemm(x, d, 1, w, m, 1, n, d, m));
      const gx = into(n * d);
      gemm(g, m, 1, w, 1, m, gx, n, m, d);
      expectClose(gx, naiveGemm(g, m, 1, w, 1, m, n, m, d));
      const gw = into(d * m);
      gemm(x, 1, d, g, m, 1, gw, d, n, m);
      expectClose(gw, naiveGemm(x, 1, d, g, m, 1, d, n, m));
    }
  });
});

describe("forward mode's fused products (value and tangent in one pass)", () => {
  // C and dC start as NaN: an entry no tile writes fails, as does a read past an array's end.
  const into = (length: number) => new Float64Array(length).fill(NaN);
  const plus = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]!);
  it("gemmTangentB: C = A·B and dC = A·dB", () => {
    for (const [n, d, m] of triples) {
      const [A, B, dB] = [rand(n * d), rand(d * m), rand(d * m)];
      const [C, dC] = [into(n * m), into(n * m)];
      gemmTangentB(A, B, dB, C, dC, n, d, m);
      expectClose(C, naiveMatmul(A, B, n, d, m));
      expectClose(dC, naiveMatmul(A, dB, n, d, m));
    }
  });

  it("gemmTangentAB: C = A·B and dC = dA·B + A·dB", () => {
    for (const [n, d, m] of triples) {
      const [A, dA, B, dB] = [rand(n * d), rand(n * d), rand(d * m), rand(d * m)];
      const [C, dC] = [into(n * m), into(n * m)];
      gemmTangentAB(A, dA, B, dB, C, dC, n, d, m);
      expectClose(C, naiveMatmul(A, B, n, d, m));
      expectClose(dC, plus(naiveMatmul(dA, B, n, d, m), naiveMatmul(A, dB, n, d, m)));
    }
  });

  /** Each tangent given, or left out (undefined: zero). */
  const choices = <A, B>(a: A, b: B) =>
    [
      [a, b],
      [a, undefined],
      [undefined, b],
      [undefined, undefined],
    ] as const;

  it("matmul.jvp, with each tangent given or left out", () => {
    for (const [n, d, m] of triples) {
      const [x, dx, w, dw] = [rand(n * d), rand(n * d), rand(d * m), rand(d * m)];
      for (const [tx, tw] of choices(dx, dw)) {
        const [y, dy] = gates.matmul.jvp(x, w, n, d, m, tx, tw);
        // The value is the gate's to the last bit: f_jvp's and f_hvp's value is f's exactly.
        expect(y, `matmul.jvp ${n}×${d}×${m}`).toEqual(gates.matmul(x, w, n, d, m));
        const fromX = tx ? naiveMatmul(tx, w, n, d, m) : new Float64Array(n * m);
        const fromW = tw ? naiveMatmul(x, tw, n, d, m) : new Float64Array(n * m);
        expectClose(dy, plus(fromX, fromW));
      }
    }
  });

  it("matmul.jvp and matvec.jvp with aliased operands: one array as both inputs, an input as its own tangent", () => {
    for (const k of SIZES) {
      const [s, ds] = [rand(k * k), rand(k * k)];
      const square = naiveMatmul(s, s, k, k, k);
      for (const [tx, tw] of [
        [ds, ds],
        [s, s],
        [s, undefined],
        [undefined, ds],
      ] as const) {
        const [y, dy] = gates.matmul.jvp(s, s, k, k, k, tx, tw);
        expect(y, `matmul.jvp(s, s) ${k}`).toEqual(gates.matmul(s, s, k, k, k));
        expectClose(y, square);
        const fromX = tx ? naiveMatmul(tx, s, k, k, k) : new Float64Array(k * k);
        const fromW = tw ? naiveMatmul(s, tw, k, k, k) : new Float64Array(k * k);
        expectClose(dy, plus(fromX, fromW));
      }
      // A 1×k row times itself as a vector: matvec(a, a, 1, k) = a·a.
      const a = rand(k);
      for (const t of [a, ds.subarray(0, k)]) {
        const [y, dy] = gates.matvec.jvp(a, a, 1, k, t, t);
        expect(y, `matvec.jvp(a, a) ${k}`).toEqual(gates.matvec(a, a, 1, k));
        expectClose(dy, plus(naiveMatmul(t, a, 1, k, 1), naiveMatmul(a, t, 1, k, 1)));
      }
    }
  });

  it("matvec.jvp, with each tangent given or left out", () => {
    for (const n of SIZES)
      for (const d of SIZES) {
        const [w, dw, x, dx] = [rand(n * d), rand(n * d), rand(d), rand(d)];
        for (const [tw, tx] of choices(dw, dx)) {
          const [y, dy] = gates.matvec.jvp(w, x, n, d, tw, tx);
          expect(y, `matvec.jvp ${n}×${d}`).toEqual(gates.matvec(w, x, n, d));
          const fromW = tw ? naiveMatmul(tw, x, n, d, 1) : new Float64Array(n);
          const fromX = tx ? naiveMatmul(w, tx, n, d, 1) : new Float64Array(n);
          expectClose(dy, plus(fromW, fromX));
        }
      }
  });
});

describe("the gates on the kernels, against the naive loops", () => {
  it("matmul and its backward", () => {
    for (const [n, d, m] of triples) {
      const x = rand(n * d);
      const w = rand(d * m);
      const g = rand(n * m);
      const y = gates.matmul(x, w, n, d, m);
      expectClose(y, naiveMatmul(x, w, n, d, m));
      const [gx, gw] = gates.matmul.backward(g, y, x, w, n, d, m);
      const [ex, ew] = naiveMatmulBackward(g, x, w, n, d, m);
      expectClose(gx, ex!);
      expectClose(gw, ew!);
    }
  });

  it("matvec and its backward", () => {
    for (const n of SIZES)
      for (const d of SIZES) {
        const w = rand(n * d);
        const x = rand(d);
        const g = rand(n);
        const y = gates.matvec(w, x, n, d);
        const [gw, gx] = gates.matvec.backward(g, y, w, x, n, d);
        const ey = new Float64Array(n);
        const ew = new Float64Array(n * d);
        const ex = new Float64Array(d);
        for (let i = 0; i < n; i++)
          for (let k = 0; k < d; k++) {
            ey[i]! += w[i * d + k]! * x[k]!;
            ew[i * d + k] = g[i]! * x[k]!;
            ex[k]! += w[i * d + k]! * g[i]!;
          }
        expectClose(y, ey);
        expectClose(gw, ew);
        expectClose(gx, ex);
      }
  });
});

describe("reductions and elementwise loops", () => {
  const lengths = [...SIZES, 4, 6, 7, 9, 33];
  it("dotProduct, dotStrided, total", () => {
    for (const length of lengths) {
      const a = rand(3 * length);
      const b = rand(3 * length);
      let dot = 0;
      let strided = 0;
      let sum = 0;
      for (let i = 0; i < length; i++) {
        dot += a[i]! * b[i]!;
        strided += a[1 + 3 * i]! * b[2 + 2 * i]!;
        sum += a[i]!;
      }
      expectClose([dotProduct(a, b, length)], [dot]);
      expectClose([dotStrided(a, 1, 3, b, 2, 2, length)], [strided]);
      expectClose([total(a.subarray(0, length))], [sum]);
      expectClose([gates.dot(a.subarray(0, length), b.subarray(0, length))], [dot]);
      expectClose([gates.sum(a.subarray(0, length))], [sum]);
    }
  });

  it("scaled, sumOf, product, positivePart", () => {
    for (const length of lengths) {
      const a = rand(length);
      const b = rand(length);
      expectClose(
        scaled(a, 3),
        Array.from(a, (v) => 3 * v),
      );
      expectClose(
        sumOf(a, b),
        Array.from(a, (v, i) => v + b[i]!),
      );
      expectClose(
        product(a, b),
        Array.from(a, (v, i) => v * b[i]!),
      );
      expectClose(
        positivePart(a, b),
        Array.from(a, (v, i) => (b[i]! > 0 ? v : 0)),
      );
    }
  });
});
