/**
 * `grad(f)` and `vjp(f)`: the gradient of `f` (or, for `f` returning an array, its
 * vector-Jacobian product), compiled at run time from `f.toString()`.
 *
 * With adgen's bundler plugin (`adgen/vite`, `adgen/rollup`, ...) every `grad(f)` / `vjp(f)` whose
 * `f` the plugin can see is replaced at build time by the generated companion `f_grad` / `f_vjp`,
 * and this code never runs. Without it (a script, a REPL, a test) the function's source text is
 * compiled with `compileSync`, the generated code evaluated with `new Function`, and the result
 * cached per function. The text has no types, so the parameters' types are taken from the
 * arguments of a call (a number, a `number[]`, a `Float64Array`, a plain object of these: a
 * record, typed by its shape), and compiled once per combination. Anything it cannot compile
 * throws the compiler's diagnostics.
 *
 * `companion` is the one path for every mode: `jvp(f)`, `hvp(f)` (forward.ts), `hessian(f)`,
 * `hessianDiag(f)` and `jacobian(f)` (hessian.ts) are `companion(f, options, mode)` with their types.
 */
import * as gates from "../gates/index.js";
import type { CompileResult } from "../compile.js";
import { codes, formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import type { IsData } from "./data.js";
import { GradError } from "./error.js";
import { instantiate } from "./instantiate.js";
import { instancesNote, kindOf } from "./shapes.js";
import { API_MODES, compileCompanion, wrongReturnMessage, type ApiName } from "./modes.js";
import { annotate, prepareSource, type ParamKind } from "./source.js";

export { GradError } from "./error.js";

/**
 * What a parameter may be: a number, an array of numbers, or a record of these (an interface or
 * type of number, array and record fields, or a class instance at build time; TypeScript
 * interfaces have no index signature, so it is typed `object`). At run time a record is a plain
 * object, typed by its shape.
 */
export type Param = number | number[] | Float64Array | object;

/**
 * The gradient of a parameter of type `P`: a number for a number, an array of the same kind for an
 * array (`number[][]` for `number[][]`, `Float64Array[]` for `Float64Array[]`, readonly or not: a
 * gradient is a new array, the caller's to write), for a record the record of its fields'
 * gradients (`{ x: number; w: Float64Array }`; a class instance's is the plain record of its
 * fields, without its methods), for a tuple a tuple of the same length (`readonly [number, number]`
 * -> `[number, number]`), and for an array of records an array of their gradients.
 */
export type GradOf<P> = P extends number
  ? number
  : P extends Float64Array
    ? Float64Array
    : P extends readonly number[]
      ? number extends P["length"]
        ? number[]
        : { -readonly [K in keyof P]: number }
      : P extends readonly unknown[]
        ? number extends P["length"]
          ? GradOf<P[number]>[]
          : { -readonly [K in keyof P]: GradOf<P[K]> }
        : P extends (...args: never) => unknown
          ? never
          : P extends object
            ? { -readonly [K in keyof P as P[K] extends (...args: never) => unknown ? never : K]: GradOf<P[K]> }
            : never;

/** The parameter types (a union) that get gradients: those not declared `Data<T>`. */
type Differentiated<P> = P extends unknown ? (IsData<P> extends true ? never : P) : never;

/** Whether `T` is a union of more than one type. */
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * The gradients of `f(...args: A)` with respect to the parameters named in `W`, keyed by name.
 * TypeScript cannot see parameter names, so where `A`'s parameters have different gradient types
 * the `i`-th name of `W` is typed like the `i`-th parameter (`grad(loss, { wrt: ["w", "b"] })`
 * for `loss(w: number, b: number, xs: Float64Array)` gives `{ w: number; b: number }`); the
 * compiler refuses a `wrt` whose `i`-th parameter has another gradient type than the `i`-th
 * parameter, so the types cannot lie. Where they all have one gradient type, the names may be any.
 * Parameters declared `Data<T>` get no gradient and count for none of this.
 */
export type GradsOf<A extends readonly unknown[], W extends readonly string[]> =
  true extends IsUnion<GradOf<Differentiated<A[number]>>>
    ? number extends W["length"]
      ? { [K in W[number]]: GradOf<Differentiated<A[number]>> }
      : { -readonly [I in keyof W as I extends `${number}` ? W[I] & string : never]: GradOf<A[I & keyof A]> }
    : { [K in W[number]]: GradOf<Differentiated<A[number]>> };

/** What a gradient function returns: `f`'s value and one partial derivative per parameter. */
export interface GradResult<G extends object = Record<string, number>> {
  /** Exactly what `f` returns at the same arguments. */
  value: number;
  /** ∂f/∂p for every differentiated parameter `p`, keyed by the parameter's name (an array for an array parameter). */
  grad: G;
}

/**
 * `f`'s gradient: takes `f`'s arguments, returns its value and gradient. Without `W` (no `wrt`)
 * the names are unknown to TypeScript and `grad` is an index signature; with it, exact.
 */
export type GradFunction<F extends (...args: never) => number, W extends readonly string[] = string[]> = (
  ...args: Parameters<F>
) => GradResult<GradsOf<Parameters<F>, W>>;

/** What a vector-Jacobian product returns: `f`'s value and the gradient of `grad_out · f`. */
export interface VjpResult<V, G extends object = Record<string, number>> {
  /** Exactly what `f` returns at the same arguments. */
  value: V;
  /** ∂(grad_out · f)/∂p for every differentiated parameter `p`, keyed by its name. */
  grad: G;
}

/** `f`'s vector-Jacobian product: takes `f`'s arguments and then `grad_out`, an array as long as `f`'s value. */
export type VjpFunction<
  F extends (...args: never) => number[] | Float64Array,
  W extends readonly string[] = string[],
> = (...args: [...Parameters<F>, gradOut: ReturnType<F>]) => VjpResult<ReturnType<F>, GradsOf<Parameters<F>, W>>;

export interface GradOptions<W extends readonly string[] = readonly string[]> {
  /** Differentiate only these parameters (default: all of them). */
  wrt?: W;
}

/** Diagnostics that, with every parameter taken for a number, say a parameter is an array. */
const WANTS_ARRAYS = new Set<string>([codes.notArray, codes.notFunction]);
/** A diagnostic that, with every parameter taken for a number, may say it is an array or a record (`p.x`). */
const wantsTypes = (d: Diagnostic): boolean =>
  WANTS_ARRAYS.has(d.code) ||
  (d.code === codes.expression && d.message.startsWith("property access")) ||
  (d.code === codes.outerWrite && /^assignment to '[\w$]+\./.test(d.message));
type AnyFunction = (...args: never) => unknown;
type Compiled = (...args: unknown[]) => { value: unknown };

/** Compiled companions, per function, per mode and `wrt` list. */
const cache = new WeakMap<Function, Map<string, Compiled>>();

/**
 * adgen's built-in scalar gates, by name, besides `Math` the only free names `f` may call; also
 * as `ns.sigmoid` for any namespace `ns`.
 */
const gateFunctions = new Map(
  Object.entries(gates as Record<string, unknown>).filter(
    (e): e is [string, Function] => typeof e[1] === "function" && "backward" in e[1] && !("inputs" in e[1]),
  ),
);

/**
 * The array gates (`matmul`, `dot`, `sum`, ...): their names are common words, so they are taken to
 * be the gates only where `f` calls them by the bare name, never as `h.dot(...)`. A function of
 * the user's with such a name and other values is caught by the first-call check.
 */
const arrayGateFunctions = new Map(
  Object.entries(gates as Record<string, unknown>).filter(
    (e): e is [string, Function] => typeof e[1] === "function" && "backward" in e[1] && "inputs" in e[1],
  ),
);

/** What generated code may import from adgen/gates: every gate, scalar or array, and the Tape that reverses loops. */
const runtimeExports = new Map(
  Object.entries(gates as Record<string, unknown>).filter((e): e is [string, Function] => typeof e[1] === "function"),
);

/**
 * The gradient of `f`, as `f_grad` would compute it: `grad(f)(...args)` returns
 * `{ value: f(...args), grad: { [param]: ∂f/∂param } }`. Parameters may be numbers, `number[]` or
 * `Float64Array`s (their gradients are arrays of the same kind); `f` must return a number (for an
 * array, use `vjp`).
 *
 * TypeScript cannot see parameter names, so `grad`'s keys are typed `string` unless `wrt` lists
 * them: `grad(loss, { wrt: ["w", "b"] })` returns `{ value: number; grad: { w: number; b: number } }`.
 * Where `f`'s parameters have different gradient types (numbers and arrays), `wrt`'s `i`-th name
 * must have the `i`-th parameter's type (list them in `f`'s order from the first; see `GradsOf`).
 */
export function grad<A extends Param[]>(f: (...args: A) => number): GradFunction<(...args: A) => number>;
export function grad<A extends Param[], const W extends readonly string[]>(
  f: (...args: A) => number,
  options: GradOptions<W>,
): GradFunction<(...args: A) => number, W>;
export function grad(f: AnyFunction, options: GradOptions = {}): unknown {
  return companion(f, options, "grad");
}

/**
 * The vector-Jacobian product of `f`, a function returning an array, as `f_vjp` would compute it:
 * `vjp(f)(...args, gradOut)` returns `{ value: f(...args), grad: { [param]: ∂(gradOut · f)/∂param } }`.
 * With `gradOut` the i-th unit vector, `grad` is the i-th row of `f`'s Jacobian.
 */
export function vjp<A extends Param[], R extends number[] | Float64Array>(
  f: (...args: A) => R,
): VjpFunction<(...args: A) => R>;
export function vjp<A extends Param[], R extends number[] | Float64Array, const W extends readonly string[]>(
  f: (...args: A) => R,
  options: GradOptions<W>,
): VjpFunction<(...args: A) => R, W>;
export function vjp(f: AnyFunction, options: GradOptions = {}): unknown {
  return companion(f, options, "vjp");
}

/** `api`'s companion of `f` (`grad`, `vjp`, `jvp`, ...), compiled on first use and cached. */
export function companion(f: AnyFunction, options: GradOptions, mode: ApiName): Compiled {
  if (typeof f !== "function") throw new TypeError(`${mode}() expects a function, got ${describe(f)}`);
  const key = `${mode}:${options.wrt ? JSON.stringify(options.wrt) : "*"}`;
  let byKey = cache.get(f);
  if (!byKey) cache.set(f, (byKey = new Map()));
  let compiled = byKey.get(key);
  if (!compiled) {
    compiled = lazy(f, options.wrt, mode);
    byKey.set(key, compiled);
  }
  return compiled;
}

/**
 * Prepares `f`'s text at once (a native function, a class, fails here), and compiles it with
 * every parameter a number: what most functions take, and any error that has nothing to do with
 * parameter types shows here. A function whose compile fails for want of array types (ADG3016,
 * or ADG3018 for a method called on a parameter), or that is called with arrays, is compiled
 * again on its first call with those arguments' types.
 */
function lazy(f: AnyFunction, wrt: readonly string[] | undefined, mode: ApiName): Compiled {
  const fname = f.name || "<anonymous>";
  const label = `${mode}(${fname})`;
  const prepared = prepareSource(f, [...gateFunctions.keys()], [...arrayGateFunctions.keys()]);
  if ("error" in prepared) throw new GradError(`${label}: ${prepared.error}`);
  const arity = prepared.params.length;
  const differentiated = wrt ?? prepared.params.flatMap((p) => (p.name === undefined ? [] : [p.name]));

  const byKinds = new Map<string, Compiled>();
  const build = (kinds: ParamKind[]): Compiled | { diagnostics: Diagnostic[] } => {
    const options = {
      fileName: `${mode}(${prepared.name})`,
      language: "js" as const,
      readFile: () => undefined, // the source text imports nothing but gates
      ...(wrt ? { wrt: [...wrt] } : {}),
    };
    const built = compileCompanion(annotate(prepared.source, prepared.params, kinds), options, prepared.name, mode);
    if ("diagnostics" in built) return built;
    if ("wrongReturn" in built) throw new GradError(wrongReturnMessage(mode, fname, built.wrongReturn));
    if ("missing" in built) throw new GradError(`${label}: ${built.missing}`);
    const fn = instantiate(built.result.code, built.exportName, runtimeExports, label) as Compiled;
    return checked(f, fn, mode, arity);
  };
  const fail = (found: CompileResult["diagnostics"], kinds: ParamKind[], args: unknown[] = []): never => {
    const diagnostics = found.map((d) => unseen(d, mode));
    const text = diagnostics.map(formatDiagnostic).join("\n");
    const typed = kinds.some((k) => k !== "number")
      ? ` with parameters typed from the first call's arguments (${prepared.params.map((p, i) => `${p.name ?? "_"}: ${kinds[i]}`).join(", ")})`
      : "";
    const note = instancesNote(
      args,
      prepared.params.map((p, i) => p.name ?? `#${i + 1}`),
    );
    throw new GradError(`${label}: adgen cannot differentiate this function${typed}\n\n${text}${note}`, diagnostics);
  };

  const numbers: ParamKind[] = prepared.params.map(() => "number");
  const eager = build(numbers);
  if ("diagnostics" in eager) {
    if (!eager.diagnostics.some(wantsTypes)) fail(eager.diagnostics, numbers);
  } else byKinds.set(numbers.join(","), eager);

  return (...args: unknown[]) => {
    const extra = API_MODES[mode].extra;
    if (extra && args.length <= arity)
      throw new GradError(`${label}: takes ${fname}'s ${arity} argument(s) and then ${extra}, got ${args.length}`);
    if (extra === "tangents" || extra === "v") keyedByParameters(args[arity], extra, differentiated, label);
    const kinds = prepared.params.map((p, i) => kindOf(args[i], p.name ?? `#${i + 1}`, label));
    const key = kinds.join(",");
    let compiled = byKinds.get(key);
    if (!compiled) {
      const built = build(kinds);
      if ("diagnostics" in built) return fail(built.diagnostics, kinds, args);
      byKinds.set(key, (compiled = built));
    }
    return compiled(...args);
  };
}

/**
 * A name the function's text uses but does not define (ADG3001, ADG3002): at run time that is
 * all there is, so the compiler's message (which assumes it sees the module) is replaced by one
 * that says why the name is unknown here and what to do.
 */
function unseen(d: Diagnostic, mode: ApiName): Diagnostic {
  const name = /^'([^']+)'/.exec(d.message)?.[1];
  if (d.code !== codes.unknownName && d.code !== codes.unknownCall) return d;
  // A global (`Number`, `parseFloat`) or a member call is known to be what it is: the message stands.
  if (!name || !/^[A-Za-z_$][\w$]*$/.test(name) || name in globalThis) return d;
  const what = d.code === codes.unknownCall ? "function" : "value";
  return {
    ...d,
    message:
      `'${name}' is defined outside the function: ${mode}() at run time compiles only the function's own text ` +
      `(f.toString()), which does not show what '${name}' is. ` +
      (d.code === codes.unknownCall
        ? `Inside f, only Math functions and adgen's gates can be called without the plugin. `
        : `Pass it in as a parameter or write its value inside f, or `) +
      `${d.code === codes.unknownCall ? "Or use" : "use"} adgen's bundler plugin (adgen/vite, adgen/rollup, adgen/esbuild, adgen/webpack, adgen/rspack), ` +
      `which compiles ${mode}(f) at build time with the whole module in view (the ${what} included)`,
  };
}

