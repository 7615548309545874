/**
 * `grad(f)`: the gradient of `f`, compiled at run time from `f.toString()`.
 *
 * With adgen's bundler plugin (`adgen/vite`, `adgen/rollup`, ...) every `grad(f)` whose `f` the
 * plugin can see is replaced at build time by the generated companion `f_grad`, and this code
 * never runs. Without it (a script, a REPL, a test) `grad` compiles the function's source text
 * with `compileSync` on first use, evaluates the generated code with `new Function`, and caches
 * the result per function. Anything it cannot compile throws the compiler's diagnostics.
 */
import * as gates from "../gates/index.js";
import { compileSync, formatDiagnostic } from "../index.js";
import { GradError } from "./error.js";
import { instantiate } from "./instantiate.js";
import { prepareSource } from "./source.js";

export { GradError } from "./error.js";

/** What a gradient function returns: `f`'s value and one partial derivative per parameter. */
export interface GradResult<K extends string = string> {
  /** Exactly what `f` returns at the same arguments. */
  value: number;
  /** ∂f/∂p for every differentiated parameter `p`, keyed by the parameter's name. */
  grad: { [P in K]: number };
}

/** `f`'s gradient: takes `f`'s arguments, returns its value and gradient. */
export type GradFunction<F extends (...args: never[]) => number, K extends string = string> = (
  ...args: Parameters<F>
) => GradResult<K>;

export interface GradOptions<W extends readonly string[] = readonly string[]> {
  /** Differentiate only these parameters (default: all of them). */
  wrt?: W;
}

type NumericFunction = (...args: number[]) => number;
type Compiled = (...args: number[]) => GradResult;

/** Compiled gradients, per function and per `wrt` list. */
const cache = new WeakMap<Function, Map<string, Compiled>>();

/**
 * adgen's built-in scalar gates, by name: the only free names `f` may call besides `Math`. The
 * array gates (`matmul`, `dot`, ...) are left out: their names are common words, and the runtime
 * path would take a user's own `h.dot(...)` for the gate. Use them through the build-time plugin
 * or the CLI.
 */
const gateFunctions = new Map(
  Object.entries(gates as Record<string, unknown>).filter(
    (e): e is [string, Function] => typeof e[1] === "function" && "backward" in e[1] && !("inputs" in e[1]),
  ),
);

/** What generated code may import from adgen/gates: every gate, and the Tape that reverses loops. */
const runtimeExports = new Map(
  Object.entries(gates as Record<string, unknown>).filter((e): e is [string, Function] => typeof e[1] === "function"),
);

/**
 * The gradient of `f`, as `f_grad` would compute it: `grad(f)(...args)` returns
 * `{ value: f(...args), grad: { [param]: ∂f/∂param } }`.
 *
 * TypeScript cannot see parameter names, so `grad`'s keys are typed `string` unless `wrt` lists
 * them: `grad(loss, { wrt: ["w", "b"] })` returns `{ value: number; grad: { w: number; b: number } }`.
 */
export function grad<F extends (...args: number[]) => number>(f: F): GradFunction<F>;
export function grad<F extends (...args: number[]) => number, const W extends readonly string[]>(
  f: F,
  options: GradOptions<W>,
): GradFunction<F, W[number]>;
export function grad(f: NumericFunction, options: GradOptions = {}): Compiled {
  if (typeof f !== "function") throw new TypeError(`grad() expects a function, got ${describe(f)}`);
  const key = options.wrt ? JSON.stringify(options.wrt) : "*";
  let byWrt = cache.get(f);
  if (!byWrt) cache.set(f, (byWrt = new Map()));
  let compiled = byWrt.get(key);
  if (!compiled) {
    compiled = checked(f, compileFunction(f, options.wrt));
    byWrt.set(key, compiled);
  }
  return compiled;
}

function compileFunction(f: NumericFunction, wrt: readonly string[] | undefined): Compiled {
  const label = `grad(${f.name || "<anonymous>"})`;
  const prepared = prepareSource(f, [...gateFunctions.keys()]);
  if ("error" in prepared) throw new GradError(`${label}: ${prepared.error}`);
  const result = compileSync(prepared.source, {
    fileName: prepared.fileName,
    language: "js",
    readFile: () => undefined, // the source text imports nothing but gates
    ...(wrt ? { wrt: [...wrt] } : {}),
  });
  if (result.diagnostics.length > 0) {
    const text = result.diagnostics.map(formatDiagnostic).join("\n");
    throw new GradError(`${label}: adgen cannot differentiate this function\n\n${text}`, result.diagnostics);
  }
  return instantiate(result.code, `${prepared.name}_grad`, runtimeExports, label) as Compiled;
}

/**
 * On its first call, a compiled gradient's value is compared with `f`'s own: they are computed by
 * the same operations in the same order, so they agree exactly unless a name in `f` meant
 * something else than adgen assumed (a local function shadowing a gate, say). Then we throw
 * rather than return a wrong gradient.
 */
function checked(f: NumericFunction, compiled: Compiled): Compiled {
  let verified = false;
  return (...args: number[]) => {
    const result = compiled(...args);
    if (!verified) {
      const expected = f(...args);
      if (expected !== result.value && !(Number.isNaN(expected) && Number.isNaN(result.value)))
        throw new GradError(
          `grad(${f.name || "<anonymous>"}): the compiled function returned ${result.value} where the function returns ` +
            `${expected}; a name it uses means something adgen could not see from its source text. ` +
            `Compile it at build time with adgen's bundler plugin instead.`,
        );
      verified = true;
    }
    return result;
  };
}

function describe(x: unknown): string {
  return x === null ? "null" : typeof x;
}
