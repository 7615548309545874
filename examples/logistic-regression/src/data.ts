/** Two Gaussian clouds of labelled points, from a seeded generator: every run sees the same data. */

export interface Point {
  x1: number;
  x2: number;
  label: number;
}

/** Mulberry32: a small seeded uniform generator. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeData(count: number, seed: number): Point[] {
  const random = uniform(seed);
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, (_, i) => {
    const label = i % 2;
    const [cx, cy] = label === 1 ? [1.5, 1] : [-1, -1.2];
    return { x1: cx + normal(), x2: cy + normal(), label };
  });
}
