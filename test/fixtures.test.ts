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
import { passingFixtures, type Fixture, type FixtureSpec } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";

type Value = number | Float64Array | number[] | { [field: string]: Value };
type Fn = (...xs: Value[]) => Value;
type GradFn = (...xs: Value[]) => { value: Value; grad: Record<string, Value> };

const fixtures = passingFixtures();

function paramNames(f: Function): string[] {
  // Parameters of compiled functions are plain identifiers (the subset adgen accepts).
  const src = f.toString();
  const open = src.indexOf("(");
  const close = src.indexOf(")", open);
  const list = src.slice(open + 1, close).trim();
  return list ? list.split(",").map((p) => p.trim().split(/[\s:=]/)[0]!) : [];
}

type Spec =
  | { array: "Float64Array" | "number[]"; length: number }
  | { fixed: number }
  | { record: Record<string, Spec | undefined> }
  | undefined;

/** A parameter's kind, from options.json `params`: an array spec, a fixed number, a record of specs, or sampled. */
function specOf(spec: FixtureSpec | undefined): Spec {
  if (typeof spec === "number") return { fixed: spec };
  if (typeof spec === "object")
    return { record: Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, specOf(v)])) };
  const m = spec === undefined ? null : /^(Float64Array|number\[\])\((\d+)\)$/.exec(spec);
  if (m) return { array: m[1] as "Float64Array" | "number[]", length: Number(m[2]) };
  return undefined;
}
const paramSpec = (f: Fixture, p: string): Spec => specOf(f.options.params?.[p]);

function samplePoint(f: Fixture, params: string[], random: () => number): Value[] {
  const d = f.options.domain;
  const draw = (p: string) => {
    const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-2, 2]);
    return lo + (hi - lo) * random();
  };
  const sample = (spec: Spec, p: string): Value => {
    if (spec && "fixed" in spec) return spec.fixed;
    if (spec && "record" in spec)
      return Object.fromEntries(Object.entries(spec.record).map(([k, s]) => [k, sample(s, p)]));
    if (spec) {
      const values = Array.from({ length: spec.length }, () => draw(p));
      return spec.array === "Float64Array" ? Float64Array.from(values) : values;
    }
    return draw(p);
  };
  return params.map((p) => sample(paramSpec(f, p), p));
}

const copy = (x: Value): Value =>
  typeof x === "number"
    ? x
    : Array.isArray(x) || x instanceof Float64Array
      ? x.slice()
      : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)]));

/** Every number in a value, by its path (fields and indices). */
function leafPaths(x: Value, path: (string | number)[] = []): (string | number)[][] {
  if (typeof x === "number") return [path];
  if (Array.isArray(x) || x instanceof Float64Array) return Array.from({ length: x.length }, (_, k) => [...path, k]);
  return Object.entries(x).flatMap(([k, v]) => leafPaths(v, [...path, k]));
}
const at = (x: Value, path: (string | number)[]): Value =>
  path.reduce<Value>((v, k) => (v as Record<string | number, Value>)[k]!, x);
/** A copy of `x` with the number at `path` replaced. */
function withLeaf(x: Value, path: (string | number)[], value: number): Value {
  if (path.length === 0) return value;
  const y = copy(x) as Record<string | number, Value>;
  y[path[0]!] = withLeaf(y[path[0]!]!, path.slice(1), value);
  return y as Value;
}
/** The shape of a value: what a gradient of it must have (kinds, lengths, fields in order). */
function shape(x: Value): unknown {
  if (typeof x === "number") return "number";
  if (Array.isArray(x) || x instanceof Float64Array) return `${x.constructor.name}(${x.length})`;
  return Object.entries(x).map(([k, v]) => [k, shape(v)]);
}

const dotWith = (w: ArrayLike<number>, y: Value): number => {
  if (!Array.isArray(y) && !(y instanceof Float64Array)) throw new Error("expected an array result");
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i]! * y[i]!;
  return s;
};

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
    const companions = Object.keys(output).filter((k) => k.endsWith("_grad") || k.endsWith("_vjp"));
    expect(companions.length).toBeGreaterThan(0);
    const seeded = rng(0x5eed);
    for (const name of companions) {
      const vector = name.endsWith("_vjp");
      const f = input[name.slice(0, name.lastIndexOf("_"))] as Fn;
      const fGrad = output[name] as GradFn;
      expect(typeof f).toBe("function");
      const params = paramNames(f);
      const wrt = fixture.options.wrt ? params.filter((p) => fixture.options.wrt!.includes(p)) : params;
      const random = Array.from({ length: fixture.options.points ?? 5 }, () => samplePoint(fixture, params, seeded));
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
