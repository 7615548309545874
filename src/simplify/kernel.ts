/**
 * `f_hvp` of a function of numbers as a small exported function around a kernel: the exported
 * `f_hvp` reads the tangents, stores its numbers in a module-level Float64Array
 * (`f_hvp_scratch`), calls `f_hvp_kernel()` (the whole computation, reading its inputs from the
 * scratch array and storing its results there) and builds `{ value, grad, hvp }` from it.
 *
 * Why: V8 inlines a function into its caller only below 460 bytes of bytecode, and a function it
 * does not inline pays for its result: three objects, and every number in them boxed in a heap
 * number of its own (objects hold no unboxed doubles), the arguments boxed too. The pendulum's
 * `f_hvp` (548 bytes, 3 objects, 9 numbers) took 6 to 7 times `f` that way against 3.3 to 4.2
 * with the kernel, whose numbers never leave a Float64Array or a register, and whose caller,
 * small enough to be inlined, builds objects that escape analysis removes when the caller only
 * reads them. A function whose `f_hvp` is inlined already (small), is split (split.ts), or takes
 * arrays or records (its result holds arrays: the boxing is not the cost) is left as it is.
 *
 * The scratch array makes `f_hvp` non-reentrant, which it need not be: the kernel calls no user
 * code (forward mode inlines calls and gates).
 */
import { freeReads } from "../code-live.js";
import { allStatements, declaredNames } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr, Param } from "../ir.js";
import { codeSize } from "./split.js";

/**
 * An `f_hvp` at most this large (`codeSize` units) is inlined as it is: V8's 460 bytes of
 * bytecode are about 175 units (rosenbrock's `f_hvp`: 102 units, 257 bytes; the pendulum's: 206
 * units, 548 bytes; the projectile's: 256 units, 651 bytes).
 */
export const KERNEL_ABOVE = 175;
/** ... and one with more parameters than this has a caller too large to be inlined itself. */
const MAX_PARAMS = 6;

/** Moves the body of each `f_hvp` of numbers that V8 would not inline into a kernel. */
export function hvpKernels(module: CodeModule, above = KERNEL_ABOVE): void {
  const functions: CodeFunction[] = [];
  const claim = nameClaimer(module);
  for (const f of module.functions) {
    functions.push(f);
    if (!kernelEligible(f, above, "hvp", "entry", MAX_PARAMS)) continue;
    const { kernel, scratch } = kernelOf(f, claim);
    functions.push(kernel);
    module.constants.push(scratch);
  }
  module.functions = functions;
}

/** Claims module-level names no function of `module` declares or reads (a kernel's, its scratch array's). */
export function nameClaimer(module: CodeModule): (base: string) => string {
  const taken = new Set<string>(module.functions.map((f) => f.name));
  module.constants.forEach((c) => taken.add(c.name));
  for (const set of module.imports.values()) set.forEach((n) => taken.add(n));
  // Every name a function declares or reads too: a local must not shadow the scratch array.
  for (const f of module.functions) {
    f.params.forEach((p) => taken.add(p.name));
    const body = [...f.forward, ...f.backward];
    freeReads(body).forEach((n) => taken.add(n));
    for (const s of allStatements(body)) declaredNames(s, true).forEach((n) => taken.add(n));
  }
  return (base: string) => {
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    return name;
  };
}

/**
 * Whether `f` is an entry companion of `companion` returning `returns`, of at most `maxParams`
 * number parameters and a last parameter of number fields (the direction), too large to inline.
 */
export function kernelEligible(
  f: CodeFunction,
  above: number,
  companion: "hvp" | "jvp",
  returns: "entry" | "tangent",
  maxParams: number,
): boolean {
  if (f.kind !== "entry" || f.companion !== companion || f.returns.kind !== returns) return false;
  const [direction, ...rest] = [...f.params].reverse();
  const numbers = (p: Param) => p.type === "number" && !p.fields && !p.path;
  if (!direction?.fields?.every(numbers) || !rest.every(numbers) || rest.length > maxParams) return false;
  const body = [...f.forward, ...f.backward];
  // A split function's parts already share a scratch array; its size is not the point.
  if ([...allStatements(body)].some((s) => s.kind === "call")) return false;
  return body[0]?.kind === "fields" && codeSize(body) > above;
}

function kernelOf(
  f: CodeFunction,
  claim: (base: string) => string,
): { kernel: CodeFunction; scratch: { name: string; expr: Expr } } {
  const r = f.returns as Extract<CodeFunction["returns"], { kind: "entry" }>;
  const scratch = claim(`${f.name}_scratch`);
  const slot = (k: number): Expr => ({
    kind: "op",
    op: "index",
    args: [
      { kind: "var", name: scratch },
      { kind: "const", value: k },
    ],
  });
  const store = (k: number, expr: Expr): CodeStatement => ({
    kind: "store",
    array: scratch,
    index: { kind: "const", value: k },
    expr,
  });
  const read = f.forward[0] as Extract<CodeStatement, { kind: "fields" }>;
  const inputs = [...f.params.slice(0, -1).map((p) => p.name), ...read.fields.map((x) => x.name)];
  // The results that are not literals go through the scratch array, after the inputs.
  const results: Expr[] = [r.value, ...r.grads.map((g) => g.value), ...(r.hvps ?? []).map((g) => g.value)];
  let next = inputs.length;
  const outputs = results.map((e) => (e.kind === "const" ? undefined : next++));
  const kernel: CodeFunction = {
    kind: "part",
    name: claim(`${f.name}_kernel`),
    params: [],
    forward: [
      ...inputs.map((n, k): CodeStatement => ({ kind: "const", name: n, expr: slot(k) })),
      ...f.forward.slice(1),
    ],
    backward: [...f.backward, ...results.flatMap((e, i) => (outputs[i] === undefined ? [] : [store(outputs[i]!, e)]))],
    returns: { kind: "none" },
    ...(f.origin ? { origin: f.origin } : {}),
    ...(f.origins ? { origins: f.origins } : {}),
  };
  const back = results.map((e, i) => (outputs[i] === undefined ? e : slot(outputs[i]!)));
  f.forward = [
    read,
    ...inputs.map((n, k) => store(k, { kind: "var", name: n })),
    { kind: "call", callee: kernel.name, args: [] },
  ];
  f.backward = [];
  r.value = back[0]!;
  r.grads.forEach((g, i) => (g.value = back[1 + i]!));
  r.hvps?.forEach((g, i) => (g.value = back[1 + r.grads.length + i]!));
  return {
    kernel,
    scratch: { name: scratch, expr: { kind: "op", op: "newFloat64Array", args: [{ kind: "const", value: next }] } },
  };
}
