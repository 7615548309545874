/**
 * The flattened inputs of a driver (`f_hessian`, `f_jacobian`), as blocks of the user's values:
 * a number, an array, a matrix (row by row), or an array of records (element by element, each
 * element's leaves in field order). For each block, the code that counts its numbers, reads the
 * j-th of them from a gradient-shaped object, writes 1 there in a tangent-shaped one, spreads them
 * all, and makes its zero.
 */
import type { Expr, Param } from "../ir.js";
import { elementZero } from "../rules/record-elements.js";
import { printExpr } from "./expr.js";

export interface Block {
  /** Its key path in a gradient or tangent (`["x"]`, `["p", "w"]`, `["pts"]`). */
  path: string[];
  /** `x`, `p.w`, `pts`: how it is read from the arguments (and, after `r.`, from a result). */
  access: string;
  /** How its value is read from the arguments where they may leave it out (an optional field,
   * `(t.w ?? new Float64Array(x.length))`, its default); else `access`. */
  value: string;
  kind: "number" | "array" | "matrix" | "records";
  /** An array's or a matrix's storage. */
  storage?: "Float64Array" | "number[]";
  /** An array of records: how each leaf is read from an element (`.x`, `[0]`, `.pos.x`), and the
   * zero of an element. */
  leaves?: string[];
  element?: string;
}

const keyAccess = (path: string[]): string =>
  path.map((key, i) => (i === 0 ? key : /^\d+$/.test(key) ? `[${key}]` : `.${key}`)).join("");

/**
 * How parameter `p` is read from the arguments: under an optional field, by `?.` and its default,
 * where a record's leaf the default is shaped like (`opts_m`, itself optional) is read so in turn.
 */
