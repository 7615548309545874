/**
 * Every fixture: its generated module matches the committed `output.ts`, and every generated
 * gradient agrees with finite differences of the original function at seeded random points
 * (array parameters perturbed element by element; a vector-valued function's `f_vjp` against
 * the finite differences of `grad_out · f` for a random `grad_out`).
 * Update snapshots deliberately with `npx vitest run -u`, and read the diff.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { passingFixtures, type Fixture } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";
import {
  at,
  copy,
  dotWith,
  leafPaths,
  paramNames,
  paramSpec,
  samplePoint,
  shape,
  withLeaf,
  type Fn,
  type GradFn,
  type Value,
} from "./support/points.js";

const fixtures = passingFixtures();

describe.each(fixtures.map((f) => [f.name, f] as const))("%s", (_, fixture) => {
  const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
  const options = {
    fileName: fixture.input,
    ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
    ...(fixture.options.modes ? { modes: fixture.options.modes } : {}),
    ...(fixture.options.split ? { split: fixture.options.split } : {}),
  };

  it("matches its snapshot, deterministically", async () => {
    const first = await compile(source, options);
    expect(first.diagnostics).toEqual([]);
    await expect(first.code).toMatchFileSnapshot(join(fixture.dir, "output.ts"));
    const second = await compile(source, options);
    expect(second.code).toBe(first.code);
  });

  it("agrees with finite differences", async () => {
    // `?all-exports` (vitest.config.ts) also exports top-level functions the file keeps private.
    const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, unknown>;
    const output = (await import(join(fixture.dir, "output.ts"))) as Record<string, unknown>;
    const companions = Object.keys(output).filter((k) => k.endsWith("_grad") || k.endsWith("_vjp"));
    expect(companions.length).toBeGreaterThan(0);
    const seeded = rng(0x5eed);
    // Parameters declared `Data<T>` get no gradient (the compiler's view of them).
    const compiled = await compile(source, { ...options, format: false });
    const dataParams = new Map(
      compiled.functions.map((g) => [g.name, new Set(g.params.filter((p) => p.data).map((p) => p.name))]),
    );
    for (const name of companions) {
      const vector = name.endsWith("_vjp");
      const f = input[name.slice(0, name.lastIndexOf("_"))] as Fn;
      const fGrad = output[name] as GradFn;
      expect(typeof f).toBe("function");
      const params = paramNames(f);
      const data = dataParams.get(name) ?? new Set<string>();
      const wrt = fixture.options.wrt
        ? params.filter((p) => fixture.options.wrt!.includes(p))
        : params.filter((p) => !data.has(p));
      const random = Array.from({ length: fixture.options.points ?? 5 }, () =>
        samplePoint(fixture, params, seeded, input),
      );
      const chosen = (fixture.options.at ?? []).filter((xs) => xs.length === params.length);
      for (const xs of [...chosen, ...random]) {
        const y = f(...xs.map(copy));
        // A scalar function is its own objective; a vector-valued one is weighted by grad_out.
        const weights = vector ? Array.from({ length: (y as ArrayLike<number>).length }, () => seeded() * 2 - 1) : [];
        const objective = (ys: Value[]) =>
          vector ? dotWith(weights, f(...ys.map(copy))) : (f(...ys.map(copy)) as number);
        const args = xs.map(copy);
        const gradOut = vector ? [(y instanceof Float64Array ? Float64Array.from(weights) : weights) as Value] : [];
        const { value, grad } = fGrad(...args, ...gradOut);
        expect(value, `${name} value at [${xs}]`).toEqual(y);
        args.forEach((a, i) => expect(a, `${name} must not modify its argument ${params[i]}`).toEqual(xs[i]));
        expect(Object.keys(grad)).toEqual(wrt);
        for (const p of wrt) {
          const i = params.indexOf(p);
          const spec = paramSpec(fixture, p);
          const x = xs[i]!;
          if (spec && "fixed" in spec) {
            expect(grad[p], `${name} ∂/∂${p} of a size or index must be exactly 0`).toBe(0);
            continue;
          }
          // Every number in the parameter (itself, an array's elements, a record's leaves).
          expect(shape(grad[p]!), `${name} ∂/∂${p} has the shape of ${p}`).toEqual(shape(x));
          for (const path of leafPaths(x)) {
            const fd = finiteDifference(
              (ys) => objective(xs.map((v, j) => (j === i ? withLeaf(v, path, ys[0]!) : v))),
              [at(x, path) as number],
              0,
              fixture.options.step,
            );
            const ad = at(grad[p]!, path) as number;
            const shown = path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("");
            expect(
              close(ad, fd, fixture.options.tolerance ?? 1e-6),
              `${name} ∂/∂${p}${shown} at [${JSON.stringify(xs)}]: adgen ${ad}, finite differences ${fd}`,
            ).toBe(true);
          }
        }
      }
    }
  });
});
