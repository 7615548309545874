/**
 * The runtime `grad(f)`: the same numbers as the build-time path on every fixture, one compile per
 * function, and an error (never a wrong gradient) for what it cannot compile.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { grad, GradError } from "../../src/index.js";
import { sigmoid } from "../../src/gates/index.js";
import adgenEsbuild from "../../src/plugin/esbuild.js";
import { passingFixtures, root, type Fixture } from "../support/fixtures.js";
import { rng } from "../support/numeric.js";

type Fn = (...xs: number[]) => number;
type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

interface Case {
  fixture: Fixture;
  /** The differentiated function's name. */
  name: string;
  /** Its companion from the bundle the plugin built. */
  built: GradFn;
}

const fixtures = passingFixtures();
let dir: string;
let cases: Case[] = [];

/**
 * The build-time path, for every fixture at once: each input copied with `grad(f)` calls for the
 * functions its committed output differentiates, bundled by esbuild with the plugin.
 */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "adgen-runtime-"));
  const entries: string[] = [];
  const names: { fixture: Fixture; name: string }[][] = [];
  fixtures.forEach((fixture, i) => {
    const output = readFileSync(join(fixture.dir, "output.ts"), "utf8");
    // Functions of numbers only: the runtime's point sampling (and its types) are for scalars.
    const functions = [...output.matchAll(/^export function ([\w$]+)_grad\(([^)]*)\)/gm)]
      .filter((m) => m[2]!.split(",").every((p) => !p.trim() || /:\s*number$/.test(p.trim())))
      .map((m) => m[1]!);
    const wrt = fixture.options.wrt ? `, { wrt: ${JSON.stringify(fixture.options.wrt)} }` : "";
    // A copy of the fixture's folder (its helpers and gates come along), `input.ts` with the calls added.
    const copy = join(dir, `f${i}`);
    cpSync(fixture.dir, copy, { recursive: true });
    writeFileSync(
      join(copy, "input.ts"),
      `${readFileSync(join(fixture.dir, "input.ts"), "utf8")}\nimport { grad as __grad } from "adgen";\n` +
        `export const __grads = { ${functions.map((f) => `${f}: __grad(${f}${wrt})`).join(", ")} };\n`,
    );
    entries.push(`export { __grads as f${i} } from ${JSON.stringify(join(copy, "input.ts"))};`);
    names.push(functions.map((name) => ({ fixture, name })));
  });
  writeFileSync(join(dir, "entry.ts"), entries.join("\n"));
  const t0 = performance.now();
  await esbuild.build({
    entryPoints: [join(dir, "entry.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: join(dir, "bundle.mjs"),
    alias: { "adgen/gates": join(root, "src", "gates", "index.ts") },
    logLevel: "silent",
    plugins: [adgenEsbuild()],
  });
  console.log(
    `runtime: ${fixtures.length} fixtures built with the plugin in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  const bundle = (await import(pathToFileURL(join(dir, "bundle.mjs")).href)) as Record<string, Record<string, GradFn>>;
  cases = names.flatMap((list, i) => list.map((c) => ({ ...c, built: bundle[`f${i}`]![c.name]! })));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function paramNames(f: Function): string[] {
  const src = f.toString();
  const list = src.slice(src.indexOf("(") + 1, src.indexOf(")")).trim();
  return list ? list.split(",").map((p) => p.trim().split(/[\s:=]/)[0]!) : [];
}

function points(fixture: Fixture, params: string[]): number[][] {
  const random = rng(0xad6e);
  const d = fixture.options.domain;
  const sampled = Array.from({ length: 4 }, () =>
    params.map((p) => {
      const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-2, 2]);
      return lo + (hi - lo) * random();
    }),
  );
  return [...sampled, ...(fixture.options.at ?? []).filter((xs) => xs.length === params.length)];
}

/**
 * The runtime sees only `f.toString()`, so it refuses a function that uses a name defined elsewhere
 * in its module (a constant, a helper, an import): the names it reports must be exactly such names.
 */
function refusedForInvisibleNames(e: unknown, fixture: Fixture): boolean {
  if (!(e instanceof GradError) || e.diagnostics.length === 0) return false;
  const input = readFileSync(join(fixture.dir, "input.ts"), "utf8");
  return e.diagnostics.every((d) => {
    // `'g'`, or `'unit(...)'` / `'ns.unit(...)'` for calls (a module runner renames imports).
    const name = /'(?:[\w$]+\.)?([\w$]+)(?:\(\.\.\.\))?'/.exec(d.message)?.[1];
    const topLevel = new RegExp(`^(export )?(const|function|import)\\b.*\\b${name}\\b`, "m");
    const imported = d.message.includes("__vite_ssr_import_"); // a binding the module runner rewrote
    return ["ADG3001", "ADG3002"].includes(d.code) && name !== undefined && (imported || topLevel.test(input));
  });
}

describe("runtime grad(f) against the build-time companion", () => {
  it("gives the same numbers on every fixture it can see whole, and refuses the others", async () => {
    expect(cases.length).toBeGreaterThanOrEqual(fixtures.filter((f) => f.name.startsWith("core/")).length);
    const same: string[] = [];
    const refused: string[] = [];
    for (const { fixture, name, built } of cases) {
      const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, Fn>;
      const f = input[name]!;
      let runtime: GradFn;
      try {
        runtime = fixture.options.wrt ? grad(f, { wrt: fixture.options.wrt }) : grad(f);
      } catch (e) {
        expect(refusedForInvisibleNames(e, fixture), `${fixture.name} ${name}: ${String(e)}`).toBe(true);
        refused.push(`${fixture.name}#${name}`);
        continue;
      }
      const run = (g: GradFn, xs: number[], path: string) => {
        try {
          return g(...xs);
        } catch (e) {
          throw new Error(`${fixture.name} ${name}(${xs}), ${path} path: ${String(e)}`);
        }
      };
      for (const xs of points(fixture, paramNames(f)))
        expect(run(runtime, xs, "runtime"), `${fixture.name} ${name}(${xs})`).toEqual(run(built, xs, "build-time"));
      same.push(`${fixture.name}#${name}`);
    }
    console.log(`runtime: ${same.length} functions agree exactly; ${refused.length} refused: ${refused.join(", ")}`);
    // Every core fixture but those whose function reads a module-level constant.
    const core = cases.filter((c) => c.fixture.name.startsWith("core/")).map((c) => `${c.fixture.name}#${c.name}`);
    expect(core.filter((c) => !same.includes(c))).toEqual([
      "core/module-const#fall",
      "core/pendulum-energy#energy",
      "core/projectile-range#range",
    ]);
  });
});

