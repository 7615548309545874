/**
 * Issue 11 item 6: adgen's output is valid input, and differentiating `f_grad` gives the second
 * derivatives `f_hessian` gives.
 *
 * For every fixture whose functions return a number (where `--mode hessian` applies: a function
 * returning an array has none, ADG4010), `f_grad` and `f_hessian` are generated into one module.
 * adgen then reads that module back and differentiates
 *
 *     h(...params, unit) = Σ_k flat(f_grad(...params).grad)[k] · unit[k]
 *
 * with respect to `f`'s differentiated parameters (reverse over reverse): with `unit` the k-th
 * unit vector, `h_grad`'s gradient, flattened, is row k of the Hessian, and its value is the
 * k-th entry of the gradient. `f_hessian` computes the row another way (forward over reverse:
 * `f_hvp` along each unit vector). Both are exact, so they must agree to rounding (1e-10
 * relative), far closer than finite differences can tell (test/nested.test.ts checks the
 * re-differentiated `f_grad`s of functions of numbers against differences at 1e-5). Parameters
 * may be numbers, arrays, matrices, records, tuples, arrays of records and class instances.
 *
 * A fixture adgen refuses to read back must be listed in `REFUSED` with its diagnostic and the
 * reason, so a change in what is covered shows.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CompileResult } from "../src/index.js";
import { compileSync } from "../src/index.js";
import { passingFixtures, root } from "./support/fixtures.js";
import { rng } from "./support/numeric.js";
import { copy, flatten, samplePoint, type Value } from "./support/points.js";
import { userParams, wrapper } from "./support/weighted-sum.js";

const out = join(root, "test", ".generated", "self-hessian");
mkdirSync(out, { recursive: true });

/** Relative agreement required between `f_hessian` and the derivative of `f_grad`. */
const TOLERANCE = 1e-10;

/**
 * The fixtures whose `f_grad` adgen does not read back yet, by diagnostic code, as
 * `suite/case (function)`: each group's reason is given.
 */
const REFUSED: Record<string, string[]> = {};

type Gradient = { value: number; grad: Record<string, Value> };
type HessianFn = (...xs: Value[]) => { value: number; grad: Record<string, Value>; hessian: number[][] };

/** Why a fixture is not compared (from compiling it with `--mode grad,hessian`), or undefined when it is. */
function exclusion(result: CompileResult): string | undefined {
  if (result.diagnostics.length > 0 && result.diagnostics.every((d) => d.code === "ADG4010"))
    return "returns an array: no f_hessian (ADG4010: a Hessian per output)";
  return undefined;
}

