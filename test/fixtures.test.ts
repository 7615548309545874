/**
 * Every fixture: its generated module matches the committed `output.ts`, and every generated
 * gradient agrees with finite differences of the original function at seeded random points.
 * Update snapshots deliberately with `npx vitest run -u`, and read the diff.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { passingFixtures, type Fixture } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";

type Fn = (...xs: number[]) => number;
type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

const fixtures = passingFixtures();

function paramNames(f: Function): string[] {
  // Parameters of compiled functions are plain identifiers (the subset adgen accepts).
  const src = f.toString();
  const open = src.indexOf("(");
  const close = src.indexOf(")", open);
  const list = src.slice(open + 1, close).trim();
  return list ? list.split(",").map((p) => p.trim().split(/[\s:=]/)[0]!) : [];
}

function samplePoint(f: Fixture, params: string[], random: () => number): number[] {
  const d = f.options.domain;
  return params.map((p) => {
    const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-2, 2]);
    return lo + (hi - lo) * random();
  });
}

describe.each(fixtures.map((f) => [f.name, f] as const))("%s", (_, fixture) => {
  const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
  const options = { fileName: fixture.input, ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}) };

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
    const companions = Object.keys(output).filter((k) => k.endsWith("_grad"));
    expect(companions.length).toBeGreaterThan(0);
    const seeded = rng(0x5eed);
    for (const name of companions) {
      const f = input[name.slice(0, -"_grad".length)] as Fn;
      const fGrad = output[name] as GradFn;
      expect(typeof f).toBe("function");
      const params = paramNames(f);
      const wrt = fixture.options.wrt ? params.filter((p) => fixture.options.wrt!.includes(p)) : params;
      const random = Array.from({ length: fixture.options.points ?? 5 }, () => samplePoint(fixture, params, seeded));
      const chosen = (fixture.options.at ?? []).filter((xs) => xs.length === params.length);
      for (const xs of [...chosen, ...random]) {
        const { value, grad } = fGrad(...xs);
        expect(value, `${name} value at [${xs}]`).toBe(f(...xs));
        expect(Object.keys(grad)).toEqual(wrt);
        for (const p of wrt) {
          const i = params.indexOf(p);
          const fd = finiteDifference((ys) => f(...ys), xs, i);
          const ok = close(grad[p]!, fd, fixture.options.tolerance ?? 1e-6);
          expect(ok, `${name} ∂/∂${p} at [${xs}]: adgen ${grad[p]}, finite differences ${fd}`).toBe(true);
        }
      }
    }
  });
});
