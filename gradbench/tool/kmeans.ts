/**
 * kmeans: the cost, and the Newton direction J H⁻¹ of its gradient J and Hessian H with respect to
 * the centroids. H is diagonal (each point's term is a sum of squares of single coordinates of its
 * closest centroid), so H times the all-ones vector is its diagonal: one Hessian-vector product by
 * adgen's `cost_hvp` gives both the gradient and the diagonal.
 */
import { cost } from "./model/kmeans.js";
import { cost_hvp } from "./model/kmeans.grad.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  points: number[][];
  centroids: number[][];
}

const flat = (rows: number[][]) => Float64Array.from(rows.flat());

export const cost_ = multipleRuns(({ points, centroids }: Input) => {
  const d = points[0]!.length;
  const [p, c] = [flat(points), flat(centroids)];
  return () => cost(p, c, d);
});
export { cost_ as cost };

export const dir = multipleRuns(
  ({ points, centroids }: Input) => {
    const d = points[0]!.length;
    const [p, c] = [flat(points), flat(centroids)];
    const ones = new Float64Array(c.length).fill(1);
    return () => {
      const { grad, hvp } = cost_hvp(p, c, d, { centroids: ones });
      const dir = new Float64Array(c.length);
      for (let i = 0; i < c.length; i++)
        dir[i] = grad.centroids[i]! / hvp.centroids[i]!;
      return { dir, d };
    };
  },
  ({ dir, d }) =>
    Array.from({ length: dir.length / d }, (_, j) =>
      Array.from(dir.subarray(j * d, (j + 1) * d)),
    ),
);
