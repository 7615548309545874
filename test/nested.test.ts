/**
 * Nested differentiation (src/parser/nested.ts): adgen reads its own output as input, and
 * differentiates through grad(g) / jvp(g) called inside a differentiated function.
 * - Every scalar fixture's generated `f_grad`, wrapped as a function returning one gradient
 *   component, is differentiated again (its reversed loops' Tape and decisions included): the
 *   result agrees with finite differences of `f_grad` (second derivatives), or adgen refuses it
 *   with a diagnostic listed in the test, never a crash (test/self-hessian.test.ts compares the
 *   same second derivatives with `f_hessian`'s, to rounding).
 * - Two levels of nesting give a third derivative equal to its formula.
 * - GradBench's saddle and particle (examples/gradbench), in the four combinations of forward and
 *   reverse mode, give GradBench's reference results: those its evals check
 *   (gradbench/python/gradbench/gradbench/evals/{saddle,particle}/run.py, `expect`: start (1, 1)
 *   and w = 0).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, compileSync } from "../src/index.js";
import { passingFixtures, root } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";
import { paramSpec, samplePoint } from "./support/points.js";

const out = join(root, "test", ".generated", "nested");
mkdirSync(out, { recursive: true });
const readFile = (p: string) => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
};

describe("adgen's output is its input", () => {
  it("differentiates every scalar fixture's f_grad again: second derivatives, or a diagnostic", async () => {
    let checked = 0;
    const seeded = rng(0x5eed);
    const refused = new Map<string, string[]>();
    const wrong: string[] = [];
    for (const fixture of passingFixtures()) {
      const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
      const options = { fileName: fixture.input, ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}) };
      const first = compileSync(source, { ...options, format: false });
      for (const f of first.functions.filter((g) => g.kind === "grad" && g.params.every((p) => !p.path))) {
        const numeric = f.params.filter((p) => {
          const spec = paramSpec(fixture, p.name);
          return p.type === "number" && !p.data && !(spec && "fixed" in spec);
        });
        const wrt = fixture.options.wrt ? numeric.filter((p) => fixture.options.wrt!.includes(p.name)) : numeric;
        if (wrt.length === 0 || f.params.some((p) => p.type !== "number")) continue;
        const p = wrt[0]!.name;
        const names = f.params.map((q) => q.name);
        const wrapper = `import { ${f.name} } from "./output";\nexport function h(${names.map((n) => `${n}: number`).join(", ")}): number {\n  return ${f.name}(${names.join(", ")}).grad.${p};\n}\n`;
        const second = compileSync(wrapper, { fileName: join(fixture.dir, "wrap.ts"), readFile });
        if (second.diagnostics.length > 0) {
          const key = second.diagnostics[0]!.code;
          refused.set(key, [...(refused.get(key) ?? []), fixture.name]);
          continue;
        }
        const file = join(out, `${fixture.name.replace("/", "--")}--${f.name}.ts`);
        writeFileSync(file, second.code);
        const h = (await import(file)) as {
          h_grad: (...xs: number[]) => { value: number; grad: Record<string, number> };
        };
        const fGrad = ((await import(join(fixture.dir, "output.ts"))) as Record<string, Function>)[f.name] as (
          ...xs: number[]
        ) => { grad: Record<string, number> };
        const xs = samplePoint(fixture, names, seeded) as number[];
        const r = h.h_grad(...xs);
        expect(r.value, `${fixture.name}: h_grad's value is f_grad's ∂/∂${p}`).toBe(fGrad(...xs).grad[p]);
        for (const [i, q] of names.entries()) {
          const spec = paramSpec(fixture, q);
          if (!(q in r.grad) || (spec && "fixed" in spec)) continue;
          const fd = finiteDifference((ys) => fGrad(...ys).grad[p]!, xs, i, fixture.options.step);
          if (!close(r.grad[q]!, fd, 1e-5))
            wrong.push(`${fixture.name}: ∂²/∂${p}∂${q} at [${xs}]: adgen ${r.grad[q]}, differences of f_grad ${fd}`);
        }
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    // Reversed loops' Tape and decisions are read back (src/parser/lower/stacks.ts), and arrays
    // chosen in arms (`let q: number[]; if (c) q = [...]; else q = ...`, src/parser/lower/branches.ts):
    // nothing is refused.
    expect(Object.fromEntries(refused)).toEqual({});
    expect(checked).toBeGreaterThanOrEqual(182);
  }, 300_000);
});

describe("nesting levels", () => {
  it("d/dx (x * d/dy (x + y)) is 1 (Siskind and Pearlmutter's perturbation confusion)", async () => {
    const source = `import { grad, jvp } from "adgen";
function add(x: number, y: number): number { return x + y; }
export function r(x: number): number { return x * grad(add, { wrt: ["y"] })(x, 1).grad.y; }
export function f(x: number): number { return x * jvp(add)(x, 1, { y: 1 }).tangent; }
`;
    const result = await compile(source, { fileName: "confusion.ts", modes: ["grad", "jvp"] });
    expect(result.diagnostics).toEqual([]);
    const file = join(out, "confusion.ts");
    writeFileSync(file, result.code);
    const m = (await import(file)) as Record<string, (...a: unknown[]) => { grad?: { x: number }; tangent?: number }>;
    for (const x of [-2, 0.5, 3]) {
      expect(m.r_grad!(x).grad!.x).toBe(1);
      expect(m.f_grad!(x).grad!.x).toBe(1);
      expect(m.r_jvp!(x, { x: 1 }).tangent).toBe(1);
      expect(m.f_jvp!(x, { x: 1 }).tangent).toBe(1);
    }
  });

  it("two levels of nesting give the third derivative ∂³f/∂x∂y²", async () => {
    const source = `import { grad, jvp } from "adgen";
function f(x: number, y: number): number { return Math.sin(x * y) + x * x * x * y; }
function dfdy(x: number, y: number): number { return grad(f)(x, y).grad.y; }
function d2(x: number, y: number): number { return jvp(dfdy)(x, y, { y: 1 }).tangent; }
export function d3(x: number, y: number): number { return grad(d2, { wrt: ["x"] })(x, y).grad.x; }
`;
    const result = await compile(source, { fileName: "third.ts", modes: ["grad", "jvp"] });
    expect(result.diagnostics).toEqual([]);
    const file = join(out, "third.ts");
    writeFileSync(file, result.code);
    const m = (await import(file)) as {
      d3_grad: (x: number, y: number) => { value: number; grad: { x: number; y: number } };
    };
    for (const [x, y] of [
      [0.3, -1.2],
      [1.1, 0.7],
    ] as const) {
      // f_yy = -x² sin(xy), f_yyx = -2x sin(xy) - x²y cos(xy), f_yyxx = -2 sin(xy) - 4xy cos(xy) + x²y² sin(xy).
      const s = Math.sin(x * y);
      const c = Math.cos(x * y);
      const r = m.d3_grad(x, y);
      expect(close(r.value, -2 * x * s - x * x * y * c, 1e-12)).toBe(true);
      expect(close(r.grad.x, -2 * s - 4 * x * y * c + x * x * y * y * s, 1e-12)).toBe(true);
      expect(close(r.grad.y, -3 * x * x * c + x * x * x * y * s, 1e-12)).toBe(true);
    }
  });
});

describe("GradBench's saddle and particle, in the four modes", () => {
  for (const name of ["saddle", "particle"]) {
    it(`examples/gradbench/${name}.ts compiles to its committed ${name}.grad.ts`, async () => {
      const file = `examples/gradbench/${name}.ts`;
      const result = await compile(readFileSync(join(root, file), "utf8"), {
        fileName: file,
        modes: ["grad", "jvp"],
        format: true,
      });
      expect(result.diagnostics).toEqual([]);
      await expect(result.code).toMatchFileSnapshot(join(root, `examples/gradbench/${name}.grad.ts`));
    });
  }

  const variants = ["ff", "fr", "rf", "rr"] as const;
  it.each(variants)("%s gives GradBench's results", async (variant) => {
    const run = await import("../examples/gradbench/run.js");
    const saddle = run.saddle(variant, [1, 1]);
    for (const v of saddle) expect(close(v, 8.246324826140356e-6, 1e-12), `saddle ${variant}: ${saddle}`).toBe(true);
    const w = run.particle(variant, 0);
    expect(close(w, 0.2071918746486116, 1e-12), `particle ${variant}: ${w}`).toBe(true);
  });
});
