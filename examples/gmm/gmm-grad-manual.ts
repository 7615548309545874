/**
 * Hand-written reverse-mode gradient of `gmmObjective` (./gmm.ts), in the
 * manner of ADBench's "Manual" C++ gradient (src/cpp/modules/manual/gmm_d.cpp):
 * per point, a forward sweep over the components that keeps what the backward
 * step needs, then the adjoint of logsumexp (the softmax weights) scattered
 * into the gradients. Work arrays are allocated once per call. It is the
 * baseline that adgen's generated gradient is timed against.
 */
import { wishartConstant } from "./gmm.js";

export interface GmmGradient {
  /** The objective, equal to `gmmObjective` on the same arguments. */
  value: number;
  /** Its gradient with respect to each parameter array, in the same layout. */
  grad: { alphas: Float64Array; means: Float64Array; icf: Float64Array };
}

export function gmmObjectiveGrad(
  alphas: Float64Array,
  means: Float64Array,
  icf: Float64Array,
  x: Float64Array,
  d: number,
  k: number,
  n: number,
  gamma: number,
  m: number,
): GmmGradient {
  const icfSize = (d * (d + 1)) / 2;
  const gradAlphas = new Float64Array(k);
  const gradMeans = new Float64Array(k * d);
  const gradIcf = new Float64Array(k * icfSize);

  const Qdiags = new Float64Array(k * d);
  const sumQs = new Float64Array(k);
  for (let ik = 0; ik < k; ik++) {
    for (let id = 0; id < d; id++) {
      const q = icf[ik * icfSize + id];
      sumQs[ik] += q;
      Qdiags[ik * d + id] = Math.exp(q);
    }
  }

  // Per point: x - mu_k and Q_k (x - mu_k) for every component k.
  const xcentered = new Float64Array(k * d);
  const Qxcentered = new Float64Array(k * d);
  const mainTerm = new Float64Array(k);

  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    const xOff = ix * d;
    let mx = -Infinity;
    for (let ik = 0; ik < k; ik++) {
      const off = ik * d;
      const lOff = ik * icfSize + d;
      for (let i = 0; i < d; i++) {
        const c = x[xOff + i] - means[off + i];
        xcentered[off + i] = c;
        Qxcentered[off + i] = Qdiags[off + i] * c;
      }
      let li = lOff;
      for (let i = 0; i < d; i++) {
        const c = xcentered[off + i];
        for (let j = i + 1; j < d; j++) {
          Qxcentered[off + j] += icf[li] * c;
          li++;
        }
      }
      let sq = 0;
      for (let i = 0; i < d; i++)
        sq += Qxcentered[off + i] * Qxcentered[off + i];
      const t = alphas[ik] + sumQs[ik] - 0.5 * sq;
      mainTerm[ik] = t;
      if (t > mx) mx = t;
    }

    // logsumexp over components; its adjoints are the softmax weights.
    let semx = 0;
    for (let ik = 0; ik < k; ik++) {
      const e = Math.exp(mainTerm[ik] - mx);
      mainTerm[ik] = e;
      semx += e;
    }
    slse += Math.log(semx) + mx;

    for (let ik = 0; ik < k; ik++) {
      const w = mainTerm[ik] / semx;
      if (w === 0) continue;
      const off = ik * d;
      const icfOff = ik * icfSize;
      gradAlphas[ik] += w;
      // With c = x - mu: d/dq_i = 1 - Qdiag_i c_i (Q c)_i and d/dmu = Q^T Q c.
      for (let i = 0; i < d; i++) {
        const qc = Qxcentered[off + i];
        gradIcf[icfOff + i] +=
          w * (1 - Qdiags[off + i] * xcentered[off + i] * qc);
        gradMeans[off + i] += w * Qdiags[off + i] * qc;
      }
      // Entry l at row j, column i: d/dl = -c_i (Q c)_j; d/dmu_i += l (Q c)_j.
      let li = icfOff + d;
      for (let i = 0; i < d; i++) {
        const c = xcentered[off + i];
        let back = 0;
        for (let j = i + 1; j < d; j++) {
          const qc = Qxcentered[off + j];
          gradIcf[li] -= w * c * qc;
          back += icf[li] * qc;
          li++;
        }
        gradMeans[off + i] += w * back;
      }
    }
  }

  // -n logsumexp(alphas): adjoint -n softmax(alphas).
  let amx = -Infinity;
  for (let ik = 0; ik < k; ik++) if (alphas[ik] > amx) amx = alphas[ik];
  let asum = 0;
  for (let ik = 0; ik < k; ik++) asum += Math.exp(alphas[ik] - amx);
  const lseAlphas = Math.log(asum) + amx;
  for (let ik = 0; ik < k; ik++)
    gradAlphas[ik] -= (n * Math.exp(alphas[ik] - amx)) / asum;

  // Wishart prior, per component: 0.5 gamma^2 (|exp(q)|^2 + |l|^2) - m sum q.
  const g2 = gamma * gamma;
  let frobenius = 0;
  let sumAllQs = 0;
  for (let ik = 0; ik < k; ik++) {
    const icfOff = ik * icfSize;
    sumAllQs += sumQs[ik];
    for (let i = 0; i < d; i++) {
      const qd = Qdiags[ik * d + i];
      frobenius += qd * qd;
      gradIcf[icfOff + i] += g2 * qd * qd - m;
    }
    for (let i = d; i < icfSize; i++) {
      const l = icf[icfOff + i];
      frobenius += l * l;
      gradIcf[icfOff + i] += g2 * l;
    }
  }
  const prior =
    0.5 * g2 * frobenius - m * sumAllQs - k * wishartConstant(d, gamma, m);

  const constant = -n * d * 0.5 * Math.log(2 * Math.PI);
  return {
    value: constant + slse - n * lseAlphas + prior,
    grad: { alphas: gradAlphas, means: gradMeans, icf: gradIcf },
  };
}
