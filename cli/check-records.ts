/**
 * `adgen check` and record parameters: a generated function lists a record parameter as its
 * leaves (`pos_x` at path `["pos", "x"]`, `samples_x` at `["samples", "[]", "x"]` for an array of
 * records), while `f` and its companion take the record itself. These are the user's parameters,
 * one per name, and a random record or array of records drawn from its leaves' types.
 */
import { ts } from "ts-morph";
import type { GeneratedFunction } from "../src/index.js";

type Leaf = GeneratedFunction["params"][number];

export interface UserParam {
  name: string;
  /** The leaf's type for a number or an array; `record` for a record or an array of records. */
  type: string;
  /** A record's leaves, their paths below the parameter (`["x"]`, `["[]", "x"]`). */
  leaves?: { path: string[]; type: string }[];
}

/** The parameters `f` takes, in order: leaves of one record gathered under its name. */
export function userParams(params: readonly Leaf[]): UserParam[] {
  const out: UserParam[] = [];
  for (const p of params) {
    if (!p.path || p.path.length < 2) {
      out.push({ name: p.name, type: p.type });
      continue;
    }
    const name = p.path[0]!;
    let record = out.find((q) => q.name === name && q.leaves);
    if (!record) out.push((record = { name, type: "record", leaves: [] }));
    record.leaves!.push({ path: p.path.slice(1), type: p.type });
  }
  return out;
}

/**
 * A random value of a record parameter (a tuple's an array): `draw(type)` for each leaf, put at its path; an array of
 * records (`"[]"` first in its leaves' paths) has `length` elements, whose leaves are the elements
 * of the leaf arrays (a leaf `number[]` of the array gives each element a number, a `number[][]`
 * a `number[]`).
 */
export function sampleRecord(
  leaves: readonly { path: string[]; type: string }[],
  length: number,
  draw: (type: string) => unknown,
): unknown {
  if (leaves[0]?.path[0] === "[]")
    return Array.from({ length }, () =>
      sampleRecord(
        leaves.map((l) => ({ path: l.path.slice(1), type: l.type.slice(0, -2) })),
        length,
        draw,
      ),
    );
  const record: Record<string, unknown> = {};
  const fields = [...new Set(leaves.map((l) => l.path[0]!))];
  for (const field of fields) {
    const mine = leaves.filter((l) => l.path[0] === field);
    const only = mine[0]!;
    record[field] =
      mine.length === 1 && only.path.length === 1
        ? draw(only.type)
        : sampleRecord(
            mine.map((l) => ({ path: l.path.slice(1), type: l.type })),
            length,
            draw,
          );
  }
  // A tuple is a record whose fields are its indices: an array.
  return fields.every((f, i) => f === String(i)) ? fields.map((f) => record[f]) : record;
}

/** Whether every leaf of a record can be drawn. */
export const sampledLeaves = (p: UserParam, isSampled: (type: string) => boolean): boolean =>
  (p.leaves ?? []).every((l) => isSampled(l.path.includes("[]") ? l.type.slice(0, -2) || l.type : l.type));

/**
 * `--at`'s JSON as the record's value: a leaf typed `Float64Array` (or a row of one) made one, by
 * the leaf's path.
 */
export function recordAsType(
  value: unknown,
  leaves: readonly { path: string[]; type: string }[],
  asType: (v: unknown, type: string) => unknown,
): unknown {
  if (value === null || typeof value !== "object") return value;
  if (leaves[0]?.path[0] === "[]")
    return Array.isArray(value)
      ? value.map((e) =>
          recordAsType(
            e,
            leaves.map((l) => ({ path: l.path.slice(1), type: l.type.slice(0, -2) })),
            asType,
          ),
        )
      : value;
  // A tuple stays an array.
  const out: Record<string, unknown> = Array.isArray(value)
    ? (value.slice() as unknown as Record<string, unknown>)
    : { ...(value as Record<string, unknown>) };
  for (const field of Object.keys(out)) {
    const mine = leaves.filter((l) => l.path[0] === field);
    if (mine.length === 1 && mine[0]!.path.length === 1) out[field] = asType(out[field], mine[0]!.type);
    else if (mine.length > 0)
      out[field] = recordAsType(
        out[field],
        mine.map((l) => ({ path: l.path.slice(1), type: l.type })),
        asType,
      );
  }
  return out;
}

/**
 * The parameters of `fname` in `source` declared with a class of the file (`p: Vec2`, `ps: Vec2[]`,
 * `readonly Vec2[]`): their class's name, and whether it is an array of instances. `f` calls the
 * class's methods, so a random record is made an instance of it (the companion takes any object
 * with the fields).
 */
export function classParams(source: string, fname: string): Map<string, { cls: string; array: boolean }> {
  const sf = ts.createSourceFile("/check.ts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const classes = new Set(sf.statements.flatMap((s) => (ts.isClassDeclaration(s) && s.name ? [s.name.text] : [])));
  let fn: ts.SignatureDeclaration | undefined;
  for (const s of sf.statements) {
    if (ts.isFunctionDeclaration(s) && s.name?.text === fname) fn = s;
    if (ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text === fname && d.initializer) {
          const init = d.initializer;
          if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) fn = init;
        }
  }
  const out = new Map<string, { cls: string; array: boolean }>();
  for (const p of fn?.parameters ?? []) {
    if (!ts.isIdentifier(p.name) || !p.type) continue;
    let t: ts.TypeNode = p.type;
    if (ts.isTypeOperatorNode(t)) t = t.type;
    const array = ts.isArrayTypeNode(t);
    if (ts.isArrayTypeNode(t)) t = t.elementType;
    if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && classes.has(t.typeName.text))
      out.set(p.name.text, { cls: t.typeName.text, array });
  }
  return out;
}

/** `record` (or each element of an array of them) made an instance of `cls`, its fields its own. */
export function asInstance(record: unknown, cls: unknown, array: boolean): unknown {
  if (typeof cls !== "function") return record;
  const make = (r: unknown) => Object.assign(Object.create(cls.prototype as object) as object, r);
  return array && Array.isArray(record) ? record.map(make) : make(record);
}
