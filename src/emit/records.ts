/**
 * Record parameters in generated entries: a record parameter's leaves (`Param.path`, graph
 * parameters `p_x`, `p_pos_y`) are taken as the user's one parameter `p`, typed structurally,
 * read into the leaves by destructuring, and its gradient is returned as a record of the same shape.
 * Tuples are records whose fields are indices; an array of records is read into one array per
 * leaf, and its gradient built back into an array of records.
 */
import type { Expr, Param } from "../ir.js";
import { recordsObjectName } from "../conventions.js";
import { c, op, v } from "../rules/expr.js";
import { printExpr } from "./expr.js";

/** A record parameter's fields as a tree: a leaf holds its graph parameter. */
type Tree = Map<string, Tree | Param>;

/** The parameters as the user declared them: plain ones, and one tree per record parameter. */
function grouped(params: Param[]): (Param | { name: string; tree: Tree })[] {
  const out: (Param | { name: string; tree: Tree })[] = [];
  for (const p of params) {
    if (!p.path) {
      out.push(p);
      continue;
    }
    let group = out.find((g): g is { name: string; tree: Tree } => "tree" in g && g.name === p.path![0]);
    if (!group) out.push((group = { name: p.path[0]!, tree: new Map() }));
    let tree = group.tree;
    for (const f of p.path.slice(1, -1)) {
      if (!tree.has(f)) tree.set(f, new Map());
      tree = tree.get(f) as Tree;
    }
    tree.set(p.path[p.path.length - 1]!, p);
  }
  return out;
}

const isTree = (t: Tree | Param): t is Tree => t instanceof Map;
/** A tuple's fields are its indices (`0`, `1`, ...); record fields are names. */
const isTuple = (tree: Tree): boolean => [...tree.keys()].every((k) => /^\d+$/.test(k));
/** An array of records: its one child `[]` is the tree of its element's leaves (each a `number[]`). */
const elementsOf = (tree: Tree): Tree | undefined => {
  const each = tree.get("[]");
  return each !== undefined && isTree(each) ? each : undefined;
};

/** An element of an array of records as its gradient's `map` builds it: numbers in tuples and records. */
function elementType(tree: Tree): string {
  const types = [...tree].map(([f, t]) => [f, isTree(t) ? elementType(t) : "number"] as const);
  if (isTuple(tree)) return `[${types.map(([, ty]) => ty).join(", ")}]`;
  return `{ ${types.map(([f, ty]) => `${f}: ${ty}`).join("; ")} }`;
}
const hasTuple = (tree: Tree): boolean => isTuple(tree) || [...tree.values()].some((t) => isTree(t) && hasTuple(t));

/** An array leaf is read only: its readonly type takes the user's arrays (and matrices), readonly or not. */
const readonlyType = (t: Param["type"]): string =>
  t === "number[]"
    ? "readonly number[]"
    : t === "number[][]"
      ? "readonly (readonly number[])[]"
      : t === "Float64Array[]"
        ? "readonly Float64Array[]"
        : t;

/** The leaf parameters of a tree. */
const leavesOf = (t: Tree | Param): Param[] => (isTree(t) ? [...t.values()].flatMap(leavesOf) : [t]);
/** Whether the field at `depth` of a record parameter's paths, holding `t`, is optional (`x?: number`, `Param.optional`). */
const optionalAt = (t: Tree | Param, depth: number): boolean =>
  leavesOf(t).some((p) => p.optional?.includes(depth) === true);

/**
 * A tree's type as the user passes it; `element`: inside an array of records, where leaves are
 * numbers; `depth`: the position of its fields in the leaves' paths.
 */
function typeOf(tree: Tree, element = false, depth = 1): string {
  const each = elementsOf(tree);
  if (each) return `readonly ${isTuple(each) ? `(${typeOf(each, true)})` : typeOf(each, true)}[]`;
  const leaf = (t: Param) => (element ? "number" : readonlyType(t.type));
  const types = [...tree].map(([f, t]) => [f, t, isTree(t) ? typeOf(t, element, depth + 1) : leaf(t)] as const);
  // A tuple's tangent is an object of optional fields named by index (`{ 0?: number }`).
  if (isTuple(tree) && (element || ![...tree.values()].some((t) => optionalAt(t, depth))))
    return `readonly [${types.map(([, , ty]) => ty).join(", ")}]`;
  const fields = types.map(
    ([f, t, ty]) =>
      `${!isTree(t) && t.readonly ? "readonly " : ""}${f}${!element && optionalAt(t, depth) ? "?" : ""}: ${ty}`,
  );
  return `{ ${fields.join("; ")} }`;
}

