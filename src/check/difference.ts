/**
 * Derivatives by finite differences, and whether they can be trusted: central differences at
 * steps s, s/2 and s/4, Richardson-extrapolated (error O(s^4)), with two tests that a smooth
 * function passes and a kink or a jump within reach of the stencil fails:
 *
 * - Richardson's premise: the central differences' errors shrink like s^2, so the change from
 *   s to s/2 is about 4 times the change from s/2 to s/4. Near a kink or a jump it is not (at a
 *   jump in f'' the error is linear: a factor 2).
 * - One-sided slopes: for a smooth function the forward and backward differences at step t
 *   differ by about f''·t, halving with t. At a kink they differ by the jump in slope at every
 *   step (`|x|` at 0: 1 and -1), and near a jump the difference grows.
 *
 * Either failing means the point is next to a branch boundary: the estimate is not an estimate of
 * the derivative adgen computes (which takes one side), so the point is skipped, not judged.
 */

/** What the differences say about φ'(0). */
export type Estimate =
  | { kind: "ok"; value: number; /** How far off the estimate may be from rounding alone. */ noise: number }
  /** A kink or a jump within the stencil: no estimate. */
  | { kind: "kink" }
  /** φ is not finite (or throws) somewhere within the stencil: no estimate. */
  | { kind: "not finite" }
  /** The differences do not settle down at any step tried (φ curves too fast): no estimate. */
  | { kind: "unsettled" };

/** Rounding in one evaluation, relative to its size, as far as a kink is concerned: generous, for functions of many operations. */
const ROUNDING = 200 * Number.EPSILON;

/**
 * φ'(0) for φ: ℝ → ℝ (the function along one coordinate or direction) from outer step `s`;
 * `tolerance` is the relative accuracy the caller will judge with (differences below a tenth of
 * it are not taken as evidence of a kink). Where the differences at `s` see a kink or have not
 * settled (a function curving fast at this scale), smaller steps are tried: a kink that is near
 * but not at the point drops out of the stencil, one at the point stays.
 */
export function derivative(phi: (t: number) => number, s: number, tolerance: number): Estimate {
  let last: Estimate = { kind: "unsettled" };
  for (let k = 0; k < ATTEMPTS; k++) {
    const e = attempt(phi, s / 4 ** k, tolerance);
    if (e.kind === "not finite") return e;
    if (e.kind !== "ok") {
      last = e;
      continue;
    }
    // Confirmed at a much smaller step: a staircase of jumps finer than the stencil (a loop
    // whose trip count changes every 1e-5) looks smooth at one scale, not at two.
    const finer = attempt(phi, s / 4 ** k / CONFIRM, tolerance);
    if (finer.kind !== "ok") return finer.kind === "not finite" ? e : finer;
    const allowed = tolerance * (1 + Math.max(Math.abs(e.value), Math.abs(finer.value))) + finer.noise;
    return Math.abs(e.value - finer.value) <= allowed ? e : { kind: "unsettled" };
  }
  return last;
}

/** How much smaller the step that confirms an estimate is. */
const CONFIRM = 64;

/** Steps tried: s, s/4, s/16, s/64. */
const ATTEMPTS = 4;

function attempt(phi: (t: number) => number, s: number, tolerance: number): Estimate {
  const steps = [s, s / 2, s / 4];
  let f0: number;
  const plus: number[] = [];
  const minus: number[] = [];
  try {
    f0 = phi(0);
    for (const t of steps) {
      plus.push(phi(t));
      minus.push(phi(-t));
    }
  } catch {
    return { kind: "not finite" };
  }
  if (![f0, ...plus, ...minus].every(Number.isFinite)) return { kind: "not finite" };

  const central = steps.map((t, i) => (plus[i]! - minus[i]!) / (2 * t));
  const [c1, c2, c4] = central as [number, number, number];
  const scale = Math.max(Math.abs(f0), ...plus.map(Math.abs), ...minus.map(Math.abs));
  // Rounding in a central difference at the finest step, and the level below which a
  // difference between estimates says nothing.
  const noise = (ROUNDING * scale) / steps[2]!;
  const floor = 0.1 * tolerance * (1 + Math.abs(c4)) + noise;

  const e1 = c1 - c2;
  const e2 = c2 - c4;
  if (Math.abs(e2) > floor) {
    const ratio = e1 / e2;
    if (!(ratio >= 3 && ratio <= 6)) return { kind: "kink" };
  }
  // Forward minus backward slope at steps s/2 and s/4.
  const oneSided = (i: number) => (plus[i]! - 2 * f0 + minus[i]!) / steps[i]!;
  const d2 = oneSided(1);
  const d4 = oneSided(2);
  if (Math.abs(d4) > floor && Math.abs(d4) > 0.75 * Math.abs(d2)) return { kind: "kink" };

  // Richardson from (s, s/2) and from (s/2, s/4): their errors shrink like s^4, so the finer
  // one is off by about a fifteenth of their difference.
  const coarse = (4 * c2 - c1) / 3;
  const fine = (4 * c4 - c2) / 3;
  if (Math.abs(coarse - fine) / 15 > floor) return { kind: "unsettled" };
  // A few units of rounding in each evaluation, amplified by the differences.
  return { kind: "ok", value: fine, noise: (8 * Number.EPSILON * scale) / steps[2]! };
}
