/**
 * `f_jacobian` on every fixture of a function returning an array: its value is `f`'s, it has a
 * row per output and a column per flattened input, and it agrees with finite differences of `f`,
 * with `f_jvp` (`J t`) and with `f_vjp` (`wᵀ J`). Then both of the modes a generated Jacobian
 * chooses between at run time, the ones chosen at compile time, records, and a scalar function.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, type CompileOptions } from "../src/index.js";
import { passingFixtures, root, type Fixture } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";
import { copy, flatten, paramNames, samplePoint, type Fn, type Value } from "./support/points.js";
import { flatInputs } from "./support/flat.js";

type JacobianFn = (...xs: Value[]) => { value: Value; jacobian: number[][] };
type JvpFn = (...xs: Value[]) => { value: Value; tangent: Value };
type VjpFn = (...xs: Value[]) => { value: Value; grad: Record<string, Value> };

const out = join(root, "test", ".generated", "jacobian");
mkdirSync(out, { recursive: true });

/** Compiles `source` with `modes`, writes the module under `file` and imports it. */
async function generate(source: string, file: string, options: CompileOptions) {
  const result = await compile(source, { format: false, ...options });
  expect(result.diagnostics).toEqual([]);
  const path = join(out, file);
  writeFileSync(path, result.code);
  return { module: (await import(path)) as Record<string, unknown>, functions: result.functions };
}

/**
 * Checks `base_jacobian` of `module` at `xs` against differences of `f`, and against `base_jvp`
 * and `base_vjp` when the module has them. Returns the Jacobian.
 */
function checkJacobian(
  module: Record<string, unknown>,
  base: string,
  f: Fn,
  xs: Value[],
  wrt: string[],
  fixture: Fixture | undefined,
  random: () => number,
): number[][] {
  const params = paramNames(f);
  const y = f(...xs.map(copy));
  const args = xs.map(copy);
  const { value, jacobian } = (module[`${base}_jacobian`] as JacobianFn)(...args);
  expect(value).toEqual(y);
  args.forEach((a, i) => expect(a, `${base}_jacobian must not modify ${params[i]}`).toEqual(xs[i]));
  const ys = flatten(y);
  const inputs = flatInputs(fixture, params, wrt, xs);
  expect(jacobian.length, "a row per output").toBe(ys.length);
  for (const row of jacobian) expect(row.length, "a column per input").toBe(inputs.length);
  const tol = fixture?.options.tolerance ?? 1e-6;
  inputs.forEach((input, k) => {
    if (input.fixed) return;
    ys.forEach((_, i) => {
      const fd = finiteDifference(
        (es) => flatten(f(...input.set(xs, es[0]!)))[i]!,
        [input.value],
        0,
        fixture?.options.step,
      );
      const ad = jacobian[i]![k]!;
      expect(close(ad, fd, tol), `${base} J[${i}][${k}] at ${JSON.stringify(xs)}: adgen ${ad}, differences ${fd}`).toBe(
        true,
      );
    });
  });
  const jvp = module[`${base}_jvp`] as JvpFn | undefined;
  const vjp = module[`${base}_vjp`] as VjpFn | undefined;
  if (jvp) {
    // J t, for a random t over the inputs, is the tangent along t.
    const t = Object.fromEntries(
      wrt.map((p) => {
        const x = xs[params.indexOf(p)]!;
        const r = (v: Value): Value =>
          typeof v === "number"
            ? random() * 2 - 1
            : v instanceof Float64Array || (Array.isArray(v) && v.every((w) => typeof w === "number"))
              ? (v.constructor as typeof Float64Array).from(v as ArrayLike<number>, () => random() * 2 - 1)
              : Array.isArray(v)
                ? (v as Value[]).map(r)
                : Object.fromEntries(Object.entries(v).map(([key, w]) => [key, r(w)]));
        return [p, r(x)];
      }),
    );
    const flatT = wrt.flatMap((p) => flatten(t[p]!));
    const tangent = flatten(jvp(...xs.map(copy), t).tangent);
    jacobian.forEach((row, i) => {
      const jt = row.reduce((s, a, k) => s + a * flatT[k]!, 0);
      expect(close(jt, tangent[i]!, 1e-9), `${base} (J t)[${i}]: ${jt}, f_jvp ${tangent[i]}`).toBe(true);
    });
  }
  if (vjp) {
    // wᵀ J is the gradient of w · f.
    const w = ys.map(() => random() * 2 - 1);
    const seed = y instanceof Float64Array ? Float64Array.from(w) : w;
    const { grad } = vjp(...xs.map(copy), seed);
    const flatGrad = wrt.flatMap((p) => flatten(grad[p]!));
    inputs.forEach((_, k) => {
      const wj = w.reduce((s, wi, i) => s + wi * jacobian[i]![k]!, 0);
      expect(close(wj, flatGrad[k]!, 1e-9), `${base} (wᵀ J)[${k}]: ${wj}, f_vjp ${flatGrad[k]}`).toBe(true);
    });
  }
  return jacobian;
}

const vectorValued = passingFixtures().filter((f) => readFileSync(join(f.dir, "output.ts"), "utf8").includes("_vjp("));

