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
  /** An array of arrays: `number[][](3x4)` (3 rows of 4), `Float64Array[](2,3,1)` (ragged: rows of 2, 3 and 1). */
  | { rows: "Float64Array" | "number[]"; lengths: number[] }
  | { fixed: number }
  | { record: Record<string, Spec | undefined>; class?: string }
  | { tuple: (Spec | undefined)[] }
  | { records: Spec | undefined; length: number }
  | undefined;

/**
 * A parameter's kind, from options.json `params`: an array spec, a fixed number, a record of specs
 * (`{ "x": "number" }`; an instance of the input's class named by its `"@class"` entry), a tuple
 * (`["number", "number"]`), an array of records or tuples (`{ "[4]": { "x": "number", "y": "number" } }`:
 * 4 elements of that spec), or sampled.
 */
export function specOf(spec: FixtureSpec | undefined): Spec {
  if (typeof spec === "number") return { fixed: spec };
  if (Array.isArray(spec)) return { tuple: spec.map(specOf) };
  if (typeof spec === "object") {
    const [only, ...others] = Object.keys(spec);
    const each = only === undefined || others.length > 0 ? null : /^\[(\d+)\]$/.exec(only);
    if (each) return { records: specOf(spec[only!]), length: Number(each[1]) };
    const { "@class": cls, ...fields } = spec;
    return {
      record: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, specOf(v)])),
      ...(typeof cls === "string" ? { class: cls } : {}),
    };
  }
  const m = spec === undefined ? null : /^(Float64Array|number\[\])\((\d+)\)$/.exec(spec);
  if (m) return { array: m[1] as "Float64Array" | "number[]", length: Number(m[2]) };
  const n = spec === undefined ? null : /^(Float64Array|number\[\])\[\]\((\d+)(?:x(\d+)|((?:,\d+)*))\)$/.exec(spec);
  if (n) {
    const rows = n[1] as "Float64Array" | "number[]";
    const lengths =
      n[3] !== undefined
        ? Array<number>(Number(n[2])).fill(Number(n[3]))
        : [n[2], ...(n[4] ?? "").split(",").slice(1)].map(Number);
    return { rows, lengths };
  }
  return undefined;
}
export const paramSpec = (f: Fixture, p: string): Spec => specOf(f.options.params?.[p]);

/** `classes`: the input module's exports, where a record spec's `"@class"` is found. */
export function samplePoint(
  f: Fixture,
  params: string[],
  random: () => number,
  classes: Record<string, unknown> = {},
): Value[] {
  const d = f.options.domain;
  const draw = (p: string) => {
    const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-2, 2]);
    return lo + (hi - lo) * random();
  };
  const sample = (spec: Spec, p: string): Value => {
    if (spec && "fixed" in spec) return spec.fixed;
    if (spec && "record" in spec) {
      const fields = Object.fromEntries(Object.entries(spec.record).map(([k, s]) => [k, sample(s, p)]));
      if (spec.class === undefined) return fields;
      const cls = classes[spec.class] as { prototype: object } | undefined;
      if (!cls) throw new Error(`options.json: the input has no class '${spec.class}'`);
      return Object.assign(Object.create(cls.prototype) as object, fields);
    }
    if (spec && "rows" in spec)
      return spec.lengths.map((length) => sample({ array: spec.rows, length }, p)) as number[][] | Float64Array[];
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

/** A deep copy; an object keeps its prototype (a class instance stays one). */
export const copy = (x: Value): Value =>
  typeof x === "number"
    ? x
    : Array.isArray(x)
      ? ((x as Value[]).map(copy) as Value)
      : x instanceof Float64Array
        ? x.slice()
        : Object.assign(
            Object.create(Object.getPrototypeOf(x) as object) as object,
            Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)])),
          );

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

/** Every number in a value, in order: itself, an array's elements (a matrix's row by row, an
 * array of records' element by element), a record's leaves field by field. */
export const flatten = (x: Value): number[] =>
  typeof x === "number"
    ? [x]
    : x instanceof Float64Array
      ? Array.from(x)
      : Array.isArray(x)
        ? (x as Value[]).flatMap(flatten)
        : Object.values(x).flatMap(flatten);

/** An array of numbers (not of arrays or records). */
const numeric = (x: Value): x is number[] | Float64Array =>
  x instanceof Float64Array || (Array.isArray(x) && x.every((v) => typeof v === "number"));

/** `a · b` over every number of two values of the same shape. */
export const inner = (a: Value, b: Value): number => {
  const x = flatten(a);
  const y = flatten(b);
  return x.reduce((s, xi, k) => s + xi * y[k]!, 0);
};

/** `x + e * t` for a number, an array or a record (`t` undefined: `x` itself; a field it lacks: unmoved). */
export const along = (x: Value, t: Value | undefined, e: number): Value => {
  if (t === undefined) return copy(x);
  if (typeof x === "number") return x + e * (t as number);
  if (!Array.isArray(x) && !(x instanceof Float64Array)) {
    const r = t as Record<string, Value>;
    // A class instance stays one (its methods are what f calls).
    return Object.assign(
      Object.create(Object.getPrototypeOf(x) as object) as object,
      Object.fromEntries(Object.entries(x).map(([k, v]) => [k, along(v, r[k], e)])),
    );
  }
  if (!numeric(x)) return (x as Value[]).map((v, k) => along(v, (t as Value[])[k], e));
  const y = copy(x) as number[];
  for (let k = 0; k < y.length; k++) y[k]! += e * (t as ArrayLike<number>)[k]!;
  return y;
};

/** A random value shaped like `x`, each number in [-1, 1). */
const randomLike = (x: Value, random: () => number): Value =>
  typeof x === "number"
    ? random() * 2 - 1
    : numeric(x)
      ? (x.constructor as typeof Float64Array).from(x as ArrayLike<number>, () => random() * 2 - 1)
      : Array.isArray(x)
        ? (x as Value[]).map((v) => randomLike(v, random))
        : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, randomLike(v, random)]));

/** A random direction at `xs`: a value shaped like each parameter of `moved` that is not a size. */
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
    t[p] = randomLike(x, random);
  }
  return t;
}
