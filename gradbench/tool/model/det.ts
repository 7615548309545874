/**
 * GradBench's det (evals/det, cmpad's det_by_minor): the determinant of an ℓ × ℓ matrix (row-major
 * A) by expansion by minors along the first row, recursively down to 1 × 1 minors. adgen does not
 * differentiate recursion, so the recursion is written with an explicit stack: one frame per minor
 * size m, as cmpad's det_of_minor keeps it. As there, a minor is represented by linked lists of the
 * rows and columns it keeps (r[i], c[i]: the row and column after i; r[ℓ], c[ℓ]: the first), so
 * removing and restoring a row or column moves no data.
 */
export function det(A: number[], ell: number): number {
  const n = ell;
  const r = new Array<number>(n + 1).fill(0);
  const c = new Array<number>(n + 1).fill(0);
  for (let i = 0; i < n; i++) {
    r[i] = i + 1;
    c[i] = i + 1;
  }
  // The frame of the minor of size m: its first row, its current column and the one before it in
  // c, how many of its columns are done, the sign of the next term, and the sum of the terms so far.
  const row = new Array<number>(n + 1).fill(0);
  const col = new Array<number>(n + 1).fill(0);
  const prev = new Array<number>(n + 1).fill(0);
  const done = new Array<number>(n + 1).fill(0);
  const sign = new Array<number>(n + 1).fill(0);
  const sum = new Array<number>(n + 1).fill(0);
  let m = n;
  let enter = true; // entering the minor of size m, else returning to it from its sub-minor
  let value = 0; // the determinant of the minor that finished last
  while (m <= n) {
    if (enter) {
      row[m] = r[n];
      col[m] = c[n];
      if (m === 1) {
        value = A[row[m] * n + col[m]];
        enter = false;
        m++;
      } else {
        sum[m] = 0;
        sign[m] = 1;
        done[m] = 0;
        prev[m] = n;
        // The sub-minor of column 0: without row 0 and column 0.
        r[n] = r[row[m]];
        c[n] = c[col[m]];
        m--;
      }
    } else {
      // The sub-minor of the current column finished with determinant `value`.
      sum[m] += sign[m] * A[row[m] * n + col[m]] * value;
      c[prev[m]] = col[m];
      prev[m] = col[m];
      col[m] = c[col[m]];
      sign[m] = -sign[m];
      done[m]++;
      if (done[m] < m) {
        c[prev[m]] = c[col[m]];
        enter = true;
        m--;
      } else {
        r[n] = row[m];
        value = sum[m];
        m++;
      }
    }
  }
  return value;
}
