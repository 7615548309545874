/**
 * Record parameters in generated entries: a record parameter's leaves (`Param.path`, graph
 * parameters `p_x`, `p_pos_y`) are taken as the user's one parameter `p`, typed structurally,
 * read into the leaves by destructuring, and its gradient is returned as a record of the same shape.
 */
import type { Param } from "../ir.js";

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

function typeOf(tree: Tree): string {
  const fields = [...tree].map(([f, t]) =>
    // A number[] field is read only: `readonly number[]` takes the user's arrays, readonly or not.
    isTree(t)
      ? `${f}: ${typeOf(t)}`
      : `${t.readonly ? "readonly " : ""}${f}: ${t.type === "number[]" ? "readonly number[]" : t.type}`,
  );
  return `{ ${fields.join("; ")} }`;
}

function pattern(tree: Tree): string {
  return `{ ${[...tree].map(([f, t]) => `${f}: ${isTree(t) ? pattern(t) : t.name}`).join(", ")} }`;
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
  const optional = (tree: Tree): string =>
    `{ ${[...tree].map(([f, t]) => `${f}?: ${isTree(t) ? optional(t) : t.type}`).join("; ")} }`;
  return p.fields
    ? `{ ${grouped(p.fields)
        .map((g) => ("tree" in g ? `${g.name}?: ${optional(g.tree)}` : `${g.name}?: ${plainType(g)}`))
        .join("; ")} }`
    : p.readonly && p.type === "number[][]"
      ? "readonly (readonly number[])[]"
      : `${p.readonly ? "readonly " : ""}${p.type}`;
}

/** `const { x: p_x, pos: { y: p_pos_y } } = p;` per record parameter, and the leaf each line defines. */
export function prologue(params: Param[]): { line: string; name: string }[] {
  return grouped(params).flatMap((g) =>
    "tree" in g
      ? [{ line: `const ${pattern(g.tree)} = ${g.name};`, name: params.find((p) => p.path?.[0] === g.name)!.name }]
      : [],
  );
}

/** The `grad: {...}` entries: plain ones as they are, a record parameter's leaves nested as its record. */
export function gradEntries(params: Param[], grads: { param: string; value: string }[]): string[] {
  const byName = new Map(grads.map((g) => [g.param, g.value]));
  const entry = (name: string, value: string) => (value === name ? name : `${name}: ${value}`);
  const nested = (tree: Tree): string =>
    `{ ${[...tree].map(([f, t]) => entry(f, isTree(t) ? nested(t) : byName.get(t.name)!)).join(", ")} }`;
  const listed = (t: Tree): boolean => [...t.values()].every((x) => (isTree(x) ? listed(x) : byName.has(x.name)));
  return grouped(params).flatMap((g) =>
    "tree" in g
      ? listed(g.tree)
        ? [entry(g.name, nested(g.tree))]
        : []
      : byName.has(g.name)
        ? [entry(g.name, byName.get(g.name)!)]
        : [],
  );
}
