/**
 * Times the GMM objective and the manual gradient on ADBench's 1k instances.
 * Node 20 cannot run TypeScript, so compile first; from the repository root:
 *   npx tsc -p examples/gmm/tsconfig.json --noEmit false --outDir /tmp/gmm
 *   node /tmp/gmm/time.js [data folder]
 * The data folder defaults to examples/gmm/data (the instances committed with
 * the project) from the working directory; pass ADBench's data/gmm/1k folder to
 * time the larger ones too. Every 1k_gmm_*.txt file in it is timed.
 */
import { readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { gmmObjectiveGrad } from "./gmm-grad-manual.js";
import { gmmObjective } from "./gmm.js";
import { loadGmm } from "./load.js";

const dataDir = process.argv[2] ?? resolve(process.cwd(), "examples/gmm/data");
/** The 1k instances in the folder, smallest first. */
const files = readdirSync(dataDir)
  .filter((f) => /^1k_gmm_.*\.txt$/.test(f))
  .sort(
    (a, b) =>
      statSync(resolve(dataDir, a)).size - statSync(resolve(dataDir, b)).size,
  );

let sink = 0; // results feed this so no call is optimised away

/** Calls per batch so that one batch of `run` takes at least ~50 ms. */
function batchSize(run: () => number): number {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) sink += run();
    if (performance.now() - t0 >= 50) return reps;
    reps *= 2;
  }
}

/**
 * Best ms per call of each function: batches of the two alternate, so that a
 * change in machine load hits both, and the fastest of 15 batches counts.
 */
function timePair(a: () => number, b: () => number): [number, number] {
  const repsA = batchSize(a);
  const repsB = batchSize(b);
  let bestA = Infinity;
  let bestB = Infinity;
  for (let round = 0; round < 15; round++) {
    let t0 = performance.now();
    for (let r = 0; r < repsA; r++) sink += a();
    bestA = Math.min(bestA, (performance.now() - t0) / repsA);
    t0 = performance.now();
    for (let r = 0; r < repsB; r++) sink += b();
    bestB = Math.min(bestB, (performance.now() - t0) / repsB);
  }
  return [bestA, bestB];
}

console.log(
  "| instance | parameters | objective (ms) | manual gradient (ms) | ratio |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const file of files) {
  const g = loadGmm(resolve(dataDir, file));
  const args = [
    g.alphas,
    g.means,
    g.icf,
    g.x,
    g.d,
    g.k,
    g.n,
    g.gamma,
    g.m,
  ] as const;
  const [objective, gradient] = timePair(
    () => gmmObjective(...args),
    () => gmmObjectiveGrad(...args).value,
  );
  const params = g.alphas.length + g.means.length + g.icf.length;
  const name = file.replace(/\.txt$/, "");
  const cells = [
    name,
    params,
    objective.toFixed(3),
    gradient.toFixed(3),
    (gradient / objective).toFixed(2),
  ];
  console.log(`| ${cells.join(" | ")} |`);
}
if (Number.isNaN(sink)) console.log("(NaN result)");
