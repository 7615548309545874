/**
 * The ADBench Gaussian Mixture Model objective, written as plain loops over
 * Float64Arrays so that adgen can differentiate it as written. It follows
 * ADBench's C version (microsoft/ADBench, src/cpp/shared/gmm.h): the same
 * helpers and the same order of operations.
 *
 * Layout (all flat, row-major by component or point):
 * - alphas[k]: log mixture weights, unnormalised.
 * - means[k*d]: component means, `means[ik*d + id]`.
 * - icf[k*d(d+1)/2]: per component, the d log-diagonal entries q of the
 *   inverse-covariance factor Q, then its d(d-1)/2 strictly lower-triangular
 *   entries l, column by column.
 * - x[n*d]: data points, `x[ix*d + id]`.
 * - gamma, m: parameters of the Wishart prior (constants, not differentiated).
 */

/** log(sum_i exp(v[start + i])) for i < len, shifted by the maximum. */
function logsumexp(v: Float64Array, start: number, len: number): number {
  let mx = v[start];
  for (let i = 1; i < len; i++) {
    mx = Math.max(mx, v[start + i]);
  }
  let semx = 0;
  for (let i = 0; i < len; i++) {
    semx += Math.exp(v[start + i] - mx);
  }
  return Math.log(semx) + mx;
}

/** Sum of squares of v[start .. start + len). */
function sqnorm(v: Float64Array, start: number, len: number): number {
  let res = 0;
  for (let i = 0; i < len; i++) {
    res += v[start + i] * v[start + i];
  }
  return res;
}

/**
 * out = Q v (ADBench's `Qtimesx`), Q lower-triangular with diagonal
 * Qdiags[qStart .. qStart + d) and strictly lower part icf[lStart ..] packed
 * column by column.
 */
function qtimesx(
  d: number,
  Qdiags: Float64Array,
  qStart: number,
  icf: Float64Array,
  lStart: number,
  v: Float64Array,
  out: Float64Array,
): void {
  for (let i = 0; i < d; i++) {
    out[i] = Qdiags[qStart + i] * v[i];
  }
  let li = lStart;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      out[j] += icf[li] * v[i];
      li++;
    }
  }
}

/**
 * log Γ(z) for z >= 1, from Γ(z) = Γ(z + 8) / (z (z+1) ... (z+7)) and
 * Stirling's series for log Γ(z + 8), whose truncation error is below 3e-15
 * at z + 8 >= 9.
 */
export function logGamma(z: number): number {
  let prod = 1;
  for (let i = 0; i < 8; i++) {
    prod *= z + i;
  }
  // log Γ(w) = (w - 1/2) log w - w + log(2π)/2 + series, where series =
  //   1/(12w) - 1/(360w^3) + 1/(1260w^5) - 1/(1680w^7) + 1/(1188w^9)
  //   - 691/(360360w^11)
  const w = z + 8;
  const r = 1 / (w * w);
  let series = -691 / 360360;
  series = series * r + 1 / 1188;
  series = series * r - 1 / 1680;
  series = series * r + 1 / 1260;
  series = series * r - 1 / 360;
  series = series * r + 1 / 12;
  series = series / w;
  const stirling =
    (w - 0.5) * Math.log(w) - w + 0.5 * Math.log(2 * Math.PI) + series;
  return stirling - Math.log(prod);
}

/** log Γ_p(a), the multivariate gamma (ADBench's `log_gamma_distrib`). */
function logGammaDistrib(a: number, p: number): number {
  let out = 0.25 * p * (p - 1) * Math.log(Math.PI);
  for (let j = 1; j <= p; j++) {
    out += logGamma(a + 0.5 * (1 - j));
  }
  return out;
}

/**
 * The constant part of the Wishart log prior per component, C(d, gamma, m) =
 * n p (log gamma - log 2 / 2) - log Γ_p(n / 2) with p = d and n = d + m + 1.
 * It depends on no parameter; m >= 0 keeps every log Γ argument >= 1.
 */
export function wishartConstant(d: number, gamma: number, m: number): number {
  const n = d + m + 1;
  return (
    n * d * (Math.log(gamma) - 0.5 * Math.log(2)) - logGammaDistrib(0.5 * n, d)
  );
}

/**
 * ADBench's `log_wishart_prior` without its constant:
 * sum_k (0.5 gamma^2 (||Qdiag_k||^2 + ||l_k||^2) - m sum(q_k)).
 */
function logWishartPrior(
  d: number,
  k: number,
  gamma: number,
  m: number,
  sumQs: Float64Array,
  Qdiags: Float64Array,
  icf: Float64Array,
): number {
  const icfSize = (d * (d + 1)) / 2;
  let out = 0;
  for (let ik = 0; ik < k; ik++) {
    const frobenius =
      sqnorm(Qdiags, ik * d, d) + sqnorm(icf, ik * icfSize + d, icfSize - d);
    out += 0.5 * gamma * gamma * frobenius - m * sumQs[ik];
  }
  return out;
}

/**
 * The GMM log-likelihood plus log Wishart prior (ADBench's `gmm_objective`):
 *   sum_i logsumexp_k(alphas[k] + sum(q_k) - 0.5 ||Q_k (x_i - mu_k)||^2)
 *   - n logsumexp(alphas) + prior - k C(d, gamma, m) - n d log(2 pi) / 2.
 */
export function gmmObjective(
  alphas: Float64Array,
  means: Float64Array,
  icf: Float64Array,
  x: Float64Array,
  d: number,
  k: number,
  n: number,
  gamma: number,
  m: number,
): number {
  const icfSize = (d * (d + 1)) / 2;

  // preprocess_qs: the diagonal of each Q is exp(q); sum(q) is log det Q.
  const Qdiags = new Float64Array(k * d);
  const sumQs = new Float64Array(k);
  for (let ik = 0; ik < k; ik++) {
    for (let id = 0; id < d; id++) {
      const q = icf[ik * icfSize + id];
      sumQs[ik] += q;
      Qdiags[ik * d + id] = Math.exp(q);
    }
  }

  // Work arrays, overwritten for every point and component as in ADBench.
  const xcentered = new Float64Array(d);
  const Qxcentered = new Float64Array(d);
  const mainTerm = new Float64Array(k);

  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    for (let ik = 0; ik < k; ik++) {
      for (let id = 0; id < d; id++) {
        xcentered[id] = x[ix * d + id] - means[ik * d + id];
      }
      qtimesx(d, Qdiags, ik * d, icf, ik * icfSize + d, xcentered, Qxcentered);
      mainTerm[ik] = alphas[ik] + sumQs[ik] - 0.5 * sqnorm(Qxcentered, 0, d);
    }
    slse += logsumexp(mainTerm, 0, k);
  }

  const constant = -n * d * 0.5 * Math.log(2 * Math.PI);
  const lseAlphas = logsumexp(alphas, 0, k);
  const prior =
    logWishartPrior(d, k, gamma, m, sumQs, Qdiags, icf) -
    k * wishartConstant(d, gamma, m);
  return constant + slse - n * lseAlphas + prior;
}
