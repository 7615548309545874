/**
 * The body of a companion made of calls to others (`Driver`, src/ir.ts): `f_hessian` and
 * `f_hessian_diag` call `f_hvp` once per unit vector of the flattened inputs; `f_jacobian` calls
 * `f_jvp` once per input (a column each) or `f_vjp` once per output (a row each).
 */
import type { Driver, Param } from "../ir.js";
import { NameAllocator } from "../names.js";
import { blockCode, blocksOf, type Block } from "./driver-inputs.js";

/** Whether a block holds more than one number (an array, a matrix, an array of records). */
const isArrayParam = (b: Block): boolean => b.kind !== "number";

/** `2 + a.length + p.w.length`: how many numbers the blocks before index `end` hold. */
function countOf(inputs: Block[], size: (b: Block) => string, end = inputs.length): string {
  const before = inputs.slice(0, end);
  const numbers = before.filter((p) => !isArrayParam(p)).length;
  const lengths = before.filter(isArrayParam).map(size);
  return numbers === 0 && lengths.length > 0 ? lengths.join(" + ") : [String(numbers), ...lengths].join(" + ");
}

/** The printed body lines of the driver (without signature and braces), two-space indented. */
export function driverBody(d: Driver, params: Param[], types: boolean): string[] {
  const names = new NameAllocator();
  for (const p of params) names.reserve(p.path?.[0] ?? p.name);
  for (const f of Object.values(d.calls)) if (f) names.reserve(f);
  for (const n of ["Math", "Array", "Float64Array"]) names.reserve(n);
  const t = (annotation: string) => (types ? annotation : "");
  const bang = t("!");
  const args = [...new Set(params.map((p) => p.path?.[0] ?? p.name))].join(", ");
  const inputs = blocksOf(d.inputs, types);
  const n = names.claim("n");
  const k = names.claim("k");
  const code = new Map(
    inputs.map((b) => [
      b,
      blockCode(
        b,
        (a) => (types ? a : ""),
        (base) => names.claim(base),
      ),
    ]),
  );
  const size = (b: Block) => code.get(b)!.size();
  const count = (blocks: Block[], end?: number) => countOf(blocks, size, end);
  /** `{ name }`, or `{ key: name }` when the name had to change. */
  const bind = (key: string, name: string) => (key === name ? key : `${key}: ${name}`);

  /** A zero of an input's shape. */
  const zero = (b: Block): string => code.get(b)!.zero();
  /** An object keyed like the inputs (records nested), each block printed by `leaf`. */
  const shaped = (leaf: (b: Block) => string): string => {
    type Tree = Map<string, Tree | string>;
    const root: Tree = new Map();
    for (const b of inputs) {
      let tree = root;
      for (const key of b.path.slice(0, -1)) {
        if (!tree.has(key)) tree.set(key, new Map());
        tree = tree.get(key) as Tree;
      }
      tree.set(b.path.at(-1)!, leaf(b));
    }
    const print = (tree: Tree): string =>
      `{ ${[...tree].map(([key, x]) => `${key}: ${typeof x === "string" ? x : print(x)}`).join(", ")} }`;
    return print(root);
  };
  const numbersOnly = inputs.every((p) => !isArrayParam(p));
  /** The arm of input `i` when `k` counts the flattened inputs, and `k`'s index in its array. */
  const arms = inputs.map((p, i) => {
    const offset = count(inputs, i);
    const index = offset === "0" ? k : `${k} - ${offset.includes("+") ? `(${offset})` : offset}`;
    const cond = isArrayParam(p) ? `${k} < ${count(inputs, i + 1)}` : `${k} === ${offset}`;
    return { p, cond, index };
  });
  /** Lines setting the `k`-th flattened input of `v` (shaped like the inputs, all zero) to 1. */
  const unit = (v: string): string[] => {
    if (numbersOnly) return []; // written in place: `{ x: k === 0 ? 1 : 0, ... }`
    return arms.map((a, i) => {
      const target = code.get(a.p)!.unit(v, a.index);
      const lead = i === 0 ? "if" : "else if";
      return i === arms.length - 1 && i > 0 ? `else ${target}` : `${lead} (${a.cond}) ${target}`;
    });
  };
  /** The unit vector's object: zeros to fill in (`unit`), or with numbers only, written in place. */
  const unitObject = (): string =>
    numbersOnly ? shaped((p) => `${arms[inputs.indexOf(p)]!.cond} ? 1 : 0`) : shaped(zero);
  /** `[r.x, ...r.a, r.p.u]`: every number of a gradient-shaped object, flattened. */
  const flat = (r: string): string => `[${inputs.map((b) => code.get(b)!.spread(r)).join(", ")}]`;
  /** `k === 0 ? r.x : r.a[k - 1]!`: the `k`-th number of a gradient-shaped object. */
  const entry = (r: string): string =>
    arms
      .map((a, i) => {
        const read = code.get(a.p)!.entry(r, a.index);
        return i === arms.length - 1 ? read : `${a.cond} ? ${read} : `;
      })
      .join("");

  const lines: string[] = [];
  const push = (...ls: string[]) => lines.push(...ls.map((l) => `  ${l}`));
  if (d.kind === "hessian" || d.kind === "hessian_diag") {
    const value = names.claim("value");
    const grad = names.claim("grad");
    const result = names.claim(d.kind === "hessian" ? "hessian" : "diag");
    const v = names.claim("v");
    const hvp = names.claim("hvp");
    push(
      `const { ${bind("value", value)}, ${bind("grad", grad)} } = ${d.calls.grad}(${args});`,
      `const ${n} = ${count(inputs)};`,
      `const ${result}${t(d.kind === "hessian" ? ": number[][]" : ": number[]")} = [];`,
      `for (let ${k} = 0; ${k} < ${n}; ${k}++) {`,
      ...(numbersOnly ? [] : [`  const ${v} = ${unitObject()};`, ...unit(v).map((l) => `  ${l}`)]),
      `  const { ${bind("hvp", hvp)} } = ${d.calls.hvp}(${args}, ${numbersOnly ? unitObject() : v});`,
      d.kind === "hessian" ? `  ${result}.push(${flat(hvp)});` : `  ${result}.push(${entry(hvp)});`,
      `}`,
      `return { ${bind("value", value)}, ${bind("grad", grad)}, ${bind(d.kind === "hessian" ? "hessian" : "diag", result)} };`,
    );
    return lines;
  }
  const value = names.claim("value");
  const jacobian = names.claim("jacobian");
  if (d.calls.grad) {
    // A function returning a number: its Jacobian is one row, its gradient.
    const grad = names.claim("grad");
    push(
      `const { ${bind("value", value)}, ${bind("grad", grad)} } = ${d.calls.grad}(${args});`,
      `return { ${bind("value", value)}, jacobian: [${flat(grad)}] };`,
    );
    return lines;
  }
  const m = names.claim("m");
  const i = names.claim("i");
  const tangents = names.claim("tangents");
  const tangent = names.claim("tangent");
  const seed = names.claim("grad_out");
  const grad = names.claim("grad");
  const columns = [
    `for (let ${i} = 0; ${i} < ${m}; ${i}++) ${jacobian}.push([]);`,
    `for (let ${k} = 0; ${k} < ${n}; ${k}++) {`,
    ...(numbersOnly ? [] : [`  const ${tangents} = ${unitObject()};`, ...unit(tangents).map((l) => `  ${l}`)]),
    `  const { ${bind("tangent", tangent)} } = ${d.calls.jvp}(${args}, ${numbersOnly ? unitObject() : tangents});`,
    `  for (let ${i} = 0; ${i} < ${m}; ${i}++) ${jacobian}[${i}]${bang}.push(${tangent}[${i}]${bang});`,
    `}`,
  ];
  const zeros = (length: string) =>
    d.output === "Float64Array" ? `new Float64Array(${length})` : `new Array${t("<number>")}(${length}).fill(0)`;
  const rows = [
    `for (let ${i} = 0; ${i} < ${m}; ${i}++) {`,
    `  const ${seed} = ${zeros(m)};`,
    `  ${seed}[${i}] = 1;`,
    `  const { ${bind("grad", grad)} } = ${d.calls.vjp}(${args}, ${seed});`,
    `  ${jacobian}.push(${flat(grad)});`,
    `}`,
  ];
  push(
    d.calls.jvp
      ? `const { ${bind("value", value)} } = ${d.calls.jvp}(${args}, {});`
      : `const { ${bind("value", value)} } = ${d.calls.vjp}(${args}, ${zeros(String(d.length))});`,
    `const ${m} = ${d.length ?? `${value}.length`};`,
    `const ${n} = ${count(inputs)};`,
    `const ${jacobian}${t(": number[][]")} = [];`,
  );
  if (d.calls.jvp && d.calls.vjp)
    push(
      `// By columns (f_jvp) with fewer inputs than outputs, else by rows (f_vjp).`,
      `if (${n} < ${m}) {`,
      ...columns.map((l) => `  ${l}`),
      `} else {`,
      ...rows.map((l) => `  ${l}`),
      `}`,
    );
  else push(...(d.calls.jvp ? columns : rows));
  push(`return { ${bind("value", value)}, ${bind("jacobian", jacobian)} };`);
  return lines;
}

/** The doc comment above a driver. */
export function driverDoc(d: Driver, name: string): string {
  const base = name.slice(0, name.length - d.kind.length - 1);
  const blocks = blocksOf(d.inputs, false);
  const inputs = `(${blocks.map((b) => (isArrayParam(b) ? `...${b.access}` : b.access)).join(", ")})`;
  switch (d.kind) {
    case "hessian":
      return `/** ${base}'s Hessian over ${inputs}: row k is ${d.calls.hvp} along the k-th unit vector. */`;
    case "hessian_diag":
      return `/** The diagonal of ${base}'s Hessian over ${inputs}, by ${d.calls.hvp} along each unit vector. */`;
    case "jacobian":
      return d.calls.grad
        ? `/** ${base}'s Jacobian over ${inputs}: it returns a number, so one row, its gradient. */`
        : `/** ${base}'s Jacobian: a row per output, a column per input of ${inputs}. */`;
  }
}
