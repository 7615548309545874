/**
 * What the fuzzer's checks share: the values programs take, running the original and a generated
 * companion in fresh `node:vm` contexts (a generated loop that never ends is stopped), and
 * printing values in failure messages.
 */
import vm from "node:vm";
import * as gates from "../src/gates/index.js";
import { printProgram, type Program } from "./ast.js";
import type { FailureKind, Outcome } from "./check.js";

/** A record parameter (`R`) is a plain object of numbers. */
export type Rec = { [field: string]: number };
export type Value = number | Float64Array | number[] | Rec;
export type Fn = (...xs: Value[]) => Value;

/**
 * Generated code runs in microseconds; seconds mean a loop that does not end. Generous, since a
 * loaded machine (CI, two cores) can stall a run for a few hundred milliseconds.
 */
export const TIMEOUT_MS = 5000;

export function fail(kind: FailureKind, detail: string, key: string = kind): Outcome {
  return { status: "fail", kind, detail, key };
}

function context(): vm.Context {
  return vm.createContext({ ...gates, Math, Float64Array, Array, Error, __steps: 0 });
}

/** The original, as JavaScript printed from the AST, with a loop guard. */
export function loadOriginal(p: Program): Fn {
  const ctx = context();
  vm.runInContext(`"use strict";\n${printProgram(p, { types: false, guard: true })}\nglobalThis.__f = f;`, ctx);
  const f = ctx.__f as Fn;
  return (...xs) => {
    ctx.__steps = 0;
    return f(...xs);
  };
}

/** The generated module's companion; its imports of adgen/gates are bound from the context. */
export function loadGenerated<R = { value: Value; grad: Record<string, Value> }>(
  code: string,
  name: string,
): (xs: unknown[]) => R {
  const body: string[] = [];
  for (const line of code.split("\n")) {
    if (/^import\b/.test(line)) {
      if (!/from "adgen\/gates";\s*$/.test(line)) throw new Error(`imports from outside adgen/gates: ${line}`);
      continue;
    }
    body.push(line.replace(/^export\s+/, ""));
  }
  const ctx = context();
  vm.runInContext(`"use strict";\n${body.join("\n")}\nglobalThis.__g = ${name};`, ctx, { timeout: TIMEOUT_MS });
  return (xs) => {
    ctx.__args = xs;
    vm.runInContext("globalThis.__out = __g(...__args);", ctx, { timeout: TIMEOUT_MS });
    return ctx.__out as R;
  };
}

export const isRec = (x: unknown): x is Rec =>
  typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Float64Array);
export const copy = (x: Value): Value => (typeof x === "number" ? x : isRec(x) ? { ...x } : x.slice());
export const finite = (y: Value) =>
  typeof y === "number" ? Number.isFinite(y) : Object.values(y as ArrayLike<number>).every(Number.isFinite);
export const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));
export const show = (v: unknown) =>
  typeof v === "number"
    ? String(v)
    : isRec(v)
      ? `{ ${Object.entries(v)
          .map(([k, x]) => `${k}: ${x}`)
          .join(", ")} }`
      : `[${Array.from(v as ArrayLike<number>).join(", ")}]`;
/** The entries of a parameter that get a partial derivative: none for a number, indices, a record's fields. */
export const keysOf = (x: Value): (number | string)[] =>
  typeof x === "number" ? [] : isRec(x) ? Object.keys(x) : Array.from({ length: x.length }, (_, k) => k);

export function errorName(e: unknown): string {
  const n = (e as { name?: unknown })?.name;
  return typeof n === "string" ? n : "Error";
}
