/**
 * Central finite differences: 2 evaluations of f per differentiated entry, plus one for the
 * value, with the step h = ∛ε · max(1, |x|) that balances truncation and rounding error.
 */
import type { BenchCase } from "../cases/types.js";
import type { Peer, PeerGradient } from "./types.js";

const H = Math.cbrt(Number.EPSILON);

/** Positions of the differentiated entries: [argument, element] (element -1 for a number). */
export function differentiatedEntries(c: BenchCase, args: unknown[]): [number, number][] {
  if (c.entries) return c.entries(args);
  const names = c.params!.map((p) => p.name);
  const wrt = c.wrt ?? names;
  return wrt.map((w) => [names.indexOf(w), -1]);
}

export function centralDifferences(c: BenchCase, args: unknown[]): PeerGradient {
  const f = c.f;
  const xs = args.slice();
  const grad: number[] = [];
  const value = f(...xs);
  for (const [arg, el] of differentiatedEntries(c, args)) {
    if (el < 0) {
      const x = xs[arg] as number;
      const h = H * Math.max(1, Math.abs(x));
      xs[arg] = x + h;
      const up = f(...xs);
      xs[arg] = x - h;
      const down = f(...xs);
      xs[arg] = x;
      grad.push((up - down) / (2 * h));
    } else {
      // Perturbed in place and restored exactly, so the input pool is left as it was.
      const v = xs[arg] as Float64Array;
      const x = v[el]!;
      const h = H * Math.max(1, Math.abs(x));
      v[el] = x + h;
      const up = f(...xs);
      v[el] = x - h;
      const down = f(...xs);
      v[el] = x;
      grad.push((up - down) / (2 * h));
    }
  }
  return { value, grad };
}

export const finiteDifferences: Peer = {
  name: "fd",
  description: "central finite differences, 2n + 1 evaluations of f for n parameters",
  prepare(c) {
    return Promise.resolve({
      setupMs: 0,
      gradient: (args) => centralDifferences(c, args),
      sum: (args) => {
        const { value, grad } = centralDifferences(c, args);
        let s = value;
        for (const g of grad) s += g;
        return s;
      },
    });
  },
};
