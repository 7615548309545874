/**
 * Forward mode's fused matrix products (arrays.ts: `matmul.jvp`): C = A·B and its tangent
 * dC = dA·B + A·dB in one pass, for row-major A (n×d) and B (d×m). Each element of A (and dA)
 * loaded feeds the value and the tangent, and B and dB are each read once, where a product
 * followed by its tangent (two or three products) makes a pass over the shared operand per
 * product. Written like kernels.ts: register tiles in locals, leftovers before the main loops.
 * test/kernels.test.ts checks them against naive loops, and their C against gemm's bit for bit
 * (f_jvp's and f_hvp's value must be f's exactly); test/matrix-gates.test.ts `matmul.jvp` against
 * the gate and its tangent.
 */
import { dotStrided } from "./kernels.js";

/**
 * C = A·B and dC = A·dB (A's tangent zero): rows four at a time, two columns of B and of dB per
 * pass (sixteen accumulators: the most load-sparing tile that still paid off, seen on the MLP at
 * batch 32); the leftover rows one at a time, four columns of each per pass (the MLP at batch 1).
 */
export function gemmTangentB(
  A: Float64Array,
  B: Float64Array,
  dB: Float64Array,
  C: Float64Array,
  dC: Float64Array,
  n: number,
  d: number,
  m: number,
): void {
  const rows = n & 3;
  for (let i = 0; i < rows; i++) rowTangentB(A, i * d, B, dB, C, dC, i * m, d, m);
  for (let i = rows; i < n; i += 4) {
    const a0 = i * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    const c0 = i * m;
    if (m & 1) {
      const j = m - 1;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0,
        t0 = 0,
        t1 = 0,
        t2 = 0,
        t3 = 0;
      for (let k = 0, pb = j; k < d; k++, pb += m) {
        const b = B[pb]!;
        const e = dB[pb]!;
        const x0 = A[a0 + k]!;
        const x1 = A[a1 + k]!;
        const x2 = A[a2 + k]!;
        const x3 = A[a3 + k]!;
        s0 += x0 * b;
        s1 += x1 * b;
        s2 += x2 * b;
        s3 += x3 * b;
        t0 += x0 * e;
        t1 += x1 * e;
        t2 += x2 * e;
        t3 += x3 * e;
      }
      const c = c0 + j;
      C[c] = s0;
      C[c + m] = s1;
      C[c + 2 * m] = s2;
      C[c + 3 * m] = s3;
      dC[c] = t0;
      dC[c + m] = t1;
      dC[c + 2 * m] = t2;
      dC[c + 3 * m] = t3;
    }
    for (let j = 0; j + 1 < m; j += 2) {
      let s00 = 0,
        s01 = 0,
        s10 = 0,
        s11 = 0,
        s20 = 0,
        s21 = 0,
        s30 = 0,
        s31 = 0,
        t00 = 0,
        t01 = 0,
        t10 = 0,
        t11 = 0,
        t20 = 0,
        t21 = 0,
        t30 = 0,
        t31 = 0;
      for (let k = 0, pb = j; k < d; k++, pb += m) {
        const b0 = B[pb]!;
        const b1 = B[pb + 1]!;
        const e0 = dB[pb]!;
        const e1 = dB[pb + 1]!;
        const x0 = A[a0 + k]!;
        const x1 = A[a1 + k]!;
        const x2 = A[a2 + k]!;
        const x3 = A[a3 + k]!;
        s00 += x0 * b0;
        s01 += x0 * b1;
        s10 += x1 * b0;
        s11 += x1 * b1;
        s20 += x2 * b0;
        s21 += x2 * b1;
        s30 += x3 * b0;
        s31 += x3 * b1;
        t00 += x0 * e0;
        t01 += x0 * e1;
        t10 += x1 * e0;
        t11 += x1 * e1;
        t20 += x2 * e0;
        t21 += x2 * e1;
        t30 += x3 * e0;
        t31 += x3 * e1;
      }
      const c = c0 + j;
      C[c] = s00;
      C[c + 1] = s01;
      C[c + m] = s10;
      C[c + m + 1] = s11;
      C[c + 2 * m] = s20;
      C[c + 2 * m + 1] = s21;
      C[c + 3 * m] = s30;
      C[c + 3 * m + 1] = s31;
      dC[c] = t00;
      dC[c + 1] = t01;
      dC[c + m] = t10;
      dC[c + m + 1] = t11;
      dC[c + 2 * m] = t20;
      dC[c + 2 * m + 1] = t21;
      dC[c + 3 * m] = t30;
      dC[c + 3 * m + 1] = t31;
    }
  }
}