/**
 * The destructuring pattern of a tree: an optional field with its default (`{}`, the leaf's
 * fallback). An array of records inside it (an optional field, f_jvp's tangent of one) is read
 * whole into a name of its own (`tangents_pts`), with an array of zero elements as its default,
 * and its leaves are taken from its elements after the pattern (pushed onto `leaves`).
 */
function pattern(
  tree: Tree,
  types: boolean,
  params: Param[],
  leaves: { line: string; name: string }[],
  depth = 1,
): string {
  const parts = [...tree].map(([f, t]) => {
    const each = isTree(t) ? elementsOf(t) : undefined;
    if (each) {
      const object = objectName(leavesOf(each)[0]!, params);
      for (const { param, access } of leafAccesses(each))
        leaves.push({ line: `const ${param.name} = ${object}.map((e) => e${access});`, name: param.name });
      return [f, `${object} = ${recordsZero(each, params, types)}`] as const;
    }
    const read = isTree(t) ? pattern(t, types, params, leaves, depth + 1) : t.name;
    if (!optionalAt(t, depth)) return [f, read] as const;
    return [
      f,
      `${read} = ${isTree(t) ? zeroPattern(t, types, depth + 1) : printExpr(t.fallback ?? c(0), types)}`,
    ] as const;
  });
  if (isTuple(tree) && ![...tree.values()].some((t) => optionalAt(t, depth)))
    return `[${parts.map(([, p]) => p).join(", ")}]`;
  return `{ ${parts.map(([f, p]) => `${f}: ${p}`).join(", ")} }`;
}

/**
 * The default of an optional record field, for the pattern `pattern` reads it with: `{}` where its
 * fields are optional in turn; a zero tuple where it is read by position (`tp?: [number, number]`,
 * a field nothing reads: `[o_tp_0, o_tp_1] = [0, 0]`, which `{}` is not).
 */
function zeroPattern(tree: Tree, types: boolean, depth: number): string {
  const each = elementsOf(tree);
  if (each) return "[]";
  const byPosition = isTuple(tree) && ![...tree.values()].some((t) => optionalAt(t, depth));
  if (!byPosition) {
    const required = [...tree].filter(([, t]) => !optionalAt(t, depth));
    if (required.length === 0) return "{}";
    return `{ ${required.map(([f, t]) => `${f}: ${isTree(t) ? zeroPattern(t, types, depth + 1) : printExpr(t.fallback ?? c(0), types)}`).join(", ")} }`;
  }
  return `[${[...tree.values()].map((t) => (isTree(t) ? zeroPattern(t, types, depth + 1) : printExpr(t.fallback ?? c(0), types))).join(", ")}]`;
}

/** The name an array of records inside a record parameter is read into (src/conventions.ts). */
const objectName = (leaf: Param, params: Param[]): string =>
  recordsObjectName(
    leaf.path!.slice(0, leaf.path!.indexOf("[]")),
    params.map((p) => p.name),
  );

/**
 * The default of an optional array of records, from its leaves' fallbacks (zeros as long as an
 * array, src/parser/lower/optional-fields.ts): as many zero elements as the user's array of
 * records that array is a leaf of (`pts.map(() => ({ x: 0 }))`), or as the array itself.
 */
function recordsZero(each: Tree, params: Param[], types: boolean): string {
  const fallback = leavesOf(each)[0]!.fallback;
  const length = fallback?.kind === "op" && fallback.op === "zeros" ? fallback.args[0] : undefined;
  const shape = length?.kind === "op" && length.op === "length" ? length.args[0] : undefined;
  if (shape?.kind !== "var") return "[]";
  // The user's array of records (`pts`), or one read from inside a record parameter (`t_pts`).
  const like = params.find((p) => p.name === shape.name);
  const at = like?.path?.indexOf("[]") ?? -1;
  const array = at === 1 ? like!.path![0]! : at > 1 ? objectName(like!, params) : shape.name;
  const paths = leafAccesses(each).map(({ param }) => param.path!.slice(param.path!.indexOf("[]") + 1));
  return printExpr(
    op(
      "zeroRecords",
      v(array),
      ...paths.map((path): Expr => ({ kind: "const", value: Number.NaN, text: path.join(".") })),
    ),
    types,
  );
}

/** Every leaf of a tree, with how it is read from the value (`.pos.x`, `[0]`). */
function leafAccesses(tree: Tree, access = ""): { param: Param; access: string }[] {
  const tuple = isTuple(tree);
  return [...tree].flatMap(([f, t]) => {
    const a = `${access}${tuple ? `[${f}]` : `.${f}`}`;
    return isTree(t) ? leafAccesses(t, a) : [{ param: t, access: a }];
  });
}

/** Whether any parameter is a record's leaf. */
export const hasRecords = (params: Param[]): boolean => params.some((p) => p.path !== undefined);

