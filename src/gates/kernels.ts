/**
 * The loops under the vector and matrix gates (arrays.ts), written for V8: register tiles of
 * accumulators held in locals (4 rows × 2 columns of the result per pass over the inner
 * dimension, so each element loaded feeds 2 or 4 multiply-adds instead of one; a single row 8
 * columns at a time, a cache line of B per step), four
 * accumulators for reductions, index arithmetic by increments, and no callbacks (`map`).
 * Every kernel also handles the sizes the tiles do not divide (0, 1, 3, 5, ...);
 * test/kernels.test.ts checks them against naive loops.
 *
 * The leftover rows, columns and elements are done BEFORE the main loop, never after it: V8
 * compiles a long first call's loop while it runs (on-stack replacement), and code after that
 * loop which has not run yet has no type feedback, so the compiled code bailed out there on
 * every later call too (seen with --trace-deopt on the MLP at batch 1, several times slower).
 */

/**
 * C = A·B for C of shape n×m (row-major, `C[i*m + j]`, overwritten), summing over k < d, with
 * A(i, k) = A[i*ai + k*ak] and B(k, j) = B[k*bk + j*bj]: strides express the transposes, so
 * one kernel computes x·w, g·wᵀ and xᵀ·g.
 */
export function gemm(
  A: Float64Array,
  ai: number,
  ak: number,
  B: Float64Array,
  bk: number,
  bj: number,
  C: Float64Array,
  n: number,
  d: number,
  m: number,
): void {
  if (d === 1 && bj === 1) return outer(A, ai, B, C, n, m);
  if (d < 4 && bj === 1) return outerSum(A, ai, ak, B, bk, C, n, d, m);
  const rows = n & 3;
  for (let i = 0; i < rows; i++) gemmRow(A, i * ai, ak, B, bk, bj, C, i * m, d, m);
  for (let i = rows; i < n; i += 4) {
    const a0 = i * ai;
    const a1 = a0 + ai;
    const a2 = a1 + ai;
    const a3 = a2 + ai;
    const c0 = i * m;
    if (m & 1) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0, pa = 0, pb = (m - 1) * bj; k < d; k++, pa += ak, pb += bk) {
        const b = B[pb]!;
        s0 += A[a0 + pa]! * b;
        s1 += A[a1 + pa]! * b;
        s2 += A[a2 + pa]! * b;
        s3 += A[a3 + pa]! * b;
      }
      const c = c0 + m - 1;
      C[c] = s0;
      C[c + m] = s1;
      C[c + 2 * m] = s2;
      C[c + 3 * m] = s3;
    }
    for (let j = 0; j + 1 < m; j += 2) {
      let s00 = 0,
        s01 = 0,
        s10 = 0,
        s11 = 0,
        s20 = 0,
        s21 = 0,
        s30 = 0,
        s31 = 0;
      for (let k = 0, pa = 0, pb = j * bj; k < d; k++, pa += ak, pb += bk) {
        const b0 = B[pb]!;
        const b1 = B[pb + bj]!;
        const x0 = A[a0 + pa]!;
        const x1 = A[a1 + pa]!;
        const x2 = A[a2 + pa]!;
        const x3 = A[a3 + pa]!;
        s00 += x0 * b0;
        s01 += x0 * b1;
        s10 += x1 * b0;
        s11 += x1 * b1;
        s20 += x2 * b0;
        s21 += x2 * b1;
        s30 += x3 * b0;
        s31 += x3 * b1;
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
    }
  }
}

/**
 * One row of C: C[c + j] = Σ_k A[a + k*ak] · B(k, j), eight columns at a time (with B's rows
 * contiguous, each k reads one cache line of B: a vector times a matrix, the MLP at batch 1).
 */
function gemmRow(
  A: Float64Array,
  a: number,
  ak: number,
  B: Float64Array,
  bk: number,
  bj: number,
  C: Float64Array,
  c: number,
  d: number,
  m: number,
): void {
  const columns = m & 7;
  for (let j = 0; j < columns; j++) C[c + j] = dotStrided(A, a, ak, B, j * bj, bk, d);
  for (let j = columns; j < m; j += 8) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0,
      s5 = 0,
      s6 = 0,
      s7 = 0;
    for (let k = 0, pa = a, pb = j * bj; k < d; k++, pa += ak, pb += bk) {
      const x = A[pa]!;
      s0 += x * B[pb]!;
      s1 += x * B[pb + bj]!;
      s2 += x * B[pb + 2 * bj]!;
      s3 += x * B[pb + 3 * bj]!;
      s4 += x * B[pb + 4 * bj]!;
      s5 += x * B[pb + 5 * bj]!;
      s6 += x * B[pb + 6 * bj]!;
      s7 += x * B[pb + 7 * bj]!;
    }
    C[c + j] = s0;
    C[c + j + 1] = s1;
    C[c + j + 2] = s2;
    C[c + j + 3] = s3;
    C[c + j + 4] = s4;
    C[c + j + 5] = s5;
    C[c + j + 6] = s6;
    C[c + j + 7] = s7;
  }
}