describe("runtime grad(f)", () => {
  const loss = (w: number, b: number, x: number) => sigmoid(w * x + b) * x;

  it("compiles once per function and wrt list", () => {
    const t0 = performance.now();
    const first = grad(loss);
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    expect(grad(loss)).toBe(first);
    const cachedMs = performance.now() - t1;
    console.log(`runtime: grad(f) compiled in ${firstMs.toFixed(1)} ms, cached lookup ${cachedMs.toFixed(3)} ms`);
    expect(grad(loss, { wrt: ["w"] })).not.toBe(first);
    expect(grad(loss, { wrt: ["w"] })).toBe(grad(loss, { wrt: ["w"] }));
    const r = first(0.3, -0.2, 1.5);
    expect(r.value).toBe(loss(0.3, -0.2, 1.5));
    expect(Object.keys(r.grad)).toEqual(["w", "b", "x"]);
  });

  it("accepts function declarations, expressions, arrows and methods", () => {
    function decl(x: number) {
      return x * x;
    }
    const expr = function (x: number) {
      return x * x;
    };
    const methods = {
      sq(x: number) {
        return x * x;
      },
    };
    for (const f of [decl, expr, (x: number) => x * x, methods.sq])
      expect(grad(f)(3)).toEqual({ value: 9, grad: { x: 6 } });
  });

  it("throws the diagnostics for what it cannot compile", () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(GradError);
        return (e as Error).message;
      }
      throw new Error("expected grad() to throw");
    };
    expect(message(() => grad(Math.max))).toMatch(/native or bound function/);
    expect(message(() => grad(loss.bind(null)))).toMatch(/native or bound function/);
    let scale = 2;
    scale += 1;
    expect(message(() => grad((x: number) => x * scale))).toMatch(/ADG3001: 'scale' is not a parameter[^]*> 1 \|/);
    expect(message(() => grad((x: number) => Number(String(x))))).toMatch(/error ADG\d{4}/);
    expect(message(() => grad(class {} as unknown as Fn))).toMatch(/a class/);
    expect(message(() => grad(loss, { wrt: ["nope"] }))).toMatch(/ADG1003/);
  });

  it("refuses, rather than return a wrong gradient, when a gate's name means something else", () => {
    const sigmoid = (x: number) => 2 * x; // not adgen's sigmoid, though it has its name
    const f = (x: number) => sigmoid(x) + 1;
    const g = grad(f);
    expect(() => g(0.5)).toThrow(/returned .* where the function returns 2/);
  });

  it("explains that it needs new Function", () => {
    const saved = globalThis.Function;
    globalThis.Function = function () {
      throw new EvalError("Code generation from strings disallowed for this context");
    } as unknown as FunctionConstructor;
    try {
      expect(() => grad((x: number) => x * 7)).toThrow(/Content Security Policy[^]*bundler plugin/);
    } finally {
      globalThis.Function = saved;
    }
  });

  it("is typed from f's parameters, and from wrt", () => {
    const area = (w: number, h: number) => w * h;
    expectTypeOf(grad(area)).parameters.toEqualTypeOf<[w: number, h: number]>();
    expectTypeOf(grad(area)).returns.toEqualTypeOf<{ value: number; grad: { [x: string]: number } }>();
    expectTypeOf(grad(area, { wrt: ["w"] })).returns.toEqualTypeOf<{ value: number; grad: { w: number } }>();
    // @ts-expect-error: only numeric functions
    expect(() => grad((s: string) => s.length)).toThrow(GradError);
  });
});