/**
 * One row of gemmTangentB, from A[a] and into C[c], dC[c]: four columns of B and dB per pass,
 * after the first `m & 7` columns, which are dot products summed as gemm's leftover row sums
 * them (dotStrided), so that C is gemm's C to the last bit.
 */
function rowTangentB(
  A: Float64Array,
  a: number,
  B: Float64Array,
  dB: Float64Array,
  C: Float64Array,
  dC: Float64Array,
  c: number,
  d: number,
  m: number,
): void {
  const columns = m & 7;
  for (let j = 0; j < columns; j++) {
    C[c + j] = dotStrided(A, a, 1, B, j, m, d);
    dC[c + j] = dotStrided(A, a, 1, dB, j, m, d);
  }
  for (let j = columns; j < m; j += 4) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0,
      t0 = 0,
      t1 = 0,
      t2 = 0,
      t3 = 0;
    for (let k = 0, pb = j; k < d; k++, pb += m) {
      const x = A[a + k]!;
      s0 += x * B[pb]!;
      s1 += x * B[pb + 1]!;
      s2 += x * B[pb + 2]!;
      s3 += x * B[pb + 3]!;
      t0 += x * dB[pb]!;
      t1 += x * dB[pb + 1]!;
      t2 += x * dB[pb + 2]!;
      t3 += x * dB[pb + 3]!;
    }
    C[c + j] = s0;
    C[c + j + 1] = s1;
    C[c + j + 2] = s2;
    C[c + j + 3] = s3;
    dC[c + j] = t0;
    dC[c + j + 1] = t1;
    dC[c + j + 2] = t2;
    dC[c + j + 3] = t3;
  }
}

/**
 * C = A·B and dC = dA·B + A·dB (both tangents), a row at a time, four columns of B and dB per
 * pass: each B and dB element loaded once feeds three multiply-adds. Each entry of C is summed
 * in gemm's order (kernels.ts), so that f_jvp's and f_hvp's value is f's to the last bit: in k
 * order, except the first `m & 7` columns of gemm's leftover rows (the first `n & 3`), which
 * gemm sums with dotStrided.
 */
export function gemmTangentAB(
  A: Float64Array,
  dA: Float64Array,
  B: Float64Array,
  dB: Float64Array,
  C: Float64Array,
  dC: Float64Array,
  n: number,
  d: number,
  m: number,
): void {
  const rows = n & 3;
  for (let i = 0, a = 0, c = 0; i < n; i++, a += d, c += m) {
    let j = 0;
    if (i < rows) {
      for (const columns = m & 7; j < columns; j++) {
        C[c + j] = dotStrided(A, a, 1, B, j, m, d);
        dC[c + j] = dotStrided(dA, a, 1, B, j, m, d) + dotStrided(A, a, 1, dB, j, m, d);
      }
    } else {
      for (const columns = m & 3; j < columns; j++) {
        let s = 0,
          t = 0;
        for (let k = 0, pb = j; k < d; k++, pb += m) {
          const x = A[a + k]!;
          const b = B[pb]!;
          s += x * b;
          t += dA[a + k]! * b + x * dB[pb]!;
        }
        C[c + j] = s;
        dC[c + j] = t;
      }
    }
    for (; j < m; j += 4) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0,
        t0 = 0,
        t1 = 0,
        t2 = 0,
        t3 = 0;
      for (let k = 0, pb = j; k < d; k++, pb += m) {
        const x = A[a + k]!;
        const y = dA[a + k]!;
        const b0 = B[pb]!;
        const b1 = B[pb + 1]!;
        const b2 = B[pb + 2]!;
        const b3 = B[pb + 3]!;
        s0 += x * b0;
        s1 += x * b1;
        s2 += x * b2;
        s3 += x * b3;
        t0 += y * b0 + x * dB[pb]!;
        t1 += y * b1 + x * dB[pb + 1]!;
        t2 += y * b2 + x * dB[pb + 2]!;
        t3 += y * b3 + x * dB[pb + 3]!;
      }
      C[c + j] = s0;
      C[c + j + 1] = s1;
      C[c + j + 2] = s2;
      C[c + j + 3] = s3;
      dC[c + j] = t0;
      dC[c + j + 1] = t1;
      dC[c + j + 2] = t2;
      dC[c + j + 3] = t3;
    }
  }
}
