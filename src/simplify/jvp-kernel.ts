/**
 * `f_jvp` of a function of many numbers as a small exported function around a kernel, as
 * kernel.ts does for `f_hvp`: the exported `f_jvp` stores its number arguments in a module-level
 * Float64Array (`f_jvp_scratch`), calls `f_jvp_kernel(tangents)` (which reads the tangents and
 * the arguments, computes, and stores the value and the tangent back) and returns
 * `{ value, tangent }` from it.
 *
 * Why: V8 inlines a function into its caller only below 460 bytes of bytecode, and a call it does
 * not inline boxes every number argument in a heap number of its own, and the result's numbers.
 * The scalar MLP's `f` (33 weights and 3 data, 373 bytes) is inlined where its `f_jvp` (1,801
 * bytes) was not: 36 boxed arguments a call, jvp/f 2.4. Unlike f_hvp's, this caller leaves the
 * tangents to the kernel (an object passes as it is) and stores through a local alias of the
 * scratch array (`const s = f_jvp_scratch`: 9 bytes of bytecode a number, against 15 through the
 * module's binding), so that with 36 parameters it is 360 bytes and is inlined: jvp/f 1.5.
 * The scratch array makes `f_jvp` non-reentrant, which it need not be: the kernel calls no user
 * code (forward mode inlines calls and gates).
 */
import { allStatements } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr } from "../ir.js";
import { ruleOf } from "../rules/table.js";
import { KERNEL_ABOVE, kernelEligible, nameClaimer } from "./kernel.js";

/** At most this many number parameters: about 9 bytes of bytecode each keep the caller inlinable. */
const MAX_PARAMS = 40;

/** Moves the body of each `f_jvp` of numbers that V8 would not inline into a kernel. */
export function jvpKernels(module: CodeModule, above = KERNEL_ABOVE): void {
  const functions: CodeFunction[] = [];
  const claim = nameClaimer(module);
  for (const f of module.functions) {
    functions.push(f);
    if (!kernelEligible(f, above, "jvp", "tangent", MAX_PARAMS) || !returnsNumbers(f)) continue;
    const { kernel, scratch } = kernelOf(f, claim);
    functions.push(kernel);
    module.constants.push(scratch);
  }
  module.functions = functions;
}

/**
 * Whether `f`'s value and tangent are numbers, which the scratch array can hold: constants, number
 * parameters, and names declared as numbers or as arithmetic on them. A function of numbers may
 * still return an array it builds (`const out = new Float64Array(2)`): no kernel for it.
 */
function returnsNumbers(f: CodeFunction): boolean {
  const numbers = new Set(f.params.filter((p) => p.type === "number" && !p.fields).map((p) => p.name));
  const numeric = (e: Expr): boolean => {
    if (e.kind === "const") return true;
    if (e.kind === "var") return numbers.has(e.name);
    if (e.op === "call") return false;
    // An element or a length is a number whatever the array (a row is op `row`).
    if (e.op === "index" || e.op === "length") return true;
    const rule = ruleOf(e.op);
    return !rule.array && rule.derivative.kind !== "memory" && e.args.every(numeric);
  };
  for (const s of allStatements([...f.forward, ...f.backward])) {
    if (s.kind === "fields") for (const x of s.fields) if (x.fallback.kind === "const") numbers.add(x.name);
    if (s.kind === "let" && s.type === "number") numbers.add(s.name);
    if (s.kind === "const" && (s.type === "number" || numeric(s.expr))) numbers.add(s.name);
  }
  const r = f.returns as Extract<CodeFunction["returns"], { kind: "tangent" }>;
  return numeric(r.value) && numeric(r.tangent);
}

function kernelOf(
  f: CodeFunction,
  claim: (base: string) => string,
): { kernel: CodeFunction; scratch: { name: string; expr: Expr } } {
  const r = f.returns as Extract<CodeFunction["returns"], { kind: "tangent" }>;
  const scratch = claim(`${f.name}_scratch`);
  const name = claim(`${f.name}_kernel`);
  // The caller reads only its parameters, the scratch array and the kernel: `s` unless one is so named.
  const own = new Set([...f.params.map((p) => p.name), scratch, name]);
  let alias = "s";
  for (let n = 2; own.has(alias); n++) alias = `s_${n}`;
  const slot = (array: string, k: number): Expr => ({
    kind: "op",
    op: "index",
    args: [
      { kind: "var", name: array },
      { kind: "const", value: k },
    ],
  });
  const store = (array: string, k: number, expr: Expr): CodeStatement => ({
    kind: "store",
    array,
    index: { kind: "const", value: k },
    expr,
  });
  const tangents = f.params.at(-1)!;
  const inputs = f.params.slice(0, -1).map((p) => p.name);
  // The value and the tangent, unless a literal, come back in the first slots.
  let next = 0;
  const outputs = [r.value, r.tangent].map((e) => (e.kind === "const" ? undefined : next++));
  const kernel: CodeFunction = {
    kind: "part",
    name,
    params: [tangents],
    forward: [
      ...inputs.map((n, k): CodeStatement => ({ kind: "const", name: n, expr: slot(scratch, k) })),
      ...f.forward,
    ],
    backward: [
      ...f.backward,
      ...[r.value, r.tangent].flatMap((e, i) => (outputs[i] === undefined ? [] : [store(scratch, outputs[i]!, e)])),
    ],
    returns: { kind: "none" },
    ...(f.origin ? { origin: f.origin } : {}),
    ...(f.origins ? { origins: f.origins } : {}),
  };
  const back = [r.value, r.tangent].map((e, i) => (outputs[i] === undefined ? e : slot(alias, outputs[i]!)));
  f.forward = [
    { kind: "const", name: alias, expr: { kind: "var", name: scratch } },
    ...inputs.map((n, k) => store(alias, k, { kind: "var", name: n })),
    { kind: "call", callee: kernel.name, args: [{ kind: "var", name: tangents.name }] },
  ];
  f.backward = [];
  f.returns = { kind: "tangent", value: back[0]!, tangent: back[1]! };
  return {
    kernel,
    scratch: {
      name: scratch,
      expr: { kind: "op", op: "newFloat64Array", args: [{ kind: "const", value: Math.max(inputs.length, next) }] },
    },
  };
}
