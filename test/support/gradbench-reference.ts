/**
 * Independent references for GradBench's evals, written from their definitions for
 * test/gradbench-tool.test.ts: closed forms where there are any (log-sum-exp's softmax, least
 * squares, the determinant's cofactors, k-means' Newton step), and direct implementations of the
 * definitions (matrices built and multiplied, the Wishart density with a Lanczos log Γ) whose finite
 * differences check adgen's gradients. None shares code with gradbench/tool.
 */

export function lse(x: number[]): number {
  return Math.log(x.reduce((s, v) => s + Math.exp(v), 0));
}

export function softmax(x: number[]): number[] {
  const z = x.reduce((s, v) => s + Math.exp(v), 0);
  return x.map((v) => Math.exp(v) / z);
}

/** Least squares: residuals rᵢ = sᵢ - Σⱼ xⱼ tᵢʲ, y = ½ Σ rᵢ², ∂y/∂xⱼ = -Σ rᵢ tᵢʲ. */
export function llsq(x: number[], n: number): { value: number; grad: number[] } {
  const grad = x.map(() => 0);
  let value = 0;
  for (let i = 0; i < n; i++) {
    const t = -1 + (2 * i) / (n - 1);
    const r = Math.sign(t) - x.reduce((s, xj, j) => s + xj * t ** j, 0);
    value += (r * r) / 2;
    x.forEach((_, j) => (grad[j]! -= r * t ** j));
  }
  return { value, grad };
}

/** The determinant by Gaussian elimination with partial pivoting; A row-major ℓ × ℓ. */
export function determinant(A: number[], ell: number): number {
  const M = Array.from({ length: ell }, (_, i) => A.slice(i * ell, (i + 1) * ell));
  let det = 1;
  for (let c = 0; c < ell; c++) {
    let p = c;
    for (let r = c + 1; r < ell; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    if (p !== c) {
      [M[p], M[c]] = [M[c]!, M[p]!];
      det = -det;
    }
    det *= M[c]![c]!;
    for (let r = c + 1; r < ell; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k < ell; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return det;
}

/** ∂det/∂Aᵢⱼ is the cofactor (-1)^(i+j) det(A without row i and column j). */
export function cofactors(A: number[], ell: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ell; i++)
    for (let j = 0; j < ell; j++) {
      const minor: number[] = [];
      for (let r = 0; r < ell; r++) for (let c = 0; c < ell; c++) if (r !== i && c !== j) minor.push(A[r * ell + c]!);
      out.push((-1) ** (i + j) * (ell === 1 ? 1 : determinant(minor, ell - 1)));
    }
  return out;
}

/** Classical Runge-Kutta for y₀' = x₀, yᵢ' = xᵢ yᵢ₋₁ from y = 0 to t = 2 in s steps. */
export function ode(x: number[], s: number): number[] {
  const f = (y: number[]) => y.map((_, i) => (i === 0 ? x[0]! : x[i]! * y[i - 1]!));
  const axpy = (y: number[], a: number, k: number[]) => y.map((v, i) => v + a * k[i]!);
  const h = 2 / s;
  let y = x.map(() => 0);
  for (let step = 0; step < s; step++) {
    const k1 = f(y);
    const k2 = f(axpy(y, h / 2, k1));
    const k3 = f(axpy(y, h / 2, k2));
    const k4 = f(axpy(y, h, k3));
    y = y.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  }
  return y;
}

/** log Γ(z) for z > 0 by Lanczos' approximation (g = 7, 9 terms). */
function logGamma(z: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let a = c[0]!;
  const t = z + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

type Matrix = number[][];
const matmul = (A: Matrix, B: Matrix): Matrix =>
  A.map((row) => B[0]!.map((_, j) => row.reduce((s, a, k) => s + a * B[k]![j]!, 0)));
const transpose = (A: Matrix): Matrix => A[0]!.map((_, j) => A.map((row) => row[j]!));

export interface GmmInput {
  alpha: number[];
  mu: number[][];
  q: number[][];
  l: number[][];
  x: number[][];
  m: number;
  gamma: number;
}

/**
 * The log posterior of GradBench's gmm straight from its definition: φ = softmax(α), precision
 * Σₖ⁻¹ = QₖᵀQₖ built as matrices, the Gaussian and Wishart log densities with determinants by
 * elimination, summed over points as log Σₖ φₖ 𝒩(xᵢ).
 */
export function gmmLogPosterior({ alpha, mu, q, l, x, m, gamma }: GmmInput): number {
  const D = x[0]!.length;
  const phi = softmax(alpha);
  const precision = q.map((qk, k) => {
    const Q: Matrix = Array.from({ length: D }, () => new Array<number>(D).fill(0));
    let idx = 0;
    for (let j = 0; j < D; j++) {
      Q[j]![j] = Math.exp(qk[j]!);
      for (let i = j + 1; i < D; i++) Q[i]![j] = l[k]![idx++]!;
    }
    return matmul(transpose(Q), Q);
  });
  const logDet = (S: Matrix) => Math.log(determinant(S.flat(), D));
  let logLikelihood = 0;
  for (const xi of x) {
    let p = 0;
    precision.forEach((S, k) => {
      const c = xi.map((v, j) => v - mu[k]![j]!);
      const quad = matmul([c], matmul(S, transpose([c])))[0]![0]!;
      p += phi[k]! * Math.exp(-0.5 * quad - (D / 2) * Math.log(2 * Math.PI) + 0.5 * logDet(S));
    });
    logLikelihood += Math.log(p);
  }
  // Wishart W_D(V, n) with V = I / γ², n = D + m + 1, at X = Σₖ⁻¹.
  const n = D + m + 1;
  let logMultiGamma = (D * (D - 1) * Math.log(Math.PI)) / 4;
  for (let j = 1; j <= D; j++) logMultiGamma += logGamma(n / 2 + (1 - j) / 2);
  let logPrior = 0;
  for (const S of precision) {
    const trace = S.reduce((s, row, i) => s + gamma * gamma * row[i]!, 0);
    logPrior +=
      ((n - D - 1) / 2) * logDet(S) -
      trace / 2 -
      ((n * D) / 2) * Math.log(2) -
      (n / 2) * (-2 * D * Math.log(gamma)) -
      logMultiGamma;
  }
  return logLikelihood + logPrior;
}

/** k-means' Newton step J H⁻¹: for each centroid, itself minus the mean of the points closest to it. */
export function kmeansDir(points: number[][], centroids: number[][]): number[][] {
  const dist = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
  const sums = centroids.map((c) => c.map(() => 0));
  const counts = centroids.map(() => 0);
  for (const p of points) {
    let best = 0;
    centroids.forEach((c, j) => {
      if (dist(p, c) < dist(p, centroids[best]!)) best = j;
    });
    counts[best]!++;
    p.forEach((v, e) => (sums[best]![e]! += v));
  }
  return centroids.map((c, j) => c.map((v, e) => v - sums[j]![e]! / counts[j]!));
}

export function kmeansCost(points: number[][], centroids: number[][]): number {
  return points.reduce(
    (s, p) => s + Math.min(...centroids.map((c) => c.reduce((t, v, i) => t + (v - p[i]!) ** 2, 0))),
    0,
  );
}