/**
 * C = a bᵀ (d = 1, an MLP's weight gradient at batch 1): C[i*m + j] = A[i*ai] · B[j], with eight
 * of B's columns held in locals while the rows go by, so each row writes one cache line of C at
 * once (twice as fast as a row at a time).
 */
function outer(A: Float64Array, ai: number, B: Float64Array, C: Float64Array, n: number, m: number): void {
  const columns = m & 7;
  for (let j = 0; j < columns; j++) {
    const b = B[j]!;
    for (let i = 0, pa = 0, c = j; i < n; i++, pa += ai, c += m) C[c] = A[pa]! * b;
  }
  for (let j = columns; j < m; j += 8) {
    const b0 = B[j]!,
      b1 = B[j + 1]!,
      b2 = B[j + 2]!,
      b3 = B[j + 3]!,
      b4 = B[j + 4]!,
      b5 = B[j + 5]!,
      b6 = B[j + 6]!,
      b7 = B[j + 7]!;
    for (let i = 0, pa = 0, c = j; i < n; i++, pa += ai, c += m) {
      const x = A[pa]!;
      C[c] = x * b0;
      C[c + 1] = x * b1;
      C[c + 2] = x * b2;
      C[c + 3] = x * b3;
      C[c + 4] = x * b4;
      C[c + 5] = x * b5;
      C[c + 6] = x * b6;
      C[c + 7] = x * b7;
    }
  }
}

/**
 * C = A·B when the inner dimension d is 2 or 3 (or 0) and B's rows are contiguous: each row of C
 * is a sum of d scaled rows of B.
 */
function outerSum(
  A: Float64Array,
  ai: number,
  ak: number,
  B: Float64Array,
  bk: number,
  C: Float64Array,
  n: number,
  d: number,
  m: number,
): void {
  for (let i = 0; i < n; i++) {
    const c = i * m;
    if (d === 0) {
      C.fill(0, c, c + m);
      continue;
    }
    const x = A[i * ai]!;
    const columns = m & 3;
    for (let j = 0; j < columns; j++) C[c + j] = x * B[j]!;
    for (let j = columns; j < m; j += 4) {
      C[c + j] = x * B[j]!;
      C[c + j + 1] = x * B[j + 1]!;
      C[c + j + 2] = x * B[j + 2]!;
      C[c + j + 3] = x * B[j + 3]!;
    }
    for (let k = 1; k < d; k++) {
      const y = A[i * ai + k * ak]!;
      const b = k * bk;
      for (let j = 0; j < m; j++) C[c + j]! += y * B[b + j]!;
    }
  }
}

/** Σ_k a[pa + k*sa] · b[pb + k*sb] over k < d, with four accumulators. */
export function dotStrided(
  a: Float64Array,
  pa: number,
  sa: number,
  b: Float64Array,
  pb: number,
  sb: number,
  d: number,
): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  const rest = d & 3;
  for (let k = 0; k < rest; k++, pa += sa, pb += sb) s0 += a[pa]! * b[pb]!;
  for (let k = rest; k < d; k += 4, pa += 4 * sa, pb += 4 * sb) {
    s0 += a[pa]! * b[pb]!;
    s1 += a[pa + sa]! * b[pb + sb]!;
    s2 += a[pa + 2 * sa]! * b[pb + 2 * sb]!;
    s3 += a[pa + 3 * sa]! * b[pb + 3 * sb]!;
  }
  return s0 + s1 + (s2 + s3);
}

/** Σ a[i] · b[i] over the first `length` elements, with four accumulators. */
export function dotProduct(a: Float64Array, b: Float64Array, length: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  const rest = length & 3;
  for (let i = 0; i < rest; i++) s0 += a[i]! * b[i]!;
  for (let i = rest; i < length; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  return s0 + s1 + (s2 + s3);
}

/** Σ a[i], with four accumulators. */
export function total(a: Float64Array): number {
  const length = a.length;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  const rest = length & 3;
  for (let i = 0; i < rest; i++) s0 += a[i]!;
  for (let i = rest; i < length; i += 4) {
    s0 += a[i]!;
    s1 += a[i + 1]!;
    s2 += a[i + 2]!;
    s3 += a[i + 3]!;
  }
  return s0 + s1 + (s2 + s3);
}

/** A new array `k · a`. */
export function scaled(a: Float64Array, k: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = k * a[i]!;
  return out;
}

/** A new array a + b, elementwise (b as long as a). */
export function sumOf(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

/** A new array a · b, elementwise (b as long as a). */
export function product(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

/** A new array of a's elements where `where` is positive, 0 elsewhere (ReLU and its derivative). */
export function positivePart(a: Float64Array, where: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = where[i]! > 0 ? a[i]! : 0;
  return out;
}
