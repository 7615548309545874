/** Points to check generated functions at: parameters of fixtures, sampled as options.json says. */
import type { Fixture, FixtureSpec } from "./fixtures.js";

export type Value = number | Float64Array | number[] | Value[] | { [field: string]: Value };
export type Fn = (...xs: Value[]) => Value;
export type GradFn = (...xs: Value[]) => { value: Value; grad: Record<string, Value> };

export function paramNames(f: Function): string[] {
  // Parameters of compiled functions are plain identifiers (the subset adgen accepts).
  const src = f.toString();
  const open = src.indexOf("(");
  const close = src.indexOf(")", open);
  const list = src.slice(open + 1, close).trim();
  return list ? list.split(",").map((p) => p.trim().split(/[\s:=]/)[0]!) : [];
}

export type Spec =
  | { array: "Float64Array" | "number[]"; length: number }
  | { fixed: number }
  | { record: Record<string, Spec | undefined> }
  | { tuple: (Spec | undefined)[] }
  | { records: Spec | undefined; length: number }
  | undefined;

/**
 * A parameter's kind, from options.json `params`: an array spec, a fixed number, a record of specs
 * (`{ "x": "number" }`), a tuple (`["number", "number"]`), an array of records or tuples
 * (`{ "[4]": { "x": "number", "y": "number" } }`: 4 elements of that spec), or sampled.
 */
export function specOf(spec: FixtureSpec | undefined): Spec {
  if (typeof spec === "number") return { fixed: spec };
  if (Array.isArray(spec)) return { tuple: spec.map(specOf) };
  if (typeof spec === "object") {
    const [only, ...others] = Object.keys(spec);
    const each = only === undefined || others.length > 0 ? null : /^\[(\d+)\]$/.exec(only);
    if (each) return { records: specOf(spec[only!]), length: Number(each[1]) };
    return { record: Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, specOf(v)])) };
  }
  const m = spec === undefined ? null : /^(Float64Array|number\[\])\((\d+)\)$/.exec(spec);
  if (m) return { array: m[1] as "Float64Array" | "number[]", length: Number(m[2]) };
  return undefined;
}
export const paramSpec = (f: Fixture, p: string): Spec => specOf(f.options.params?.[p]);

export function samplePoint(f: Fixture, params: string[], random: () => number): Value[] {
  const d = f.options.domain;
  const draw = (p: string) => {
    const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-2, 2]);
    return lo + (hi - lo) * random();
  };
  const sample = (spec: Spec, p: string): Value => {
    if (spec && "fixed" in spec) return spec.fixed;
    if (spec && "record" in spec)
      return Object.fromEntries(Object.entries(spec.record).map(([k, s]) => [k, sample(s, p)]));
    if (spec && "tuple" in spec) return spec.tuple.map((s) => sample(s, p));
    if (spec && "records" in spec) return Array.from({ length: spec.length }, () => sample(spec.records, p));
    if (spec) {
      const values = Array.from({ length: spec.length }, () => draw(p));
      return spec.array === "Float64Array" ? Float64Array.from(values) : values;
    }
    return draw(p);
  };
  return params.map((p) => sample(paramSpec(f, p), p));
}

export const copy = (x: Value): Value =>
  typeof x === "number"
    ? x
    : x instanceof Float64Array
      ? x.slice()
      : Array.isArray(x)
        ? (x as Value[]).map(copy)
        : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)]));

/** Every number in a value, by its path (fields and indices). */
export function leafPaths(x: Value, path: (string | number)[] = []): (string | number)[][] {
  if (typeof x === "number") return [path];
  if (Array.isArray(x) || x instanceof Float64Array)
    return Array.from(x as ArrayLike<Value>).flatMap((v, k) => leafPaths(v, [...path, k]));
  return Object.entries(x).flatMap(([k, v]) => leafPaths(v, [...path, k]));
}
export const at = (x: Value, path: (string | number)[]): Value =>
  path.reduce<Value>((v, k) => (v as Record<string | number, Value>)[k]!, x);
/** A copy of `x` with the number at `path` replaced. */
export function withLeaf(x: Value, path: (string | number)[], value: number): Value {
  if (path.length === 0) return value;
  const y = copy(x) as Record<string | number, Value>;
  y[path[0]!] = withLeaf(y[path[0]!]!, path.slice(1), value);
  return y as Value;
}
/** The shape of a value: what a gradient of it must have (kinds, lengths, fields in order). */
export function shape(x: Value): unknown {
  if (typeof x === "number") return "number";
  if (x instanceof Float64Array || (Array.isArray(x) && x.every((v) => typeof v === "number")))
    return `${x.constructor.name}(${x.length})`;
  if (Array.isArray(x)) return (x as Value[]).map(shape);
  return Object.entries(x).map(([k, v]) => [k, shape(v)]);
}

export const dotWith = (w: ArrayLike<number>, y: Value): number => {
  if (!Array.isArray(y) && !(y instanceof Float64Array)) throw new Error("expected an array result");
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i]! * (y[i] as number);
  return s;
};

/** `x + e * t` for a number or an array (`t` undefined: `x` itself). */
export const along = (x: Value, t: Value | undefined, e: number): Value => {
  if (t === undefined) return copy(x);
  if (typeof x === "number") return x + e * (t as number);
  const y = copy(x) as number[];
  for (let k = 0; k < y.length; k++) y[k]! += e * (t as ArrayLike<number>)[k]!;
  return y;
};

/** A random direction at `xs`: a number or an array per parameter of `moved` that is not a size. */
export function randomDirection(
  f: Fixture,
  params: string[],
  moved: string[],
  xs: Value[],
  random: () => number,
): Record<string, Value> {
  const t: Record<string, Value> = {};
  for (const p of moved) {
    const x = xs[params.indexOf(p)]!;
    const spec = paramSpec(f, p);
    if (spec && "fixed" in spec) continue;
    t[p] =
      typeof x === "number"
        ? random() * 2 - 1
        : (x.constructor as typeof Float64Array).from(x as ArrayLike<number>, () => random() * 2 - 1);
  }
  return t;
}
