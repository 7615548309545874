/** Numeric helpers for gradient checks: a seeded RNG and finite differences. */

/** Mulberry32: a small seeded generator, so every run checks the same points. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * ∂f/∂x_i by central differences with one Richardson step (error O(h^4)), which keeps
 * truncation error far below the tolerance for the smooth functions we check.
 */
export function finiteDifference(f: (xs: number[]) => number, xs: number[], i: number, h = 1e-3): number {
  const at = (d: number) => {
    const ys = xs.slice();
    ys[i]! += d;
    return f(ys);
  };
  const central = (s: number) => (at(s) - at(-s)) / (2 * s);
  const scale = h * Math.max(1, Math.abs(xs[i]!));
  return (4 * central(scale / 2) - central(scale)) / 3;
}

/** |a - b| within an absolute-plus-relative tolerance. */
export function close(a: number, b: number, tol = 1e-6): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return Math.abs(a - b) <= tol * (1 + Math.max(Math.abs(a), Math.abs(b)));
}
