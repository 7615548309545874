/** Seeded random points: the same seed checks the same points on every run and machine. */
import { mapLeaves } from "./values.js";

/** Mulberry32: a small seeded generator of numbers in [0, 1). */
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
 * A number in [lo, hi] with three decimals: short to print, and exactly what `--at` reads back,
 * so a reported point can be checked again by copying it.
 */
export function draw(random: () => number, [lo, hi]: readonly [number, number]): number {
  const v = Math.round((lo + (hi - lo) * random()) * 1000) / 1000;
  return v === 0 ? 0 : v; // never -0
}

/** A value of `like`'s shape and array kinds, every number drawn anew from `range`. */
export function randomLike<T>(like: T, random: () => number, range: readonly [number, number]): T {
  return mapLeaves(like, () => draw(random, range));
}
