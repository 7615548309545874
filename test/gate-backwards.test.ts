/**
 * Third order through vector and matrix gates: `f_grad` calls `matmul.backward(...)`, which adgen
 * reads back as the backward's parts (src/gates/backward-parts.ts). Differentiating a function of
 * `f_grad` in forward-over-reverse mode (`h_hessian`) runs the parts' tangents and their
 * backwards inside generated code; it must agree with central differences of `h_grad` (reverse
 * over reverse, which test/self-hessian.test.ts checks against `f_hessian`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSync } from "../src/index.js";
import { fixturesDir, root } from "./support/fixtures.js";
import { rng } from "./support/numeric.js";

const out = join(root, "test", ".generated", "gate-backwards");
mkdirSync(out, { recursive: true });

/** Fixtures of Float64Array parameters (name and length), differentiated with respect to all. */
const cases: { fixture: string; fn: string; params: [string, number][] }[] = [
  {
    fixture: "matrix/two-layer",
    fn: "loss",
    params: [
      ["x", 6],
      ["w1", 12],
      ["b1", 8],
      ["w2", 8],
    ],
  },
  {
    fixture: "second-order/gates-newton",
    fn: "loss",
    params: [
      ["w", 6],
      ["x", 3],
      ["b", 2],
    ],
  },
  {
    fixture: "matrix/lecture-norm",
    fn: "f",
    params: [
      ["W", 4],
      ["x", 2],
    ],
  },
];

type Grad = (...xs: Float64Array[]) => { value: number; grad: Record<string, Float64Array> };
type Hessian = (...xs: Float64Array[]) => { hessian: number[][] };

describe.each(cases)("$fixture: the Hessian of a function of f_grad", ({ fixture, fn, params }) => {
  it("h_hessian (through the parts' tangents) agrees with differences of h_grad", async () => {
    const module = fixture.replace("/", "--");
    const source = readFileSync(join(fixturesDir, fixture, "input.ts"), "utf8");
    const first = compileSync(source, { fileName: join(fixturesDir, fixture, "input.ts"), format: false });
    expect(first.diagnostics).toEqual([]);
    writeFileSync(join(out, `${module}.ts`), first.code);
    // h(params, u) = Σ_k flat(f_grad(params).grad)[k] · u[k].
    const names = params.map(([p]) => p);
    const lines = [`import { ${fn}_grad } from "./${module}";`];
    lines.push(`export function h(${[...names, "u"].map((p) => `${p}: Float64Array`).join(", ")}): number {`);
    lines.push(`  const g = ${fn}_grad(${names.join(", ")}).grad;`, `  let s = 0;`, `  let o = 0;`);
    for (const p of names)
      lines.push(`  for (let k = 0; k < g.${p}.length; k++) s += g.${p}[k] * u[o + k];`, `  o += g.${p}.length;`);
    lines.push(`  return s;`, `}`, ``);
    const file = join(out, `${module}--h.ts`);
    const second = compileSync(lines.join("\n"), { fileName: file, wrt: names, modes: ["grad", "hessian"] });
    expect(second.diagnostics.map((d) => d.message)).toEqual([]);
    expect(second.code).toContain(".backward[0].tangent(");
    writeFileSync(file, second.code);
    const { h_grad, h_hessian } = (await import(file)) as { h_grad: Grad; h_hessian: Hessian };
    const r = rng(fixture.length * 31);
    const n = params.reduce((s, [, len]) => s + len, 0);
    const xs = [...params.map(([, len]) => Float64Array.from({ length: len }, () => r() * 2 - 1))];
    const u = Float64Array.from({ length: n }, () => r() * 2 - 1);
    const H = h_hessian(...xs, u).hessian;
    const flat = (g: Record<string, Float64Array>) => names.flatMap((p) => [...g[p]!]);
    const eps = 1e-6;
    let k = 0;
    for (const x of xs)
      for (let i = 0; i < x.length; i++, k++) {
        const saved = x[i]!;
        x[i] = saved + eps;
        const plus = flat(h_grad(...xs, u).grad);
        x[i] = saved - eps;
        const minus = flat(h_grad(...xs, u).grad);
        x[i] = saved;
        plus.forEach((p, j) => {
          const fd = (p - minus[j]!) / (2 * eps);
          const e = H[k]![j]!;
          expect(Math.abs(fd - e) / Math.max(1, Math.abs(e)), `H[${k}][${j}]: ${e}, differences ${fd}`).toBeLessThan(
            1e-6,
          );
        });
      }
  });
});
