/**
 * The ADBench GMM objective on `1k_gmm_d2_K5`, `1k_gmm_d10_K5`, `1k_gmm_d10_K25` and `1k_gmm_d20_K50`:
 * the hook for examples/gmm.
 *
 * It needs, in examples/gmm/:
 * - `gmm.ts`: `export function gmmObjective(alphas, means, icf, x, d, k, n, gamma, m): number`
 *   over Float64Arrays (the adgen input, differentiated with respect to alphas, means, icf);
 * - `load.ts`: `export function loadGmm(path): { d, k, n, alphas, means, icf, x, gamma, m }`;
 * - optionally `gmm-grad-manual.ts`: `export function gmmObjectiveGrad(...same arguments)`
 *   returning `{ value, grad: { alphas, means, icf } }`, the hand-written gradient.
 * and the data in examples/gmm/data/. Whatever is missing turns the case into a
 * skipped row with the reason; a module that is there but does not compile with adgen yet
 * gives a row without the adgen columns.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { rng, uniform } from "../rng.js";
import type { BenchCase, Gradient, Primal, SkippedCase } from "./types.js";

interface GmmInstance {
  d: number;
  k: number;
  n: number;
  alphas: Float64Array;
  means: Float64Array;
  icf: Float64Array;
  x: Float64Array;
  gamma: number;
  m: number;
}

const INSTANCES = ["1k_gmm_d2_K5", "1k_gmm_d10_K5", "1k_gmm_d10_K25", "1k_gmm_d20_K50"];

export async function gmmCases(root: string): Promise<(BenchCase | SkippedCase)[]> {
  const dir = join(root, "examples", "gmm");
  const dataDir = join(dir, "data");
  const names = INSTANCES.map((file) => ({ name: `gmm-${file.replace("1k_gmm_", "").replace("_", "-")}`, file }));
  const skip = (why: string) => names.map(({ name, file }) => ({ name, title: `ADBench GMM ${file}`, skipped: why }));

  const objective = join(dir, "gmm.ts");
  const loader = join(dir, "load.ts");
  const manual = join(dir, "gmm-grad-manual.ts");
  if (!existsSync(objective) || !existsSync(loader)) return skip("examples/gmm/gmm.ts and load.ts not present yet");
  if (!existsSync(dataDir)) return skip(`data not found at ${dataDir}`);

  let gmmObjective: Primal | undefined;
  let gmmObjectiveGrad: Gradient | undefined;
  let loadGmm: ((path: string) => GmmInstance) | undefined;
  try {
    ({ gmmObjective } = (await import(pathToFileURL(objective).href)) as { gmmObjective?: Primal });
    ({ loadGmm } = (await import(pathToFileURL(loader).href)) as { loadGmm?: (path: string) => GmmInstance });
    if (existsSync(manual))
      ({ gmmObjectiveGrad } = (await import(pathToFileURL(manual).href)) as { gmmObjectiveGrad?: Gradient });
  } catch (e) {
    return skip(`examples/gmm does not load: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!gmmObjective || !loadGmm) return skip("examples/gmm does not export gmmObjective and loadGmm");
  const source = readFileSync(objective, "utf8");

  return names.map(({ name, file }): BenchCase | SkippedCase => {
    const path = join(dataDir, `${file}.txt`);
    if (!existsSync(path)) return { name, title: `ADBench GMM ${file}`, skipped: `${path} not found` };
    const data = loadGmm!(path);
    const parameters = data.k + data.k * data.d + (data.k * data.d * (data.d + 1)) / 2;
    const args = (a: Float64Array, mu: Float64Array, q: Float64Array) => [
      a,
      mu,
      q,
      data.x,
      data.d,
      data.k,
      data.n,
      data.gamma,
      data.m,
    ];
    return {
      name,
      title: `ADBench GMM objective on ${file} (d=${data.d}, K=${data.k}, n=${data.n}), ${parameters} parameters`,
      fileName: "examples/gmm/gmm.ts",
      source,
      fn: "gmmObjective",
      wrt: ["alphas", "means", "icf"],
      f: gmmObjective!,
      ...(gmmObjectiveGrad ? { hand: gmmObjectiveGrad } : {}),
      // Four nearby parameter sets (the data points stay), so no call sees the same input twice in a row.
      inputs: () => {
        const random = rng(7);
        const jitter = (v: Float64Array) => v.map((x) => x + uniform(random, -0.05, 0.05));
        return Array.from({ length: 4 }, () => args(jitter(data.alphas), jitter(data.means), jitter(data.icf)));
      },
      entries: (a) =>
        [0, 1, 2].flatMap((arg) => Array.from((a[arg] as Float64Array).keys(), (i): [number, number] => [arg, i])),
      // Above a thousand parameters finite differences (2n + 1 objective calls) would take minutes:
      // the check samples 400 entries, and the FD peer is not timed.
      ...(parameters > 1000 ? { fdSample: 400 } : {}),
      skipPeers: {
        tfjs: "array case",
        mathjs: "array case",
        ...(parameters > 1000 ? { fd: `${parameters} parameters: 2n + 1 objective calls` } : {}),
      },
    };
  });
}
