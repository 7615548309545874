/**
 * adgen differentiates the ADBench GMM objective (examples/gmm/gmm.ts) as written. The
 * generated gradient is committed as examples/gmm/gmm.grad.ts (a snapshot: regenerate with
 * `npx vitest run -u test/gmm-adgen.test.ts`), and checked against ADBench's reference gradient
 * on test.txt and against finite differences on the 1k instances.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadGmm } from "../examples/gmm/load.js";
import { compile } from "../src/index.js";
import { root } from "./support/fixtures.js";
import { close, finiteDifference } from "./support/numeric.js";

const dataDir = fileURLToPath(new URL("../examples/gmm/data/", import.meta.url));
const load = (file: string) => loadGmm(join(dataDir, file));

type Args = [Float64Array, Float64Array, Float64Array, Float64Array, number, number, number, number, number];
interface Generated {
  gmmObjective_grad: (...args: Args) => {
    value: number;
    grad: { alphas: Float64Array; means: Float64Array; icf: Float64Array };
  };
}
const source = join(root, "examples/gmm/gmm.ts");
const generatedPath = join(root, "examples/gmm/gmm.grad.ts");
const gmm = async () => ((await import(source)) as { gmmObjective: (...args: Args) => number }).gmmObjective;
const generated = async () => (await import(generatedPath)) as Generated;
const args = (g: ReturnType<typeof load>): Args => [g.alphas, g.means, g.icf, g.x, g.d, g.k, g.n, g.gamma, g.m];

/** ADBench's reference gradient on test.txt, in the order alphas, means, icf. */
const reference = [
  1.08662855508652456e-1, -7.41270039523898472e-1, 6.32607184015246071e-1, 1.11692576532787013, 1.63333013551455269e-1,
  -2.19989824071193142e-2, 2.27778292254236098e-1, 1.20963025612832187, -6.06375920733956339e-2, 2.58529994051162237,
  1.12632694524213789e-1, 3.85744309849611777e-1, 7.35180573182305508e-2, 5.41836362715595232, -3.21494409677446469e-1,
  1.71892309775004937, 8.60091090790866875e-1, -9.94640930466322848e-1,
];

describe("GMM differentiated by adgen", () => {
  it("generates examples/gmm/gmm.grad.ts", async () => {
    const { code, diagnostics } = await compile(readFileSync(source, "utf8"), {
      fileName: "examples/gmm/gmm.ts",
      // As `adgen examples/gmm/gmm.ts -o examples/gmm/gmm.grad.ts` names it: relative to the output.
      header: "gmm.ts",
    });
    expect(diagnostics).toEqual([]);
    await expect(code).toMatchFileSnapshot(generatedPath);
  });

  it("matches ADBench's objective and reference gradient on test.txt", async () => {
    const g = load("test.txt");
    const { value, grad } = (await generated()).gmmObjective_grad(...args(g));
    expect(Math.abs(value - 8.07380408004975791)).toBeLessThan(1e-8);
    expect(value).toBe((await gmm())(...args(g)));
    const flat = [...grad.alphas, ...grad.means, ...grad.icf];
    expect(flat).toHaveLength(18);
    flat.forEach((v, i) => expect(Math.abs(v - reference[i]!), `gradient[${i}]`).toBeLessThan(1e-8));
  });

  it.each([
    ["1k_gmm_d2_K5.txt", 1],
    ["1k_gmm_d10_K5.txt", 7],
  ])("agrees with finite differences on %s (every %i-th parameter)", async (file, stride) => {
    const g = load(file);
    const f = await gmm();
    const { grad } = (await generated()).gmmObjective_grad(...args(g));
    for (const [name, ad] of [
      ["alphas", grad.alphas],
      ["means", grad.means],
      ["icf", grad.icf],
    ] as const) {
      const x = g[name];
      for (let i = 0; i < x.length; i += stride) {
        const fd = finiteDifference(
          ([v]) => {
            const saved = x[i]!;
            x[i] = v!;
            const y = f(...args(g));
            x[i] = saved;
            return y;
          },
          [x[i]!],
          0,
          1e-4,
        );
        expect(close(ad[i]!, fd, 1e-5), `${file} ∂/∂${name}[${i}]: adgen ${ad[i]}, finite differences ${fd}`).toBe(
          true,
        );
      }
    }
  });
});
