/**
 * The flattened inputs of a driver (`f_hessian`, `f_jacobian`), as blocks of the user's values:
 * a number, an array, a matrix (row by row), or an array of records (element by element, each
 * element's leaves in field order). For each block, the code that counts its numbers, reads the
 * j-th of them from a gradient-shaped object, writes 1 there in a tangent-shaped one, spreads them
 * all, and makes its zero.
 */
import type { Param } from "../ir.js";
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

/** How parameter `p` is read from the arguments: under an optional field, by `?.` and its default. */
function valueOf(p: Param, path: string[], types: boolean): string {
  const first = p.optional?.[0];
  if (first === undefined || p.fallback === undefined) return keyAccess(path);
  const read = path
    .map((key, i) => (i === 0 ? key : `${i > first ? "?." : "."}${/^\d+$/.test(key) ? `[${key}]` : key}`))
    .join("")
    .replace(/\?\.\[/g, "?.[");
  return `(${read} ?? ${printExpr(p.fallback, types)})`;
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
      const value = valueOf(p, path, types);
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
  for (const [b, paths] of leafPaths) b.element = elementZero(paths, types);
  return blocks;
}

/** The zero of an element whose leaves are at `paths` (`{ x: 0, pos: { y: 0 } }`, `[0, 0]`). */
function elementZero(paths: string[][], types: boolean): string {
  type Tree = Map<string, Tree | null>;
  const root: Tree = new Map();
  for (const path of paths) {
    let tree = root;
    for (const key of path.slice(0, -1)) {
      if (!tree.has(key)) tree.set(key, new Map());
      tree = tree.get(key)!;
    }
    tree.set(path.at(-1)!, null);
  }
  const print = (tree: Tree): string => {
    const values = [...tree].map(([key, t]) => [key, t === null ? "0" : print(t)] as const);
    if (values.every(([key]) => /^\d+$/.test(key))) {
      const tuple = `[${values.map(([, v]) => v).join(", ")}]`;
      return types ? `(${tuple} as [${values.map(() => "number").join(", ")}])` : tuple;
    }
    return `{ ${values.map(([key, v]) => `${key}: ${v}`).join(", ")} }`;
  };
  return print(root);
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
              ? `${b.access}.length`
              : `${b.access}.length * ${L}`,
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
            : `${b.access}.map(() => (${b.element}))`,
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