/** The signature's parameter list. */
export function signature(params: Param[], types: boolean): string {
  return grouped(params)
    .map((g) =>
      "tree" in g ? (types ? `${g.name}: ${typeOf(g.tree)}` : g.name) : types ? `${g.name}: ${plainType(g)}` : g.name,
    )
    .join(", ");
}

/**
 * A parameter's type as written: its storage, or (`f_jvp`'s tangents) an object of optional
 * fields, a record parameter's tangent a record of optional fields.
 */
function plainType(p: Param): string {
  // An array of records' tangent is shaped like it, each element whole.
  const optional = (tree: Tree): string =>
    elementsOf(tree)
      ? typeOf(tree)
      : `{ ${[...tree].map(([f, t]) => `${f}?: ${isTree(t) ? optional(t) : t.type}`).join("; ")} }`;
  return p.fields
    ? `{ ${grouped(p.fields)
        .map((g) => ("tree" in g ? `${g.name}?: ${optional(g.tree)}` : `${g.name}?: ${plainType(g)}`))
        .join("; ")} }`
    : p.readonly && p.type === "number[][]"
      ? "readonly (readonly number[])[]"
      : `${p.readonly ? "readonly " : ""}${p.type}`;
}

/**
 * `const { x: p_x, pos: { y: p_pos_y } } = p;` (`const [p_0, p_1] = p;` for a tuple) per record
 * parameter, and the leaf each line defines; an array of records is read into one array per leaf
 * (`const pts_x = pts.map((e) => e.x);`).
 */
export function prologue(params: Param[], types = true): { line: string; name: string }[] {
  return grouped(params).flatMap((g) => {
    if (!("tree" in g)) return [];
    const each = elementsOf(g.tree);
    if (each)
      return leafAccesses(each).map(({ param, access }) => ({
        line: `const ${param.name} = ${g.name}.map((e) => e${access});`,
        name: param.name,
      }));
    const leaves: { line: string; name: string }[] = [];
    const line = `const ${pattern(g.tree, types, params, leaves)} = ${g.name};`;
    return [{ line, name: params.find((p) => p.path?.[0] === g.name)!.name }, ...leaves];
  });
}

/**
 * The `grad: {...}` entries: plain ones as they are, a record parameter's leaves nested as its
 * record, a tuple's as a tuple, an array of records' as an array of records of the same length
 * (element `i` of each leaf's gradient array; a gradient that is no array name is zeros).
 */
export function gradEntries(params: Param[], grads: { param: string; value: string }[], types = true): string[] {
  const byName = new Map(grads.map((g) => [g.param, g.value]));
  const entry = (name: string, value: string) => (value === name ? name : `${name}: ${value}`);
  const nested = (tree: Tree, leaf: (p: Param) => string): string => {
    const values = [...tree].map(([f, t]) => {
      // An array of records inside a record (f_jvp's tangent of one): as long as its first leaf.
      if (isTree(t) && elementsOf(t)) return [f, value(leavesOf(t)[0]!.name, t)] as const;
      return [f, isTree(t) ? nested(t, leaf) : leaf(t)] as const;
    });
    if (isTuple(tree)) return `[${values.map(([, v]) => v).join(", ")}]`;
    return `{ ${values.map(([f, v]) => entry(f, v)).join(", ")} }`;
  };
  const value = (name: string, tree: Tree): string => {
    const each = elementsOf(tree);
    if (!each) return nested(tree, (p) => byName.get(p.name)!);
    const used = new Set(leafAccesses(each).map(({ param }) => byName.get(param.name)!));
    const i = ["i", "j", "k", "m", "n"].find((n) => !used.has(n))!;
    const element = nested(each, (p) => {
      const g = byName.get(p.name)!;
      return /^[A-Za-z_$][\w$]*$/.test(g) ? `${g}[${i}]${types ? "!" : ""}` : "0";
    });
    // A tuple is typed as one (an untyped `[a, b]` is a `number[]`): the gradient keeps the
    // parameter's shape, and adgen reads it back as tuples (test/self-hessian.test.ts).
    const returns = types && hasTuple(each) ? `: ${elementType(each)}` : "";
    return `${name}.map((_, ${i})${returns} => ${isTuple(each) ? element : `(${element})`})`;
  };
  const listed = (t: Tree): boolean => [...t.values()].every((x) => (isTree(x) ? listed(x) : byName.has(x.name)));
  return grouped(params).flatMap((g) =>
    "tree" in g
      ? listed(g.tree)
        ? [entry(g.name, value(g.name, g.tree))]
        : []
      : byName.has(g.name)
        ? [entry(g.name, byName.get(g.name)!)]
        : [],
  );
}
