/**
 * GradBench's gmm (evals/gmm): the log posterior of a Gaussian mixture model with a Wishart prior
 * on the precision matrices, with the algebraic simplifications of the eval's README. Component
 * k's precision is QₖᵀQₖ, Qₖ lower triangular with exp(qₖ) on its diagonal and lₖ below it, filled
 * column by column.
 */
import type { Data } from "adgen";

/** log Γ(h / 2) for a positive integer h, from Γ(1) = 1, Γ(1/2) = √π and Γ(a + 1) = a Γ(a). */
function logGammaHalf(h: number): number {
  let s = h % 2 === 0 ? 0 : 0.5 * Math.log(Math.PI);
  for (let a = h % 2 === 0 ? 1 : 0.5; a < h / 2; a++) s += Math.log(a);
  return s;
}

/** log of the multivariate gamma function Γ_p(h / 2). */
function logMultiGammaHalf(h: number, p: number): number {
  let s = 0.25 * p * (p - 1) * Math.log(Math.PI);
  for (let j = 1; j <= p; j++) s += logGammaHalf(h + 1 - j);
  return s;
}

export function gmm(
  alpha: number[],
  mu: number[][],
  q: number[][],
  l: number[][],
  x: Data<number[][]>,
  m: Data<number>,
  gamma: Data<number>,
): number {
  const K = alpha.length;
  const N = x.length;
  const D = x[0].length;

  // log p(X | θ, φ) = -N (D/2 log 2π + logsumexp(α)) + Σᵢ logsumexp(βᵢ)
  let maxAlpha = -Infinity;
  for (let k = 0; k < K; k++) maxAlpha = Math.max(maxAlpha, alpha[k]);
  let sumExpAlpha = 0;
  for (let k = 0; k < K; k++) sumExpAlpha += Math.exp(alpha[k] - maxAlpha);
  const lseAlpha = maxAlpha + Math.log(sumExpAlpha);

  const sumQ = new Array<number>(K).fill(0);
  for (let k = 0; k < K; k++) for (let j = 0; j < D; j++) sumQ[k] += q[k][j];

  let slse = 0;
  const beta = new Array<number>(K).fill(0);
  for (let i = 0; i < N; i++) {
    const xi = x[i];
    for (let k = 0; k < K; k++) {
      // ‖Qₖ (xᵢ - μₖ)‖², the product accumulated column by column.
      const c = new Array<number>(D).fill(0);
      const Qc = new Array<number>(D).fill(0);
      for (let j = 0; j < D; j++) {
        c[j] = xi[j] - mu[k][j];
        Qc[j] = Math.exp(q[k][j]) * c[j];
      }
      let li = 0;
      for (let j = 0; j < D; j++) {
        for (let r = j + 1; r < D; r++) {
          Qc[r] += l[k][li] * c[j];
          li++;
        }
      }
      let sq = 0;
      for (let j = 0; j < D; j++) sq += Qc[j] * Qc[j];
      beta[k] = alpha[k] + sumQ[k] - 0.5 * sq;
    }
    let maxBeta = -Infinity;
    for (let k = 0; k < K; k++) maxBeta = Math.max(maxBeta, beta[k]);
    let sumExpBeta = 0;
    for (let k = 0; k < K; k++) sumExpBeta += Math.exp(beta[k] - maxBeta);
    slse += maxBeta + Math.log(sumExpBeta);
  }
  const logLikelihood =
    -N * ((D / 2) * Math.log(2 * Math.PI) + lseAlpha) + slse;

  // log p(θ) = K (nD log(γ/√2) - log Γ_D(n/2)) - γ²/2 Σₖ ‖Qₖ‖²_F + m Σₖ Σⱼ qₖⱼ, n = D + m + 1.
  const n = D + m + 1;
  let frobenius = 0;
  let sumAllQ = 0;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < D; j++) {
      const e = Math.exp(q[k][j]);
      frobenius += e * e;
    }
    for (let j = 0; j < l[k].length; j++) frobenius += l[k][j] * l[k][j];
    sumAllQ += sumQ[k];
  }
  const logPrior =
    K * (n * D * Math.log(gamma / Math.SQRT2) - logMultiGammaHalf(n, D)) -
    0.5 * gamma * gamma * frobenius +
    m * sumAllQ;

  return logLikelihood + logPrior;
}