describe("f_grad differentiated again equals f_hessian", () => {
  it("every fixture of numbers and arrays returning a number: reverse over reverse = forward over reverse", async () => {
    const seeded = rng(0x4e55);
    const excluded = new Map<string, string[]>();
    const refused = new Map<string, string[]>();
    const wrong: string[] = [];
    const messages: string[] = [];
    let compared = 0;
    let entries = 0;
    let worst = 0;
    let worstAt = "";
    for (const fixture of passingFixtures()) {
      const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
      const wrtOption = fixture.options.wrt ? { wrt: fixture.options.wrt } : {};
      const both = compileSync(source, {
        fileName: fixture.input,
        ...wrtOption,
        modes: ["grad", "hessian"],
        format: false,
      });
      const why = exclusion(both);
      if (why) {
        excluded.set(why, [...(excluded.get(why) ?? []), fixture.name]);
        continue;
      }
      expect(
        both.diagnostics.map((d) => d.message),
        fixture.name,
      ).toEqual([]);
      const module = fixture.name.replace("/", "--");
      const file = join(out, `${module}.ts`);
      writeFileSync(file, both.code);
      const generated = (await import(file)) as Record<string, unknown>;
      // The input's classes, which sampled points of a class's type are instances of.
      const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, unknown>;
      let checked = false;
      for (const fGrad of both.functions.filter((g) => g.kind === "grad")) {
        const base = fGrad.name.slice(0, -"_grad".length);
        // What f_hessian differentiates: f_hvp's tangents' fields (not `Data<T>` parameters).
        const fields = both.functions.find((g) => g.name === `${base}_hvp`)!.params.at(-1)!.fields ?? [];
        const params = userParams(fGrad, both.code);
        const names = params.map((p) => p.name);
        const wrt = names.filter((p) => fields.some((q) => (q.path?.[0] ?? q.name) === p));
        const { source: wrapped, unit } = wrapper(
          fGrad.name,
          module,
          params,
          "grad",
          params.filter((p) => wrt.includes(p.name)),
        );
        const second = compileSync(wrapped, { fileName: join(out, `${module}--${base}--h.ts`), wrt, format: false });
        if (second.diagnostics.length > 0) {
          const d = second.diagnostics[0]!;
          refused.set(d.code, [...(refused.get(d.code) ?? []), `${fixture.name} (${base})`]);
          messages.push(`${fixture.name} (${base}): ${d.code} ${d.message}`);
          continue;
        }
        const hFile = join(out, `${module}--${base}--h.ts`);
        writeFileSync(hFile, second.code);
        const hGrad = ((await import(hFile)) as Record<string, unknown>).h_grad as (...xs: Value[]) => Gradient;
        const fHessian = generated[`${base}_hessian`] as HessianFn;
        const fGradOf = generated[fGrad.name] as (...xs: Value[]) => Gradient;
        const chosen = (fixture.options.at ?? []).filter((xs) => xs.length === names.length) as Value[][];
        const random = Array.from({ length: 2 }, () => samplePoint(fixture, names, seeded, input));
        for (const xs of [...chosen, ...random]) {
          const H = fHessian(...xs.map(copy)).hessian;
          const gradient = wrt.flatMap((p) => flatten(fGradOf(...xs.map(copy)).grad[p]!));
          const n = H.length;
          for (let k = 0; k < n; k++) {
            const e = new Float64Array(n);
            e[k] = 1;
            const r = hGrad(...xs.map(copy), e);
            expect(Object.keys(r.grad), `${fixture.name}: h_grad differentiates ${wrt} (not ${unit})`).toEqual(wrt);
            // h's value is ∂f/∂x_k: the f_grad adgen read back computes what f_grad does.
            expect(
              r.value === gradient[k] || (Number.isNaN(r.value) && Number.isNaN(gradient[k])),
              `${fixture.name}: h = ∂f/∂x_${k}`,
            ).toBe(true);
            const row = wrt.flatMap((p) => flatten(r.grad[p]!));
            expect(row.length, `${fixture.name}: row ${k} has ${n} entries`).toBe(n);
            for (let j = 0; j < n; j++) {
              const [a, b] = [row[j]!, H[k]![j]!];
              const d = a === b ? 0 : Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
              entries++;
              if (d > worst || Number.isNaN(d)) {
                worst = Number.isNaN(d) ? Infinity : d;
                worstAt = `${fixture.name} ${base} H[${k}][${j}] at ${JSON.stringify(xs)}: ${a} and ${b}`;
              }
              if (!(d <= TOLERANCE))
                wrong.push(
                  `${fixture.name} ${base} H[${k}][${j}] at ${JSON.stringify(xs)}: f_grad's derivative ${a}, f_hessian ${b}`,
                );
            }
          }
        }
        checked = true;
      }
      if (checked) compared++;
    }
    console.log(
      `f_grad differentiated again = f_hessian: ${compared} fixtures compared (${entries} entries, largest relative difference ${worst}${worstAt ? `: ${worstAt}` : ""}); ` +
        [...excluded].map(([why, list]) => `${list.length} excluded: ${why}`).join("; "),
    );
    expect(wrong).toEqual([]);
    expect(Object.fromEntries(refused), messages.join("\n")).toEqual(REFUSED);
    expect(compared).toBeGreaterThanOrEqual(292);
  }, 300_000);
});
