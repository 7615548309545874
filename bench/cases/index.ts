/**
 * The benchmark's cases, in table order. A case whose module is absent comes back as a
 * SkippedCase (a row that says why), so the list can name cases before they exist.
 */
import { gmmCases } from "./gmm.js";
import { mlpCase } from "./mlp/case.js";
import { mlpMnistCases } from "./mlp-mnist/case.js";
import { neuronCase } from "./neuron/case.js";
import { pendulumCase } from "./pendulum/case.js";
import { projectileCase } from "./projectile/case.js";
import { randomCase } from "./random.js";
import type { BenchCase, SkippedCase } from "./types.js";

export type { BenchCase, SkippedCase } from "./types.js";

/**
 * Sizes of the random straight-line programs: the 100, 1,000 and 10,000, and 2,000,
 * which sits between the sizes at which V8 stops optimising f_grad (about 1,200 operations)
 * and f itself (about 3,500): see bench/FINDINGS.md.
 */
export const RANDOM_SIZES = [100, 1000, 2000, 10000];
/**
 * Sizes run only when named (`--only random-100k`): compiling them takes minutes (and forward
 * mode and HVP as many again), too long for the full run. 100,000 operations is where f_grad
 * overflowed the stack before large functions were split (bench/FINDINGS.md).
 */
export const LARGE_RANDOM_SIZES = [100000];

/** `only`: the cases asked for by name, which may include LARGE_RANDOM_SIZES. */
export async function loadCases(root: string, genDir: string, only?: string[]): Promise<(BenchCase | SkippedCase)[]> {
  const random = [];
  for (const ops of RANDOM_SIZES) random.push(await randomCase(ops, genDir));
  for (const ops of LARGE_RANDOM_SIZES)
    if (only?.includes(`random-${ops / 1000}k`)) random.push(await randomCase(ops, genDir));
  return [neuronCase, mlpCase, pendulumCase, projectileCase, ...random, ...(await gmmCases(root)), ...mlpMnistCases];
}

export const isSkipped = (c: BenchCase | SkippedCase): c is SkippedCase => "skipped" in c;
