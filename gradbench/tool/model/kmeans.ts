/**
 * GradBench's kmeans (evals/kmeans): the cost Σᵢ minⱼ ‖Cⱼ - Pᵢ‖² of n points P and k centroids C
 * in d dimensions, each a row of a flat row-major array (adgen's forward mode, which the Hessian
 * needs, does not take arrays of arrays yet).
 */
import type { Data } from "adgen";

export function cost(
  points: Data<Float64Array>,
  centroids: Float64Array,
  d: number,
): number {
  const n = points.length / d;
  const k = centroids.length / d;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let closest = Infinity;
    for (let j = 0; j < k; j++) {
      let dist = 0;
      for (let e = 0; e < d; e++) {
        const diff = points[i * d + e] - centroids[j * d + e];
        dist += diff * diff;
      }
      closest = Math.min(closest, dist);
    }
    total += closest;
  }
  return total;
}
