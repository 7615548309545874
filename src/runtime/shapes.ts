/**
 * The type of an argument of `grad(f)` at run time, judged from the value (the function's text has
 * no types): a number, an array of numbers, an array of arrays, a record (a plain object, or a
 * class instance: the record of its own fields, since `f`'s text is all the runtime compiles), or
 * an array of records, written as the type the compiler is given (`{ x: number; y: number }[]`).
 */
import { GradError } from "./error.js";
import type { ParamKind } from "./source.js";

const FIELD = /^[A-Za-z_$][\w$]*$/;

/** The kind of argument `name` (a number when absent: a parameter with a default). */
export function kindOf(x: unknown, name: string, label: string): ParamKind {
  if (typeof x === "number" || x === undefined) return "number";
  return shapeOf(x, name, label, true);
}

/** Whether `x` is an object whose own fields are its data: a plain object or a class instance. */
function isRecordValue(x: unknown): x is object {
  if (x === null || typeof x !== "object" || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const proto = Object.getPrototypeOf(x) as object | null;
  if (proto === Object.prototype) return true;
  // A class instance: a prototype made by a `class` (or function) declared in user code, not a
  // built-in (Map, Date, ...), whose constructor's text is not native.
  const ctor = (proto as { constructor?: unknown } | null)?.constructor;
  return typeof ctor === "function" && !/\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(ctor));
}

/** The type of a value inside an argument: a number, an array, a record's type literal or an array of records. */
function shapeOf(x: unknown, name: string, label: string, top = false): ParamKind {
  const shown = top ? `argument '${name}'` : `'${name}'`;
  if (typeof x === "number") return "number";
  if (x instanceof Float64Array) return "Float64Array";
  if (Array.isArray(x)) {
    // An array of arrays (a matrix, its rows number[]s or Float64Arrays), told by its first row.
    if (x[0] instanceof Float64Array) return "Float64Array[]";
    if (Array.isArray(x[0])) return "number[][]";
    if (x.length > 0 && isRecordValue(x[0])) return `${recordsOf(x, name, label)}[]`;
    const at = x.findIndex((v) => typeof v !== "number");
    if (at >= 0)
      throw new GradError(
        `${label}: '${name}[${at}]' is ${describeValue(x[at])}; adgen differentiates arrays of numbers ` +
          `(number[], Float64Array), arrays of arrays and arrays of records`,
      );
    return "number[]";
  }
  if (isRecordValue(x)) return record(x, shown, name, label);
  throw new GradError(
    `${label}: ${shown} is ${describeValue(x)}; adgen differentiates numbers, number[], Float64Array, ` +
      `plain objects and class instances of these, and arrays of them`,
  );
}

/** A record's type literal: its own enumerable fields, in order, each typed by its value. */
function record(x: object, shown: string, name: string, label: string): `{ ${string} }` {
  const fields = Object.entries(x);
  if (fields.length === 0) throw new GradError(`${label}: ${shown} is an object without fields`);
  const typed = fields.map(([k, v]) => {
    if (!FIELD.test(k)) throw new GradError(`${label}: ${shown} has a field '${k}'; record fields are plain names`);
    return `${k}: ${shapeOf(v, `${name}.${k}`, label)}`;
  });
  return `{ ${typed.join("; ")} }`;
}

/**
 * The one record type of every element of an array of records: the elements must all have it
 * (the compiled code reads each field of each element), or the array has no type to compile for.
 */
function recordsOf(xs: unknown[], name: string, label: string): `{ ${string} }` {
  let first: `{ ${string} }` | undefined;
  xs.forEach((x, i) => {
    if (!isRecordValue(x))
      throw new GradError(`${label}: '${name}[${i}]' is ${describeValue(x)}, where '${name}[0]' is a record`);
    const t = record(x, `'${name}[${i}]'`, `${name}[${i}]`, label);
    if (first === undefined) first = t;
    else if (t !== first)
      throw new GradError(
        `${label}: '${name}[${i}]' is ${t} where '${name}[0]' is ${first}; the elements of an array of records ` +
          `must all have the same fields, of the same types`,
      );
  });
  return first!;
}

function describeValue(x: unknown): string {
  return x === null ? "null" : typeof x === "object" ? `a ${x.constructor?.name ?? "object"}` : `a ${typeof x}`;
}

/**
 * What to add to a compile failure when arguments are class instances: the runtime typed them as
 * records of their fields, from `f`'s text alone, so the class's methods and constructor are not
 * known to the compiled code; the bundler plugin, which reads the class, is the way to call them.
 */
export function instancesNote(args: unknown[], names: string[]): string {
  const found = new Map<string, string[]>();
  const visit = (x: unknown, path: string): void => {
    if (Array.isArray(x)) return x.length > 0 ? visit(x[0], `${path}[0]`) : undefined;
    if (!isRecordValue(x)) return;
    const cls = (Object.getPrototypeOf(x) as object).constructor;
    if (cls !== Object) found.set(cls.name || "a class", [...(found.get(cls.name || "a class") ?? []), path]);
    for (const [k, v] of Object.entries(x)) visit(v, `${path}.${k}`);
  };
  args.forEach((a, i) => visit(a, names[i] ?? `#${i + 1}`));
  if (found.size === 0) return "";
  const which = [...found].map(([cls, paths]) => `'${paths.join("', '")}' (${cls})`).join(", ");
  return (
    `\n\n${which}: grad(f) at run time compiles only f's own text (f.toString()), so it takes a class instance ` +
    `for the record of its fields, without its methods or constructor. Use adgen's bundler plugin ` +
    `(adgen/vite, adgen/rollup, adgen/esbuild, adgen/webpack, adgen/rspack), which reads the class, to call them.`
  );
}
