/**
 * Walking the arguments and results of a checked function: any nesting of numbers, arrays
 * (`number[]`, `Float64Array`, arrays of those) and plain objects. A leaf is one number, found by
 * its path (`["a", 2]` is `a[2]`). Nothing here knows which shapes adgen supports today, so
 * records and nested arrays need no change here when the compiler learns them.
 */

/** Where a number sits inside a value: array indices and object keys, outermost first. */
export type Path = readonly (string | number)[];

/** Float64Array, Float32Array and the other typed arrays of numbers. */
function isTypedArray(x: unknown): x is Float64Array | Float32Array {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && typeof (x as Float64Array).length === "number";
}

/**
 * A record: a plain object, or an instance of a class of the user's (its own fields are its data,
 * as adgen takes it; a built-in such as a Map or a Date is not one).
 */
function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const proto = Object.getPrototypeOf(x) as { constructor?: unknown } | null;
  if (proto === Object.prototype || proto === null) return true;
  const ctor = proto.constructor;
  return typeof ctor === "function" && !/\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(ctor));
}

/** A record like `x` (a class instance stays an instance of its class) with these fields. */
function rebuild<T>(x: Record<string, unknown>, entries: [string, unknown][]): T {
  const proto = Object.getPrototypeOf(x) as object | null;
  const fields = Object.fromEntries(entries);
  return (proto === Object.prototype ? fields : Object.assign(Object.create(proto) as object, fields)) as T;
}

/** Whether `x` is something the checker can walk: a number, or an array or plain object of such. */
export function isWalkable(x: unknown): boolean {
  if (typeof x === "number") return true;
  if (isTypedArray(x)) return true;
  if (Array.isArray(x)) return x.every(isWalkable);
  if (isPlainObject(x)) return Object.values(x).every(isWalkable);
  return false;
}

/** The paths of every number in `x`, in order (a number itself has the empty path). */
export function leaves(x: unknown, prefix: Path = []): Path[] {
  if (typeof x === "number") return [prefix];
  if (isTypedArray(x)) return Array.from({ length: x.length }, (_, i) => [...prefix, i]);
  if (Array.isArray(x)) return x.flatMap((e, i) => leaves(e, [...prefix, i]));
  if (isPlainObject(x)) return Object.entries(x).flatMap(([k, v]) => leaves(v, [...prefix, k]));
  return [];
}

/** The number at `path` in `x` (undefined when there is none). */
export function getAt(x: unknown, path: Path): number | undefined {
  let v: unknown = x;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return typeof v === "number" ? v : undefined;
}

/** A deep copy of `x` with the same kinds of arrays; numbers and other values as they are. */
export function clone<T>(x: T): T {
  if (isTypedArray(x)) return x.slice() as T;
  if (Array.isArray(x)) return x.map(clone) as T;
  if (isPlainObject(x))
    return rebuild(
      x,
      Object.entries(x).map(([k, v]) => [k, clone(v)]),
    );
  return x;
}

/** `x` with every leaf replaced by `leaf(path, value)`; same shape and array kinds. */
export function mapLeaves<T>(x: T, leaf: (path: Path, value: number) => number, prefix: Path = []): T {
  if (typeof x === "number") return leaf(prefix, x) as T;
  if (isTypedArray(x)) return x.map((v, i) => leaf([...prefix, i], v)) as T;
  if (Array.isArray(x)) return x.map((e, i) => mapLeaves(e, leaf, [...prefix, i])) as T;
  if (isPlainObject(x))
    return rebuild(
      x,
      Object.entries(x).map(([k, v]) => [k, mapLeaves(v, leaf, [...prefix, k])]),
    );
  return x;
}

/** `x + t * direction`, leaf by leaf (`direction` has `x`'s shape). */
export function along<T>(x: T, direction: unknown, t: number): T {
  return mapLeaves(x, (path, v) => v + t * (getAt(direction, path) ?? 0));
}

/** Σ a·b over the leaves of `a` (`b` of the same shape; a missing leaf counts as NaN). */
export function dot(a: unknown, b: unknown): number {
  let s = 0;
  for (const path of leaves(a)) s += getAt(a, path)! * (getAt(b, path) ?? Number.NaN);
  return s;
}

/** Whether every leaf of `x` is finite (and `x` has the walkable shape at all). */
export function allFinite(x: unknown): boolean {
  return isWalkable(x) && leaves(x).every((p) => Number.isFinite(getAt(x, p)));
}

/** Whether `a` and `b` are the same value: same shape, every number identical (NaN equals NaN). */
export function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof b === "number") return Object.is(a, b) || a === b;
  if (!isWalkable(a) || !isWalkable(b)) return false;
  const pa = leaves(a);
  const pb = leaves(b);
  if (pa.length !== pb.length || pa.some((p, i) => pathText(p) !== pathText(pb[i]!))) return false;
  return pa.every((p) => {
    const x = getAt(a, p)!;
    const y = getAt(b, p)!;
    return x === y || (Number.isNaN(x) && Number.isNaN(y));
  });
}

/** `[2]`, `.x`, `[1][0]`: how a path reads after a name. */
export function pathText(path: Path): string {
  return path
    .map((k) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join("");
}

/** A number as short as it reads back exactly (`-0.5`, `1e-7`, `NaN`). */
export function numberText(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}

/** `x` as the CLI's `--at` reads it: numbers, JSON arrays and objects (typed arrays as arrays). */
export function valueText(x: unknown): string {
  if (typeof x === "number") return numberText(x);
  if (isTypedArray(x) || Array.isArray(x)) return `[${Array.from(x as ArrayLike<unknown>, valueText).join(",")}]`;
  if (isPlainObject(x))
    return `{${Object.entries(x)
      .map(([k, v]) => `${JSON.stringify(k)}:${valueText(v)}`)
      .join(",")}}`;
  return String(x);
}

/** `w0=2,a=[1,2]`: a point as `--at` reads it. */
export function pointText(params: readonly string[], args: readonly unknown[]): string {
  return args.map((a, i) => `${params[i] ?? `#${i + 1}`}=${valueText(a)}`).join(",");
}
