/**
 * Finite differences on a sample of an array case's entries (`fdSample`): a case with 50,000
 * weights would need 100,000 evaluations of f for them all. The sample is spread evenly over
 * each differentiated argument, so every parameter (biases too) is checked.
 */
import type { BenchCase } from "./cases/types.js";
import { centralDifferences, differentiatedEntries } from "./peers/finite-differences.js";
import type { PeerGradient } from "./peers/types.js";

/** Positions in the flattened gradient (the order of `c.entries`) to check, about `count` of them. */
export function samplePositions(all: [number, number][], count: number): number[] {
  const byArgument = new Map<number, number[]>();
  all.forEach(([arg], p) => {
    const ps = byArgument.get(arg);
    if (ps) ps.push(p);
    else byArgument.set(arg, [p]);
  });
  const per = Math.max(1, Math.ceil(count / byArgument.size));
  const positions: number[] = [];
  for (const ps of byArgument.values()) {
    const step = Math.max(1, ps.length / per);
    for (let k = 0; k * step < ps.length; k++) positions.push(ps[Math.floor(k * step)]!);
  }
  return positions;
}

/**
 * Central differences at the sampled entries, and `reference` (a full flattened gradient)
 * restricted to the same entries, ready for the run's `difference`.
 */
export function sampledDifferences(
  c: BenchCase,
  args: unknown[],
  reference: PeerGradient,
): { fd: PeerGradient; reference: PeerGradient } {
  const all = differentiatedEntries(c, args);
  const positions = samplePositions(all, c.fdSample!);
  const fd = centralDifferences({ ...c, entries: () => positions.map((p) => all[p]!) }, args);
  return { fd, reference: { value: reference.value, grad: positions.map((p) => reference.grad[p]!) } };
}