function valueOf(p: Param, path: string[], types: boolean, inputs: Param[]): string {
  const first = p.optional?.[0];
  if (first === undefined || p.fallback === undefined) return keyAccess(path);
  const read = path
    .map((key, i) => (i === 0 ? key : `${i > first ? "?." : "."}${/^\d+$/.test(key) ? `[${key}]` : key}`))
    .join("")
    .replace(/\?\.\[/g, "?.[");
  const argument = (e: Expr): Expr => {
    if (e.kind === "op") return { ...e, args: e.args.map(argument) };
    const leaf =
      e.kind === "var" ? inputs.find((q) => q.name === e.name && q.path && !q.path.includes("[]")) : undefined;
    return leaf ? { kind: "const", value: Number.NaN, text: valueOf(leaf, leaf.path!, types, inputs) } : e;
  };
  return `(${read} ?? ${printExpr(argument(p.fallback), types)})`;
}

/** The blocks of the inputs, in order; an array of records' leaves become one block. */
export function blocksOf(inputs: Param[], types: boolean): Block[] {
  const blocks: Block[] = [];
  /** Each array of records' leaves, by their paths inside an element. */
  const leafPaths = new Map<Block, string[][]>();
  for (const p of inputs) {
    const path = p.path ?? [p.name];
    const k = path.indexOf("[]");
    if (k < 0) {
      const nested = p.type === "number[][]" || p.type === "Float64Array[]";
      const storage = p.type.startsWith("Float64Array") ? "Float64Array" : "number[]";
      const access = keyAccess(path);
      const value = valueOf(p, path, types, inputs);
      blocks.push(
        p.type === "number"
          ? { path, access, value, kind: "number" }
          : { path, access, value, kind: nested ? "matrix" : "array", storage },
      );
      continue;
    }
    const prefix = path.slice(0, k);
    let block = blocks.find((b) => b.kind === "records" && b.path.join(".") === prefix.join("."));
    if (!block) {
      const access = keyAccess(prefix);
      blocks.push((block = { path: prefix, access, value: access, kind: "records", leaves: [] }));
      leafPaths.set(block, []);
    }
    const leaf = path.slice(k + 1);
    block.leaves!.push(leaf.map((f) => (/^\d+$/.test(f) ? `[${f}]` : `.${f}`)).join(""));
    leafPaths.get(block)!.push(leaf);
  }
  for (const [b, paths] of leafPaths) {
    b.element = elementZero(paths, types);
    b.value = recordsValue(b, inputs, types);
  }
  return blocks;
}

/**
 * How an array of records is read from the arguments: under an optional field (an array of
 * records' tangent, `t.pts`) by `?.` and its default, as many zero elements as the user's array
 * its leaves fall back to zeros as long as (`(t.pts ?? pts.map(() => ({ x: 0 })))`). That array may
 * be an array of records under an optional field itself (read so in turn), an array of numbers
 * (`a.map(() => ...)`, possibly optional), or none: an optional array of records nothing reads is
 * empty where absent (`(t.q ?? [])`).
 */
function recordsValue(b: Pick<Block, "path" | "access" | "element">, inputs: Param[], types: boolean): string {
  const leaf = inputs.find(
    (p) => p.path !== undefined && p.path.slice(0, b.path.length).join(".") === b.path.join("."),
  );
  const first = leaf?.optional?.[0];
  const fallback = leaf?.fallback;
  if (first === undefined || fallback === undefined) return b.access;
  const read = b.path.map((key, i) => (i === 0 ? key : `${i > first ? "?." : "."}${key}`)).join("");
  const length = fallback.kind === "op" && fallback.op === "zeros" ? fallback.args[0] : undefined;
  if (length?.kind === "const" && length.value === 0) return `(${read} ?? [])`;
  const shape = length?.kind === "op" && length.op === "length" ? length.args[0] : undefined;
  const like = shape?.kind === "var" ? inputs.find((p) => p.name === shape.name) : undefined;
  if (!like) return b.access;
  const k = like.path?.indexOf("[]") ?? -1;
  if (k === 1 && like.optional === undefined) return `(${read} ?? ${like.path![0]}.map(() => (${b.element})))`;
  const likePath = k >= 0 ? like.path!.slice(0, k) : (like.path ?? [like.name]);
  const array =
    k >= 0
      ? recordsValue({ path: likePath, access: keyAccess(likePath), element: b.element }, inputs, types)
      : valueOf(like, likePath, types, inputs);
  return `(${read} ?? Array.from({ length: ${array}.length }, () => (${b.element})))`;
}

/** Code for one block; `t` adds a TypeScript annotation when types are printed; `fresh` names a local. */
export function blockCode(b: Block, t: (annotation: string) => string, fresh: (base: string) => string) {
  const bang = t("!");
  /** A number read by index (a tuple's element, `r.p[0]`) is `number | undefined` to tsc. */
  const element = b.kind === "number" && b.access.endsWith("]") ? bang : "";
  // Names of locals, claimed only by the blocks that use them.
  let rowName: string | undefined;
  let elementName: string | undefined;
  const row = () => (rowName ??= fresh("row"));
  const e = () => (elementName ??= fresh("e"));
  const L = b.leaves?.length ?? 0;
  /** Every number of the block in `r` (a gradient-shaped object), in order, as an array. */
  const all = (r: string): string =>
    b.kind === "matrix"
      ? `${r}.${b.access}.flatMap((${row()}) => Array.from(${row()}))`
      : `${r}.${b.access}.flatMap((${e()}) => [${b.leaves!.map((l) => `${e()}${l}${l.endsWith("]") ? bang : ""}`).join(", ")}])`;
  return {
    /** How many numbers it holds (an array's: `x.length`). */
    size: (): string =>
      b.kind === "number"
        ? "1"
        : b.kind === "array"
          ? `${b.value}.length`
          : b.kind === "matrix"
            ? `${b.value}.reduce((s, ${row()}) => s + ${row()}.length, 0)`
            : L === 1
              ? `${b.value}.length`
              : `${b.value}.length * ${L}`,
    /** Its zero, shaped like the value. */
    zero: (): string =>
      b.kind === "number"
        ? "0"
        : b.kind === "array"
          ? b.storage === "Float64Array"
            ? `new Float64Array(${b.value}.length)`
            : `new Array${t("<number>")}(${b.value}.length).fill(0)`
          : b.kind === "matrix"
            ? b.storage === "Float64Array"
              ? `${b.value}.map((${row()}) => new Float64Array(${row()}.length))`
              : `${b.value}.map((${row()}) => new Array${t("<number>")}(${row()}.length).fill(0))`
            : `${b.value}.map(() => (${b.element}))`,
    /** A statement setting its `j`-th number in `v` (shaped like the inputs, zero) to 1. */
    unit: (v: string, index: string): string => {
      const j = /^[\w$]+$/.test(index) ? index : `(${index})`;
      if (b.kind === "number") return `${v}.${b.access} = 1;`;
      if (b.kind === "array") return `${v}.${b.access}[${j}] = 1;`;
      const at = fresh("at");
      if (b.kind === "matrix")
        return `{ let ${at} = ${j}; for (const ${row()} of ${v}.${b.access}) { if (${at} < ${row()}.length) { ${row()}[${at}] = 1; break; } ${at} -= ${row()}.length; } }`;
      const element = `${v}.${b.access}[${L === 1 ? j : `Math.floor(${j} / ${L})`}]${bang}`;
      if (L === 1) return `${element}${b.leaves![0]} = 1;`;
      const arms = b.leaves!.map(
        (l, i) => `${i === 0 ? "" : "else "}${i < L - 1 ? `if (${at} === ${i}) ` : ""}${e()}${l} = 1;`,
      );
      return `{ const ${e()} = ${element}; const ${at} = ${j} % ${L}; ${arms.join(" ")} }`;
    },
    /** Its numbers in `r`, spread into an array literal. */
    spread: (r: string): string =>
      b.kind === "number" ? `${r}.${b.access}${element}` : b.kind === "array" ? `...${r}.${b.access}` : `...${all(r)}`,
    /** Its `j`-th number in `r`. */
    entry: (r: string, j: string): string =>
      b.kind === "number"
        ? `${r}.${b.access}${element}`
        : b.kind === "array"
          ? `${r}.${b.access}[${j}]${bang}`
          : `${all(r)}[${j}]${bang}`,
  };
}