describe.each(vectorValued.map((f) => [f.name, f] as const))("%s", (_, fixture) => {
  it("f_jacobian agrees with finite differences, f_jvp and f_vjp", async () => {
    const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
    const options = {
      fileName: fixture.input,
      modes: ["jacobian" as const],
      ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
    };
    const { module, functions } = await generate(source, `${fixture.name.replace("/", "--")}.ts`, options);
    const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, unknown>;
    const names = Object.keys(module).filter((k) => k.endsWith("_jacobian"));
    expect(names.length).toBeGreaterThan(0);
    const seeded = rng(0x1ac0);
    for (const name of names) {
      const base = name.slice(0, -"_jacobian".length);
      const f = input[base] as Fn;
      const params = paramNames(f);
      const data = new Set(
        functions
          .find((g) => g.name === name)!
          .params.filter((p) => p.data)
          .map((p) => p.name),
      );
      const wrt = params.filter((p) => (fixture.options.wrt ? fixture.options.wrt.includes(p) : !data.has(p)));
      for (let point = 0; point < 2; point++)
        checkJacobian(module, base, f, samplePoint(fixture, params, seeded, input), wrt, fixture, seeded);
    }
  });
});

describe("f_jacobian's choice of mode", () => {
  const source = `
interface Pair { a: number; w: Float64Array }
/** n inputs, 2 n + 1 outputs. */
export function spread(x: Float64Array, s: number): Float64Array {
  const y = new Float64Array(2 * x.length + 1);
  for (let i = 0; i < x.length; i++) {
    y[2 * i] = Math.sin(x[i]! * s);
    y[2 * i + 1] = x[i]! * x[i]!;
  }
  y[2 * x.length] = s * s;
  return y;
}
/** 2 n inputs (and s), 2 outputs. */
export function pool(x: number[], s: number): number[] {
  let a = 0;
  let b = 1;
  for (let i = 0; i < x.length; i++) {
    a += Math.tanh(x[i]! * s);
    b *= 1 + 0.1 * x[i]!;
  }
  return [a, b];
}
/** Fixed sizes: 2 inputs, 3 outputs. */
export function polar(r: number, t: number): number[] {
  return [r * Math.cos(t), r * Math.sin(t), r * r];
}
/** Fixed sizes: 3 inputs, 2 outputs. */
export function cross(x: number, y: number, z: number): number[] {
  return [x * y - z, Math.exp(x * z)];
}
/** A record input. */
export function scaled(p: Pair, k: number): Float64Array {
  const y = new Float64Array(p.w.length);
  for (let i = 0; i < p.w.length; i++) y[i] = p.a * Math.sin(p.w[i]! * k);
  return y;
}
/** A number out: one row, the gradient. */
export function norm(x: Float64Array, s: number): number {
  let t = 0;
  for (let i = 0; i < x.length; i++) t += x[i]! * x[i]! * s;
  return Math.sqrt(t);
}
`;
  const seeded = rng(0xc0de);
  const arr = (n: number) => Float64Array.from({ length: n }, () => seeded() * 2 - 1);
  const fns: Record<string, Fn> = {};
  const loaded = (async () => {
    const { module, functions } = await generate(source, "modes.ts", { fileName: "modes.ts", modes: ["jacobian"] });
    // The functions themselves, to take differences of.
    const file = join(out, "modes-input.ts");
    writeFileSync(file, source);
    Object.assign(fns, (await import(file)) as Record<string, Fn>);
    return { module, functions };
  })();

  it("decides at run time between columns (fewer inputs) and rows (fewer outputs)", async () => {
    const { module } = await loaded;
    const code = readFileSync(join(out, "modes.ts"), "utf8");
    expect(code).toMatch(/export function spread_jacobian[^]*if \(n < m\) \{/);
    // spread: 3 + 1 inputs and 7 outputs (by columns); 1 + 1 inputs, 3 outputs (columns).
    checkJacobian(module, "spread", fns.spread!, [arr(3), 0.7], ["x", "s"], undefined, seeded);
    checkJacobian(module, "spread", fns.spread!, [arr(1), -1.2], ["x", "s"], undefined, seeded);
    // pool: 6 + 1 inputs and 2 outputs (by rows); no elements: 1 input, 2 outputs (by columns).
    checkJacobian(module, "pool", fns.pool!, [Array.from(arr(6)), 0.4], ["x", "s"], undefined, seeded);
    const empty = checkJacobian(module, "pool", fns.pool!, [[], 0.4], ["x", "s"], undefined, seeded);
    expect(empty).toEqual([[0], [0]]);
  });

  it("decides at compile time when the sizes are fixed, and calls only that mode", async () => {
    const { module, functions } = await loaded;
    const names = functions.map((f) => f.name);
    expect(names).toContain("polar_jvp");
    expect(names).not.toContain("polar_vjp");
    expect(names).toContain("cross_vjp");
    expect(names).not.toContain("cross_jvp");
    checkJacobian(module, "polar", fns.polar!, [1.3, 0.4], ["r", "t"], undefined, seeded);
    checkJacobian(module, "cross", fns.cross!, [0.3, -0.8, 0.5], ["x", "y", "z"], undefined, seeded);
  });

  it("flattens a record's leaves in field order", async () => {
    const { module } = await loaded;
    const j = checkJacobian(module, "scaled", fns.scaled!, [{ a: 0.8, w: arr(3) }, 1.1], ["p", "k"], undefined, seeded);
    expect(j[0]!.length).toBe(5);
  });

  it("gives a function returning a number one row, its gradient", async () => {
    const { module } = await loaded;
    const x = arr(4);
    const { value, jacobian } = (module.norm_jacobian as JacobianFn)(x, 0.9);
    expect(value).toBe(fns.norm!(x, 0.9));
    const { grad } = (module.norm_grad as VjpFn)(x, 0.9);
    expect(jacobian).toEqual([[...flatten(grad.x!), grad.s as number]]);
  });
});
