/**
 * Record types: an `interface` or `type` alias declared in the same module, or an inline type
 * literal, whose fields are numbers, arrays of numbers or records (and, optional, an array of
 * records: f_jvp's tangent of one). Anything else in a record type (strings, `Map`/`Set`,
 * optional fields where the caller allows none, methods, index signatures) is a diagnostic naming it.
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError } from "../../diagnostics.js";
import type { RecordField, Type } from "../../ir.js";
import { arrayOf, nestedOf, NUMBER } from "../../ir-types.js";
import { ARRAY_TYPES, NESTED_ARRAY_TYPES } from "../syntax.js";
import { classDeclaration, classOf, classType } from "./class-types.js";
import { recordArray, tupleType } from "./tuple-types.js";

export type RecordType = Extract<Type, { kind: "record" }>;

const fail = (sf: ts.SourceFile, node: ts.Node, message: string): never => {
  throw new DiagnosticError(codes.record, message, node.getStart(sf), node.getEnd());
};

const typeText = (sf: ts.SourceFile, t: ts.Node) => t.getText(sf).replace(/\s+/g, " ");

/** Types no record holds, by name, with what to say. */
const REFUSED: Record<string, string> = {
  Map: "'Map' is not supported: adgen differentiates records of numbers, arrays and records",
  Set: "'Set' is not supported: adgen differentiates records of numbers, arrays and records",
  WeakMap: "'WeakMap' is not supported: adgen differentiates records of numbers, arrays and records",
  Record: "'Record<...>' has an index signature; declare the fields by name",
};

/**
 * The record type a type annotation names, or undefined when it names no record (a number, an
 * array, an unknown name: the caller says what is wrong with those). `Map`, `Set` and a record
 * with a field outside the subset are diagnostics.
 */
export function recordType(
  node: ts.TypeNode | undefined,
  sf: ts.SourceFile,
  seen: string[] = [],
  owner = "this record type",
  optional = true,
): RecordType | undefined {
  if (!node) return undefined;
  if (ts.isParenthesizedTypeNode(node)) return recordType(node.type, sf, seen, owner, optional);
  if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword)
    return recordType(node.type, sf, seen, owner, optional);
  if (ts.isTypeLiteralNode(node)) return { kind: "record", fields: fields(node.members, sf, owner, seen, optional) };
  // Tuples and arrays of records (src/parser/lower/tuple-types.ts).
  if (ts.isTupleTypeNode(node)) return tupleType(node, sf, (t) => fieldType(t, sf, owner, seen));
  if (ts.isArrayTypeNode(node)) return recordArray(recordType(node.elementType, sf, seen), node, sf);
  if (!ts.isTypeReferenceNode(node) || !ts.isIdentifier(node.typeName)) return undefined;
  const name = node.typeName.text;
  if (REFUSED[name]) fail(sf, node, REFUSED[name]!);
  if (name === "Readonly" && node.typeArguments?.length === 1)
    return recordType(node.typeArguments[0], sf, seen, owner, optional);
  if ((name === "Array" || name === "ReadonlyArray") && node.typeArguments?.length === 1)
    return recordArray(recordType(node.typeArguments[0], sf, seen), node, sf);
  const cls = classDeclaration(sf, name);
  if (cls) {
    if (seen.includes(name)) fail(sf, node, `'${name}' contains itself; records nest to a fixed depth`);
    return classType(cls, sf, [...seen, name], classFieldType);
  }
  const decl = declaration(sf, name);
  if (!decl) {
    // An imported generic (`Data<T>` from adgen) is no record: the caller reads it.
    if (imported(sf, name) && !node.typeArguments)
      fail(
        sf,
        node,
        `'${name}' is imported; adgen reads record types declared in the same module: declare '${name}' here`,
      );
    return undefined;
  }
  if (seen.includes(name)) fail(sf, node, `'${name}' contains itself; records nest to a fixed depth`);
  if (decl.typeParameters)
    fail(sf, decl.name, `'${name}' is generic; record types have number, array and record fields`);
  if (ts.isTypeAliasDeclaration(decl)) {
    const t = recordType(decl.type, sf, [...seen, name], `'${name}'`, optional);
    if (!t) return undefined;
    return classOf(t) ? t : { ...t, name };
  }
  if (decl.heritageClauses)
    fail(sf, decl.heritageClauses[0]!, `'${name}' extends another interface; declare its fields in it`);
  return { kind: "record", name, fields: fields(decl.members, sf, `'${name}'`, [...seen, name], optional) };
}

function fields(
  members: ts.NodeArray<ts.TypeElement>,
  sf: ts.SourceFile,
  owner: string,
  seen: string[],
  optional: boolean,
): RecordField[] {
  return members.map((m): RecordField => {
    if (!ts.isPropertySignature(m))
      fail(
        sf,
        m,
        ts.isIndexSignatureDeclaration(m)
          ? `${owner} has an index signature; records have fields declared by name`
          : `${owner} has a method; records hold numbers, arrays and records`,
      );
    const p = m as ts.PropertySignature;
    // `{ 0?: number; 1?: number }`: a tuple's tangent, optional fields named by the elements' indices.
    const index = ts.isNumericLiteral(p.name) && /^\d+$/.test(p.name.text) && p.questionToken !== undefined;
    if (!ts.isIdentifier(p.name) && !index)
      fail(sf, p.name, `field '${typeText(sf, p.name)}' of ${owner}: fields are plain names`);
    const name = (p.name as ts.Identifier | ts.NumericLiteral).text;
    if (p.questionToken && !optional)
      fail(sf, p, `optional field '${name}?' of ${owner} is not supported: every field must hold a value`);
    if (!p.type) fail(sf, p, `field '${name}' of ${owner} has no type; declare it 'number'`);
    if (p.questionToken) {
      // A forward-mode companion's tangents (`{ x?: number; a?: Float64Array; p?: { y?: number } }`).
      // An array of records' tangent (`pts?: readonly { x: number }[]`), read whole with a default.
      const what = recordType(p.type, sf, seen, "this record type", optional);
      if (what?.elements) return { name, type: what, optional: true };
      return { name, type: fieldType(p.type!, sf, owner, seen, name, optional), optional: true };
    }
    const readonly = p.modifiers?.some((k) => k.kind === ts.SyntaxKind.ReadonlyKeyword)
      ? ({ readonly: true } as const)
      : {};
    return { name, type: fieldType(p.type!, sf, owner, seen, name, optional), ...readonly };
  });
}