/**
 * `jvp(f)`'s tangents and `hvp(f)`'s `v` are keyed by parameter name, and a key that names no
 * differentiated parameter would be ignored (its direction taken as zero): a misspelt name is an
 * error here rather than a derivative of 0.
 */
function keyedByParameters(x: unknown, what: string, names: readonly string[], label: string): void {
  if (x === null || typeof x !== "object" || Array.isArray(x) || x instanceof Float64Array)
    throw new GradError(`${label}: ${what} must be an object keyed by parameter name, as in { ${names[0] ?? "x"}: 1 }`);
  for (const key of Object.keys(x))
    if (!names.includes(key))
      throw new GradError(
        `${label}: ${what} has '${key}', which is not a differentiated parameter (${names.join(", ") || "none"})`,
      );
}

/**
 * On its first call, a compiled companion's value is compared with `f`'s own: they are computed
 * by the same operations in the same order, so they agree exactly unless a name in `f` meant
 * something else than adgen assumed (a local function shadowing a gate, say). Then we throw
 * rather than return a wrong gradient.
 */
function checked(f: AnyFunction, compiled: Compiled, mode: ApiName, arity: number): Compiled {
  let verified = false;
  return (...args: unknown[]) => {
    const result = compiled(...args);
    if (!verified) {
      const expected = (f as (...xs: unknown[]) => unknown)(...(API_MODES[mode].extra ? args.slice(0, arity) : args));
      if (!same(expected, result.value))
        throw new GradError(
          `${mode}(${f.name || "<anonymous>"}): the compiled function returned ${show(result.value)} where the function returns ` +
            `${show(expected)}; a name it uses means something adgen could not see from its source text. ` +
            `Compile it at build time with adgen's bundler plugin instead.`,
        );
      verified = true;
    }
    return result;
  };
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || (Number.isNaN(a) && Number.isNaN(b));
  const isArray = (x: unknown): x is ArrayLike<unknown> => Array.isArray(x) || x instanceof Float64Array;
  if (isArray(a) && isArray(b)) return a.length === b.length && Array.from(a).every((x, i) => same(x, b[i]));
  return false;
}

function show(x: unknown): string {
  return Array.isArray(x) || x instanceof Float64Array ? `[${Array.from(x).join(", ")}]` : String(x);
}

function describe(x: unknown): string {
  return x === null ? "null" : typeof x;
}
