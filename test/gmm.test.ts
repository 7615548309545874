/**
 * The ADBench GMM example (examples/gmm): the objective against ADBench's reference value,
 * the hand-written gradient against ADBench's reference gradient and finite differences.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadGmm, type GmmInstance } from "../examples/gmm/load.js";
import { close, finiteDifference } from "./support/numeric.js";

// The instances the tests read are committed in examples/gmm/data (ADBench's files, MIT).
const dataDir = fileURLToPath(new URL("../examples/gmm/data/", import.meta.url));
const load = (file: string) => loadGmm(join(dataDir, file));

// gmm.ts and gmm-grad-manual.ts are written as plain input for adgen (Float64Array reads
// typed as number), so they are imported by a computed specifier: that keeps them out of
// the project's `noUncheckedIndexedAccess` type-check. examples/gmm/tsconfig.json checks them.
type Objective = (
  alphas: Float64Array,
  means: Float64Array,
  icf: Float64Array,
  x: Float64Array,
  d: number,
  k: number,
  n: number,
  gamma: number,
  m: number,
) => number;
interface GmmModule {
  gmmObjective: Objective;
  logGamma: (z: number) => number;
}
interface ManualModule {
  gmmObjectiveGrad: (...args: Parameters<Objective>) => {
    value: number;
    grad: { alphas: Float64Array; means: Float64Array; icf: Float64Array };
  };
}
const examples = "../examples/gmm/";
const { gmmObjective, logGamma } = (await import(`${examples}gmm.js`)) as GmmModule;
const { gmmObjectiveGrad } = (await import(`${examples}gmm-grad-manual.js`)) as ManualModule;

// ADBench's reference values for test.txt (see the data folder's README.md).
const referenceObjective = 8.07380408004975791;
const referenceGradient = [
  1.08662855508652456e-1, -7.41270039523898472e-1, 6.32607184015246071e-1, 1.11692576532787013, 1.63333013551455269e-1,
  -2.19989824071193142e-2, 2.27778292254236098e-1, 1.20963025612832187, -6.06375920733956339e-2, 2.58529994051162237,
  1.12632694524213789e-1, 3.85744309849611777e-1, 7.35180573182305508e-2, 5.41836362715595232, -3.21494409677446469e-1,
  1.71892309775004937, 8.60091090790866875e-1, -9.94640930466322848e-1,
];

const objective = (g: GmmInstance) => gmmObjective(g.alphas, g.means, g.icf, g.x, g.d, g.k, g.n, g.gamma, g.m);
const manual = (g: GmmInstance) => gmmObjectiveGrad(g.alphas, g.means, g.icf, g.x, g.d, g.k, g.n, g.gamma, g.m);

/** All parameters in ADBench's order: alphas, means, icf. */
const pack = (g: GmmInstance) => [...g.alphas, ...g.means, ...g.icf];
/** The objective as a function of the packed parameters, the rest of g held fixed. */
const objectiveOf =
  (g: GmmInstance) =>
  (ps: number[]): number => {
    const a = g.k;
    const b = a + g.k * g.d;
    const p = Float64Array.from(ps);
    return gmmObjective(p.subarray(0, a), p.subarray(a, b), p.subarray(b), g.x, g.d, g.k, g.n, g.gamma, g.m);
  };

/** Compares the manual gradient with central differences at the given parameter indices. */
function checkAgainstFiniteDifferences(g: GmmInstance, indices: number[]): void {
  const { value, grad } = manual(g);
  expect(close(value, objective(g), 1e-12)).toBe(true);
  const analytic = [...grad.alphas, ...grad.means, ...grad.icf];
  const f = objectiveOf(g);
  const ps = pack(g);
  for (const i of indices) {
    const numeric = finiteDifference(f, ps, i, 1e-3);
    const a = analytic[i]!;
    expect(close(a, numeric, 1e-6), `parameter ${i}: manual ${a}, finite differences ${numeric}`).toBe(true);
  }
}

describe("loadGmm", () => {
  it("reads every committed instance with the sizes its header announces", () => {
    const sizes: [string, number, number, number][] = [
      ["test.txt", 2, 3, 1],
      ["1k_gmm_d2_K5.txt", 2, 5, 1000],
      ["1k_gmm_d10_K5.txt", 10, 5, 1000],
    ];
    for (const [file, d, k, n] of sizes) {
      const g = load(file);
      expect([g.d, g.k, g.n]).toEqual([d, k, n]);
      expect([g.alphas.length, g.means.length, g.icf.length, g.x.length]).toEqual([
        k,
        k * d,
        (k * d * (d + 1)) / 2,
        n * d,
      ]);
      expect([g.gamma, g.m]).toEqual([1, 0]);
    }
  });

  it("replicates a single point row when n > 1 (ADBench's replicate-point form)", () => {
    const file = join(mkdtempSync(join(tmpdir(), "adgen-gmm-")), "replicated.txt");
    writeFileSync(file, "1 2 3\n0.5\n-0.5\n1\n2\n0.1\n0.2\n7\n1 0\n");
    const g = loadGmm(file);
    expect([...g.x]).toEqual([7, 7, 7]);
    expect([...g.icf]).toEqual([0.1, 0.2]);
  });
});

describe("gmmObjective", () => {
  it("log Γ matches known values", () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 13);
    expect(logGamma(7.5)).toBeCloseTo(Math.log((13 * 11 * 9 * 7 * 5 * 3 * Math.sqrt(Math.PI)) / 128), 13);
  });

  it("equals ADBench's reference on test.txt", () => {
    expect(Math.abs(objective(load("test.txt")) - referenceObjective)).toBeLessThan(1e-8);
  });
});

describe("gmmObjectiveGrad (manual)", () => {
  it("equals ADBench's reference value and gradient on test.txt", () => {
    const { value, grad } = manual(load("test.txt"));
    expect(Math.abs(value - referenceObjective)).toBeLessThan(1e-8);
    const flat = [...grad.alphas, ...grad.means, ...grad.icf];
    expect(flat).toHaveLength(referenceGradient.length);
    const errors = flat.map((g, i) => Math.abs(g - referenceGradient[i]!));
    expect(Math.max(...errors)).toBeLessThan(1e-8);
  });

  it("agrees with finite differences on 1k_gmm_d2_K5 (all 30 parameters)", () => {
    const g = load("1k_gmm_d2_K5.txt");
    checkAgainstFiniteDifferences(
      g,
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  it("agrees with finite differences on 1k_gmm_d10_K5 (every 3rd of 330 parameters)", () => {
    const g = load("1k_gmm_d10_K5.txt");
    checkAgainstFiniteDifferences(
      g,
      Array.from({ length: 110 }, (_, i) => i * 3),
    );
  });
});