/** The type of field `name` of `owner`, for a class's fields (src/parser/lower/class-types.ts). */
export const classFieldType = (t: ts.TypeNode, name: string, owner: string, sf: ts.SourceFile, seen: string[]): Type =>
  fieldType(t, sf, owner, seen, name);

/** The type of a record's field (or a tuple's element): a number, an array of numbers, a record or a tuple. */
function fieldType(
  t: ts.TypeNode,
  sf: ts.SourceFile,
  owner: string,
  seen: string[],
  name?: string,
  optional = true,
): Type {
  const field = name === undefined ? `an element of ${owner}` : `field '${name}' of ${owner}`;
  if (t.kind === ts.SyntaxKind.NumberKeyword) return NUMBER;
  const array = ARRAY_TYPES[typeText(sf, t)];
  if (array) return arrayOf(array);
  // An array of arrays (`W: number[][]`): a leaf like any array, whose rows are read as `row` nodes.
  const nested = NESTED_ARRAY_TYPES[typeText(sf, t)];
  if (nested) return nestedOf(nested.rows);
  const record = recordType(t, sf, seen, "this record type", optional);
  if (record?.elements)
    throw new DiagnosticError(
      codes.tuple,
      `${field} is an array of records ('${typeText(sf, t)}'); arrays of records are parameters and locals, not fields`,
      t.getStart(sf),
      t.getEnd(),
    );
  if (record) return record;
  const what =
    t.kind === ts.SyntaxKind.StringKeyword
      ? "'string'; adgen differentiates numbers, so records hold numbers, arrays and records"
      : `'${typeText(sf, t)}'; record fields are numbers, number[], Float64Array, number[][], Float64Array[] or records`;
  return fail(sf, t, `${field} has type ${what}`);
}

function declaration(sf: ts.SourceFile, name: string): ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined {
  for (const st of sf.statements)
    if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name.text === name) return st;
  return undefined;
}

function imported(sf: ts.SourceFile, name: string): boolean {
  return sf.statements.some(
    (st) =>
      ts.isImportDeclaration(st) &&
      st.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(st.importClause.namedBindings) &&
      st.importClause.namedBindings.elements.some((e) => e.name.text === name),
  );
}

/** The record type of the class `name` declared in the module, if it declares one. */
export function classRecord(sf: ts.SourceFile, name: string): RecordType | undefined {
  const cls = classDeclaration(sf, name);
  return cls ? classType(cls, sf, [name], classFieldType) : undefined;
}

/**
 * The leaves of a record type in field order: each path below the record and its type, and the
 * positions in the path whose field is optional (`x?: number`, `p?: { y?: number }`), if any.
 */
export function leaves(
  t: RecordType,
  path: string[] = [],
  under: number[] = [],
): { path: string[]; type: Type; readonly?: true; optional?: number[] }[] {
  return t.fields.flatMap((f) => {
    const optional = f.optional ? [...under, path.length] : under;
    return f.type.kind === "record"
      ? leaves(f.type, [...path, f.name], optional)
      : [
          {
            path: [...path, f.name],
            type: f.type,
            ...(f.readonly ? { readonly: true as const } : {}),
            ...(optional.length > 0 ? { optional } : {}),
          },
        ];
  });
}

/** The first optional field (`x?: number`) of a record type, if any, by its path. */
export function optionalField(t: RecordType): string | undefined {
  for (const f of t.fields) {
    if (f.optional) return f.name;
    const inner = f.type.kind === "record" ? optionalField(f.type) : undefined;
    if (inner !== undefined) return `${f.name}.${inner}`;
  }
  return undefined;
}

/** How a record type reads in a message: its name, or its fields. */
export function shown(t: Type): string {
  if (t.kind === "record" && t.elements) return `${shown(t.elements)}[]`;
  if (t.kind === "record" && t.tuple && t.name === undefined)
    return `[${t.fields.map((f) => shown(f.type)).join(", ")}]`;
  if (t.kind === "record") return t.name ?? `{ ${t.fields.map((f) => `${f.name}: ${shown(f.type)}`).join("; ")} }`;
  return t.kind === "array" ? (t.element.kind === "array" ? `${t.element.storage}[]` : t.storage) : "number";
}

/** The record type `e` is asserted to be (`[0, 0] as [number, number]`, f_jvp's zero of a tuple), if any. */
export function asserted(e: ts.Expression, sf: ts.SourceFile): RecordType | undefined {
  let inner = e;
  for (;;) {
    while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
    if (!ts.isAsExpression(inner) && !ts.isSatisfiesExpression(inner)) return undefined;
    const t = recordType(inner.type, sf);
    if (t) return t;
    inner = inner.expression;
  }
}
