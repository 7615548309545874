/** Reader for ADBench's GMM instance files (microsoft/ADBench, data/gmm). */
import { readFileSync } from "node:fs";

export interface GmmInstance {
  /** Dimension of the data points. */
  d: number;
  /** Number of mixture components. */
  k: number;
  /** Number of data points. */
  n: number;
  /** k log mixture weights. */
  alphas: Float64Array;
  /** k*d means, component by component. */
  means: Float64Array;
  /**
   * k*d(d+1)/2 inverse covariance factors: per component, d log-diagonal
   * values, then d(d-1)/2 strictly lower-triangular values column by column.
   */
  icf: Float64Array;
  /** n*d points, point by point. */
  x: Float64Array;
  /** Wishart prior scale. */
  gamma: number;
  /** Wishart prior degrees of freedom beyond d + 1. */
  m: number;
}

/**
 * Parses `d k n`, k alphas, k means (d each), k icf rows (d(d+1)/2 each), the
 * points and a final `gamma m`. The points are n rows of d values; a file with
 * a single point row and n > 1 is ADBench's "replicate point" form, and that
 * point is repeated n times.
 */
export function loadGmm(path: string | URL): GmmInstance {
  const text = readFileSync(path, "utf8");
  const tokens = text.split(/\s+/).filter((t) => t !== "");
  let pos = 0;
  const next = (what: string): number => {
    const token = tokens[pos];
    if (token === undefined)
      throw new Error(`${String(path)}: file ends before ${what}`);
    const value = Number(token);
    if (!Number.isFinite(value))
      throw new Error(`${String(path)}: ${what} is not a number: "${token}"`);
    pos++;
    return value;
  };
  const read = (len: number, what: string): Float64Array => {
    const out = new Float64Array(len);
    for (let i = 0; i < len; i++) out[i] = next(what);
    return out;
  };

  const count = (what: string): number => {
    const value = next(what);
    if (Number.isInteger(value) && value >= 1) return value;
    throw new Error(`${String(path)}: ${what} must be a positive integer`);
  };

  const d = count("d");
  const k = count("k");
  const n = count("n");
  const alphas = read(k, "alphas");
  const means = read(k * d, "means");
  const icf = read((k * d * (d + 1)) / 2, "icf");

  // What is left: n points (or one point to replicate), then gamma and m.
  const pointRows = (tokens.length - pos - 2) / d;
  let x: Float64Array;
  if (pointRows === n) {
    x = read(n * d, "x");
  } else if (pointRows === 1) {
    const point = read(d, "x");
    x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) x.set(point, i * d);
  } else {
    throw new Error(
      `${String(path)}: expected ${n} point rows (or 1 to replicate) ` +
        `of ${d} values, found ${pointRows}`,
    );
  }
  const gamma = next("gamma");
  const m = next("m");
  return { d, k, n, alphas, means, icf, x, gamma, m };
}
