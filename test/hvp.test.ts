/**
 * Hessian-vector products on every fixture of a function returning a number: `f_hvp`'s value is
 * `f`'s, its `grad` is `f_grad`'s, and its `hvp` agrees with finite differences of `f_grad`
 * along `v` (one parameter's move at a time, summed, as the other checks do). The same module
 * has `f_hessian` and `f_hessian_diag`, built on `f_hvp`: test/support/hessian.ts checks them.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { passingFixtures, root } from "./support/fixtures.js";
import { checkHessians } from "./support/hessian.js";
import { close, finiteDifference, rng } from "./support/numeric.js";
import {
  along,
  copy,
  flatten,
  paramNames,
  randomDirection,
  samplePoint,
  type Fn,
  type GradFn,
  type Value,
} from "./support/points.js";

type HvpFn = (...xs: [...Value[], Record<string, Value>]) => {
  value: Value;
  grad: Record<string, Value>;
  hvp: Record<string, Value>;
};

const out = join(root, "test", ".generated", "hvp");
mkdirSync(out, { recursive: true });

const entries = flatten;

const scalar = passingFixtures().filter((f) => !readFileSync(join(f.dir, "output.ts"), "utf8").includes("_vjp("));

describe.each(scalar.map((f) => [f.name, f] as const))("%s", (_, fixture) => {
  it("f_hvp: value, gradient, and H v against differences of the gradient; f_hessian, f_hessian_diag", async () => {
    const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
    const result = await compile(source, {
      fileName: fixture.input,
      modes: ["hvp", "hessian", "hessian_diag"],
      ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
    });
    // Every scalar fixture, array gates (each gate's tangent has a backward:
    // test/matrix-gates.test.ts), matrices and arrays of records included.
    expect(result.diagnostics.map((d) => d.message)).toEqual([]);
    const file = join(out, `${fixture.name.replace("/", "--")}.ts`);
    writeFileSync(file, result.code);
    const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, unknown>;
    const reverse = (await import(join(fixture.dir, "output.ts"))) as Record<string, unknown>;
    const generated = (await import(file)) as Record<string, unknown>;
    const names = Object.keys(generated).filter((k) => k.endsWith("_hvp"));
    expect(names.length).toBeGreaterThan(0);
    const seeded = rng(0x4e55);
    for (const name of names) {
      const base = name.slice(0, -"_hvp".length);
      const f = input[base] as Fn;
      const hvp = generated[name] as HvpFn;
      const fGrad = reverse[`${base}_grad`] as GradFn;
      const params = paramNames(f);
      // What the companion differentiates: its last parameter's fields (not `Data<T>` parameters).
      const fields = result.functions.find((g) => g.name === name)!.params.at(-1)!.fields ?? [];
      const wrt = params.filter((p) => fields.some((q) => (q.path?.[0] ?? q.name) === p));
      const tol = Math.max(fixture.options.tolerance ?? 1e-6, 1e-5);
      for (const xs of Array.from({ length: 2 }, () => samplePoint(fixture, params, seeded, input))) {
        const v = randomDirection(fixture, params, wrt, xs, seeded);
        const r = hvp(...xs.map(copy), v);
        expect(r.value, `${name} value`).toEqual(f(...xs.map(copy)));
        const g = fGrad(...xs.map(copy)).grad;
        for (const p of wrt)
          entries(g[p]!).forEach((gk, k) =>
            expect(close(entries(r.grad[p]!)[k]!, gk, 1e-9), `${name} grad ${p}[${k}]`).toBe(true),
          );
        // H v, entry by entry: the derivative of the gradient along v.
        for (const p of wrt)
          entries(g[p]!).forEach((_, k) => {
            const fd = Object.keys(v).reduce((s, q) => {
              const moved = (e: number) =>
                entries(fGrad(...xs.map((x, i) => (params[i] === q ? along(x, v[q]!, e) : copy(x)))).grad[p]!)[k]!;
              return s + finiteDifference((es) => moved(es[0]!), [0], 0, fixture.options.step);
            }, 0);
            const ad = entries(r.hvp[p]!)[k]!;
            expect(close(ad, fd, tol), `${name} (H v)[${p}][${k}] at [${xs}]: adgen ${ad}, differences ${fd}`).toBe(
              true,
            );
          });
      }
    }
    checkHessians(fixture, input, generated, result.functions);
  });
});

describe("drivers of a function taking optional fields", () => {
  it("f_hessian, f_hessian_diag and f_jacobian take a field the caller leaves out as its default", async () => {
    type Opts = { a?: number; p?: { w?: Float64Array; c?: number }; m?: number[][] };
    type Driver = (x: Float64Array, A: number[][], opts: Opts) => Record<string, unknown>;
    // Compiled here: the drivers as adgen generates them now, not the committed snapshot.
    const dir = join(root, "fixtures", "second-order", "optional-fields-hessian");
    const result = await compile(readFileSync(join(dir, "input.ts"), "utf8"), {
      fileName: "fixtures/second-order/optional-fields-hessian/input.ts",
      modes: ["grad", "hessian", "hessian_diag", "jacobian"],
    });
    expect(result.diagnostics).toEqual([]);
    writeFileSync(join(out, "optional-fields-drivers.ts"), result.code);
    const m = (await import(join(out, "optional-fields-drivers.ts"))) as Record<string, Driver>;
    const x = Float64Array.from([0.3, -0.5]);
    const A = [
      [1, 2],
      [3, 4],
    ];
    const zeros: Opts = {
      a: 0,
      p: { w: new Float64Array(2), c: 0 },
      m: [
        [0, 0],
        [0, 0],
      ],
    };
    for (const name of ["f_hessian", "f_hessian_diag", "f_jacobian"]) {
      const given = m[name]!(x, A, zeros);
      for (const left of [
        {},
        { p: {} },
        {
          a: 0,
          m: [
            [0, 0],
            [0, 0],
          ],
        },
      ] as Opts[])
        expect(m[name]!(x, A, left), `${name}(${JSON.stringify(left)})`).toEqual(given);
    }
  });
});
