/**
 * What the page does with the source, without the DOM: compile it (timed), and run a generated
 * gradient function on the values typed in the inputs.
 */
import { compile, compileSync, type CompileResult, type GeneratedFunction } from "../../src/index.js";
import * as gates from "../../src/gates/index.js";
import { instantiate } from "../../src/runtime/instantiate.js";

/** The page has one file and no disk: a relative import is a module adgen cannot find. */
const noFiles = () => undefined;

export interface Compiled {
  result: CompileResult;
  /** Milliseconds `compile()` took (parse to formatted TypeScript). */
  ms: number;
}

/** Compiles the source to the TypeScript module the page shows. */
export async function compileSource(source: string): Promise<Compiled> {
  const start = performance.now();
  const result = await compile(source, { fileName: "input.ts", readFile: noFiles });
  return { result, ms: performance.now() - start };
}

/** What generated code imports from adgen/gates: the page's own copy of the gates. */
const gateMap = new Map(
  Object.entries(gates as Record<string, unknown>).filter((e): e is [string, Function] => typeof e[1] === "function"),
);

/** The gradient functions of the source, live: compiled again as JavaScript and instantiated. */
export function liveFunctions(source: string): Map<string, Function> {
  const js = compileSync(source, { fileName: "input.ts", readFile: noFiles, language: "js" });
  const live = new Map<string, Function>();
  for (const f of js.functions)
    if (f.kind === "grad") live.set(f.name, instantiate(js.code, f.name, gateMap, "playground"));
  return live;
}

/** A parameter's value from its text: a number, or numbers separated by commas for an array. */
export function parseValue(type: string, text: string): number | number[] | Float64Array | undefined {
  if (type === "number") {
    const x = text.trim() === "" ? NaN : Number(text);
    return Number.isNaN(x) ? undefined : x;
  }
  const parts = text.split(",").map((s) => s.trim());
  const xs = parts.filter((s) => s !== "").map(Number);
  if (xs.length !== parts.length || xs.some(Number.isNaN)) return undefined;
  return type === "Float64Array" ? Float64Array.from(xs) : xs;
}

export interface Evaluation {
  value: number;
  /** Each parameter's gradient, by name: a number, or one per element. */
  grad: Record<string, number | number[]>;
}

/**
 * Calls a generated `f_grad` with the typed values. Returns the first parameter whose text is not
 * a value of its type as a string, or what threw.
 */
export function evaluate(
  f: Function,
  fn: GeneratedFunction,
  texts: Record<string, string>,
): Evaluation | { error: string } {
  const args: unknown[] = [];
  for (const p of fn.params) {
    const value = parseValue(p.type, texts[p.name] ?? "");
    if (value === undefined)
      return { error: `'${p.name}' needs ${p.type === "number" ? "a number" : "numbers separated by commas"}` };
    args.push(value);
  }
  try {
    const out = f(...args) as { value: number; grad: Record<string, number | ArrayLike<number>> };
    const grad: Evaluation["grad"] = {};
    for (const [name, g] of Object.entries(out.grad)) grad[name] = typeof g === "number" ? g : Array.from(g);
    return { value: out.value, grad };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
