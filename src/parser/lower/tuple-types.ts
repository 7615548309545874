/**
 * Tuple types and arrays of records, as record types (src/parser/lower/record-types.ts reads
 * them through these). A tuple `[number, number]` is a record whose fields are `0`, `1`, ...; an
 * array of records (`Vec2[]`, `[number, number][]`) is a record of arrays, one `number[]` per
 * leaf of its element type, whose `elements` is that element type (structure of arrays).
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError } from "../../diagnostics.js";
import type { RecordField, Type } from "../../ir.js";
import { arrayOf } from "../../ir-types.js";

type RecordType = Extract<Type, { kind: "record" }>;

const fail = (sf: ts.SourceFile, node: ts.Node, message: string): never => {
  throw new DiagnosticError(codes.tuple, message, node.getStart(sf), node.getEnd());
};

const typeText = (sf: ts.SourceFile, t: ts.Node) => t.getText(sf).replace(/\s+/g, " ");

/** `[number, number]`, `[x: number, y: number]`: a record with fields `0`, `1`, ... (`element` reads each type). */
export function tupleType(node: ts.TupleTypeNode, sf: ts.SourceFile, element: (t: ts.TypeNode) => Type): RecordType {
  if (node.elements.length === 0) fail(sf, node, "an empty tuple '[]' holds no numbers");
  const fields = node.elements.map((el, k): RecordField => {
    const named = ts.isNamedTupleMember(el);
    const t = named ? el.type : el;
    if ((named && (el.questionToken || el.dotDotDotToken)) || ts.isOptionalTypeNode(t) || ts.isRestTypeNode(t))
      fail(
        sf,
        el,
        `'${typeText(sf, el)}' in a tuple type is not supported: a tuple has a fixed number of elements, each holding a value`,
      );
    return { name: String(k), type: element(t) };
  });
  return { kind: "record", tuple: true, fields };
}

/**
 * `T[]`, `readonly T[]`, `Array<T>`, `ReadonlyArray<T>` with `element` the record type `T`: the
 * record of arrays it is lowered to. Undefined when `T` is no record (an array of numbers).
 */
export function recordArray(element: RecordType | undefined, node: ts.Node, sf: ts.SourceFile): RecordType | undefined {
  if (!element) return undefined;
  if (element.elements)
    fail(
      sf,
      node,
      `'${typeText(sf, node)}' is an array of arrays of records; adgen supports one level (an array of records)`,
    );
  const columns = (t: RecordType): RecordField[] =>
    t.fields.map((f) => {
      if (f.type.kind === "record")
        return { name: f.name, type: { ...f.type, fields: columns(f.type), elements: f.type } };
      if (f.type.kind === "array")
        fail(
          sf,
          node,
          `'${typeText(sf, node)}' is an array of records with an array field ('${f.name}'); the elements of an array of records hold numbers, records and tuples`,
        );
      return { name: f.name, type: arrayOf("number[]") };
    });
  return {
    kind: "record",
    ...(element.name ? { name: element.name } : {}),
    fields: columns(element),
    elements: element,
  };
}

/** Whether a tuple's element index is a literal within its length: the index, else undefined. */
export function literalIndex(e: ts.Expression): number | undefined {
  let inner = e;
  while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
  if (ts.isNumericLiteral(inner) && /^\d+$/.test(inner.text)) return Number(inner.text);
  return undefined;
}
