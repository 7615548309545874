/**
 * The runtime `grad(f)` and `vjp(f)`: the same numbers as the build-time path on every fixture
 * (arrays and loops included, typed from the first call's arguments), one compile per function
 * and parameter types, and an error (never a wrong gradient) for what it cannot compile.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { compileSync, grad, GradError, vjp } from "../../src/index.js";
import { sigmoid } from "../../src/gates/index.js";
import adgenEsbuild from "../../src/plugin/esbuild.js";
import { passingFixtures, root, type Fixture } from "../support/fixtures.js";
import { rng } from "../support/numeric.js";
import { refusedForErasedTypes, refusedForInvisibleNames } from "../support/runtime.js";

/** A module constant: `grad` sees only a function's own text, so it cannot know it. */
const MODULE_RATE = 0.5;

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
}, 120_000); // esbuild bundles every fixture: slow on a loaded machine
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

describe("runtime grad(f) against the build-time companion", () => {
  it("gives the same numbers on every fixture it can see whole, and refuses the others", async () => {
    expect(cases.length).toBeGreaterThanOrEqual(fixtures.filter((f) => f.name.startsWith("core/")).length);
    const same: string[] = [];
    const refused: string[] = [];
    for (const { fixture, name, built } of cases) {
      const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, Fn>;
      const f = input[name]!;
      // The runtime sees no types, so not `Data<T>`: it is told what the compiler leaves out.
      const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
      const params = compileSync(source, { fileName: fixture.input, format: false }).functions.find(
        (g) => g.name === `${name}_grad`,
      )?.params;
      const wrt = params?.some((p) => p.data) ? params.filter((p) => !p.data).map((p) => p.name) : fixture.options.wrt;
      let runtime: GradFn;
      try {
        runtime = wrt ? grad(f, { wrt }) : grad(f);
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
      "core/constant-names-generated#f",
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
    expect(message(() => grad((x: number) => x * scale))).toMatch(
      /ADG3001: 'scale' is defined outside the function[^]*> 1 \|/,
    );
    // A module constant is outside the function's text too: the message says why and what to do.
    expect(message(() => grad((x: number) => x * MODULE_RATE))).toMatch(
      /ADG3001: 'MODULE_RATE' is defined outside the function[^]*Pass it in as a parameter/,
    );
    expect(message(() => grad((x: number) => Number(String(x))))).toMatch(/error ADG\d{4}/);
    expect(message(() => grad(class {} as unknown as Fn))).toMatch(/a class/);
    expect(message(() => grad(loss, { wrt: ["nope"] }))).toMatch(/ADG1003/);
  });

  it("says that it sees only f's text when f uses a module constant or a helper, and what to do", () => {
    const K = 2;
    const sq = (x: number) => x * x;
    for (const [f, name] of [
      [(x: number) => K * x, "K"],
      [(x: number) => sq(x) + x, "sq"],
    ] as const) {
      let text = "";
      try {
        grad(f)(1);
      } catch (e) {
        text = (e as Error).message;
      }
      expect(text).toContain(`'${name}' is defined outside the function`);
      expect(text).toContain("f.toString()");
      expect(text).toMatch(/bundler plugin \(adgen\/vite/);
      // Not the compiler's messages, which contradict what the user sees (K is a module constant).
      expect(text).not.toMatch(/module-level numeric constant|a function of yours/);
    }
  });

  it("refuses a wrt its result type would get wrong: the i-th name typed as the i-th parameter", () => {
    // TypeScript types grad(mixed, { wrt: ["k"] }).grad.k like the first parameter, a Float64Array.
    const mixed = (xs: Float64Array, k: number) => xs[0]! * k;
    const xs = Float64Array.of(2, 3);
    expect(() => grad(mixed, { wrt: ["k"] })(xs, 3)).toThrow(
      /ADG1003: wrt lists 'k' \(number\) 1st, but 'mixed''s 1st parameter is 'xs' \(Float64Array\)/,
    );
    // In parameter order from the first, or of one type, it is typed right and accepted.
    expect(grad(mixed, { wrt: ["xs"] })(xs, 3).grad.xs).toEqual(Float64Array.of(3, 0));
    expect(grad(mixed, { wrt: ["xs", "k"] })(xs, 3).grad.k).toBe(2);
    const area = (w: number, h: number) => w * h;
    expect(grad(area, { wrt: ["h"] })(2, 3).grad.h).toBe(2);
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
    // @ts-expect-error: only numeric functions (at run time: the first call's argument is refused)
    expect(() => grad((s: string) => s.length)("abc")).toThrow(/argument 's' is a string/);
    // Records are typed from the first call's plain object (test/runtime-records.test.ts); a number for one is refused then.
    const square = grad((p: { x: number }) => p.x * p.x) as (...xs: unknown[]) => unknown;
    expect(square({ x: 3 })).toEqual({ value: 9, grad: { p: { x: 6 } } });
    expect(() => square(3)).toThrow(/'p.x': not a field of a record.*grad\(f\) at run time sees no types/);
  });
});

type Value = number | number[] | Float64Array | number[][] | Float64Array[];
type Companion = (...xs: Value[]) => { value: Value; grad: Record<string, Value> };

/**
 * The arguments a fixture's options describe: sampled numbers, `Float64Array(n)`, `number[](n)`,
 * matrices of `r` rows of `c` (`Float64Array[](rxc)`, `number[][](rxc)`), fixed sizes.
 */
function arrayArguments(fixture: Fixture, params: string[], random: () => number): Value[] {
  const d = fixture.options.domain;
  const sample = (p: string) => {
    const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-1, 1]);
    return lo + (hi - lo) * random();
  };
  return params.map((p) => {
    const spec = fixture.options.params?.[p];
    if (typeof spec === "number") return spec;
    if (typeof spec === "object") throw new Error(`${fixture.name}: record parameters are not run through grad(f)`);
    const array = (kind: string, n: number) => {
      const xs = Array.from({ length: n }, () => sample(p));
      return kind === "Float64Array" ? Float64Array.from(xs) : xs;
    };
    const rows = spec === undefined ? null : /^(Float64Array|number\[\])\[\]\((\d+)x(\d+)\)$/.exec(spec);
    if (rows) return Array.from({ length: Number(rows[2]) }, () => array(rows[1]!, Number(rows[3]))) as Value;
    const m = spec === undefined ? null : /^(Float64Array|number\[\])\((\d+)\)$/.exec(spec);
    if (!m) return sample(p);
    return array(m[1]!, Number(m[2]));
  });
}

/** Copies of the arguments, a matrix's rows included. */
const copy = (xs: Value[]): Value[] =>
  xs.map((x) =>
    typeof x === "number"
      ? x
      : Array.isArray(x) && x.length > 0 && typeof x[0] !== "number"
        ? ((x as (number[] | Float64Array)[]).map((r) => r.slice()) as Value)
        : x.slice(),
  );

describe("runtime grad(f) and vjp(f) on loops, arrays and matrices", () => {
  const suites = ["loops/", "arrays/", "matrix/"];
  const arrayFixtures = fixtures.filter((f) => suites.some((s) => f.name.startsWith(s)));

  it("gives the numbers of the committed build-time output, typed from the first call", async () => {
    const same: string[] = [];
    const refused: string[] = [];
    let companions = 0;
    for (const fixture of arrayFixtures) {
      const input = (await import(join(fixture.dir, "input.ts"))) as Record<string, (...xs: Value[]) => Value>;
      const output = (await import(join(fixture.dir, "output.ts"))) as Record<string, Companion>;
      for (const [companionName, built] of Object.entries(output)) {
        const m = /^(.+)_(grad|vjp)$/.exec(companionName);
        if (!m) continue;
        companions++;
        const [, name, mode] = m as unknown as [string, string, "grad" | "vjp"];
        const f = input[name]!;
        const options = fixture.options.wrt ? { wrt: fixture.options.wrt } : {};
        const random = rng(0x5eed);
        const params = paramNames(f);
        for (let k = 0; k < 3; k++) {
          const args = arrayArguments(fixture, params, random);
          let runtime: Companion;
          let result: ReturnType<Companion>;
          const all = [...args];
          if (mode === "vjp") {
            const value = f(...copy(args)) as number[] | Float64Array;
            const gradOut = Array.from(value, () => random() * 2 - 1);
            all.push(value instanceof Float64Array ? Float64Array.from(gradOut) : gradOut);
          }
          try {
            runtime = (mode === "grad" ? grad(f as never, options) : vjp(f as never, options)) as unknown as Companion;
            result = runtime(...copy(all));
          } catch (e) {
            const erased = refusedForErasedTypes(e, fixture);
            expect(erased || refusedForInvisibleNames(e, fixture), `${fixture.name} ${name}: ${String(e)}`).toBe(true);
            refused.push(`${fixture.name}#${name}`);
            break;
          }
          expect(result, `${fixture.name} ${mode}(${name})`).toEqual(built(...copy(all)));
          if (k === 0) same.push(`${fixture.name}#${name}`);
        }
      }
    }
    console.log(
      `runtime arrays: ${same.length} functions agree exactly; ${refused.length} refused: ${refused.join(", ")}`,
    );
    // Functions of their own text (gates included) agree; a function calling a helper is refused (checked above).
    expect(same).toEqual(
      expect.arrayContaining([
        "arrays/mlp-two-layer#mlpLoss",
        "arrays/prefix-sums#prefixSquares",
        "arrays/vector-valued#affine",
        "loops/dot-product#dot",
        "loops/horner#horner",
        "matrix/lecture-norm#f",
        "matrix/two-layer#loss",
      ]),
    );
    expect(same.length + refused.length).toBe(companions);
  });

  const horner = (c: number[], x: number) => {
    let y = 0;
    for (let i = c.length - 1; i >= 0; i--) y = y * x + c[i]!;
    return y;
  };
  const squares = (x: Float64Array, k: number): Float64Array => {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = k * x[i]! * x[i]!;
    return out;
  };

  it("compiles once per parameter kinds: number[] and Float64Array give gradients of their own kind", () => {
    const g = grad(horner as (c: number[] | Float64Array, x: number) => number);
    expect(grad(horner)).toBe(grad(horner));
    const a = g([1, 2, 3], 0.5);
    expect(a.grad.c).toEqual([1, 0.5, 0.25]);
    const b = g(new Float64Array([1, 2, 3]), 0.5);
    expect(b.grad.c).toEqual(new Float64Array([1, 0.5, 0.25]));
    expect(b.value).toBe(a.value);
    const arrow = grad((v: number[]) => v[0]! * v[1]!);
    expect(arrow([3, 4])).toEqual({ value: 12, grad: { v: [4, 3] } });
  });

  it("vjp(f)(...args, gradOut) is the gradient of gradOut · f", () => {
    const x = new Float64Array([0.5, -1, 2]);
    const gradOut = new Float64Array([1, 0.25, -2]);
    const r = vjp(squares)(x, 3, gradOut);
    expect(r.value).toEqual(squares(x, 3));
    expect(Array.from(r.grad.x as Float64Array)).toEqual(Array.from(x, (xi, i) => 6 * xi * gradOut[i]!));
    expect(r.grad.k).toBe(x.reduce((s, xi, i) => s + xi * xi * gradOut[i]!, 0));
    expect(vjp(squares, { wrt: ["x"] })(x, 3, gradOut).grad).toEqual({ x: r.grad.x });
  });

  it("tells grad from vjp: each names the function and the one to use", () => {
    const pair = (x: number) => [x, x * x];
    expect(() => grad(pair as never)).toThrow(GradError);
    expect(() => grad(pair as never)).toThrow(
      "grad(pair): 'pair' returns an array, not a number, so it has no gradient; use vjp(pair)",
    );
    expect(() => (grad(squares as never) as (...xs: unknown[]) => unknown)(new Float64Array(2), 1)).toThrow(
      /grad\(squares\): 'squares' returns an array[^]*use vjp\(squares\)/,
    );
    const area = (w: number, h: number) => w * h;
    expect(() => vjp(area as never)).toThrow(
      "vjp(area): 'area' returns a number, not an array; use grad(area) for its gradient",
    );
    expect(() => (vjp(horner as never) as (...xs: unknown[]) => unknown)([1, 2], 0.5, [1])).toThrow(
      /use grad\(horner\)/,
    );
    expect(() => (vjp(squares) as (...xs: unknown[]) => unknown)(new Float64Array(2), 1)).toThrow(/then grad_out/);
    // A plain object is a record, typed by its shape: horner indexes it, which a record cannot be.
    expect(() => (grad(horner) as (...xs: unknown[]) => unknown)({ length: 2 }, 1)).toThrow(
      /typed from the first call's arguments \(c: \{ length: number \}, x: number\)/,
    );
    // An array function's own errors, with the types the call gave.
    const bad = (v: number[]) => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i]! * Math.random();
      return s;
    };
    expect(() => grad(bad)([1])).toThrow(
      /with parameters typed from the first call's arguments \(v: number\[\]\)[^]*ADG3003/,
    );
  });

  it("is typed: array parameters get array gradients, vjp takes gradOut and returns f's value", () => {
    expectTypeOf(grad(horner)).parameters.toEqualTypeOf<[c: number[], x: number]>();
    expectTypeOf(grad(horner)).returns.toEqualTypeOf<{ value: number; grad: { [x: string]: number | number[] } }>();
    // (expect-type cannot compare Float64Array types with themselves: their buffer type defeats it.)
    type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
    const dsq = vjp(squares, { wrt: ["x"] });
    const parameters: Equal<Parameters<typeof dsq>, [x: Float64Array, k: number, gradOut: Float64Array]> = true;
    const returns: Equal<ReturnType<typeof dsq>, { value: Float64Array; grad: { x: Float64Array } }> = true;
    expect([parameters, returns]).toEqual([true, true]);
    // @ts-expect-error: grad needs a function returning a number
    expect(() => grad(squares)).toBeDefined();
    // @ts-expect-error: vjp needs a function returning an array
    expect(() => vjp(horner)).toBeDefined();
  });
});
