/**
 * Optional fields (`tangents: { x?: number; a?: Float64Array; p?: { y?: number } }`), as a
 * forward-mode companion takes its tangents: read by destructuring with a default that stands
 * for the field where it is absent (`const { x: dot_x = 0, a: dot_a = new Float64Array(a.length) } = tangents;`).
 *
 * - In an inlined helper (`g_jvp` called from a differentiated function) the caller's record has
 *   the fields it was given; an absent one is the default, lowered where it is read.
 * - In the differentiated function's own parameter, an optional field is a leaf like any other
 *   (`Param.optional`): the graph reads its value, and the default, a zero of its kind written in
 *   terms of earlier parameters, becomes the leaf's `Param.fallback`, which the generated entry
 *   reads it with again (src/emit/records.ts).
 *
 * Anything else is ADG2120: a direct read (`tangents.x`, possibly undefined), a default that is not
 * such a zero, two different defaults for one field. An optional field that nothing reads (f_jvp's
 * tangent of an array whose copy is overwritten before any read) is not needed: its default is empty.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Expr, Param } from "../../ir.js";
import { c, op, v as variable } from "../../rules/expr.js";
import { LowerRecordStatements } from "./record-statements.js";
import { elementZero } from "../../rules/record-elements.js";
import { leaves, type RecordType } from "./record-types.js";
import { isRecord, strip, type RecordValue } from "./records.js";

/** Whether `e` is the zero of an element of type `t`: `0`, `{ x: 0, pos: { y: 0 } }`, `[0, 0]`, each field once. */
function isZeroOf(e: ts.Expression, t: RecordType["fields"][number]["type"]): boolean {
  const inner = strip(e);
  if (t.kind !== "record") return ts.isNumericLiteral(inner) && Number(inner.text) === 0;
  if (t.tuple)
    return (
      ts.isArrayLiteralExpression(inner) &&
      inner.elements.length === t.fields.length &&
      inner.elements.every((x, k) => isZeroOf(x, t.fields[k]!.type))
    );
  // Each field once; an optional one may be left out (`{ q: 0 }` for `{ q: number; r?: ... }`).
  if (!ts.isObjectLiteralExpression(inner) || inner.properties.length > t.fields.length) return false;
  const named = (f: { name: string }) =>
    inner.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === f.name);
  if (!inner.properties.every((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name))) return false;
  if (inner.properties.length !== t.fields.filter((f) => !f.optional || named(f)).length) return false;
  return t.fields.every(
    (f) =>
      (f.optional && !named(f)) ||
      inner.properties.some(
        (p) =>
          ts.isPropertyAssignment(p) &&
          ts.isIdentifier(p.name) &&
          p.name.text === f.name &&
          isZeroOf(p.initializer, f.type),
      ),
  );
}

/**
 * An empty array of each kind, and how generated code writes it: the default of an optional
 * field nothing reads (`emptyFallbacks`), which adgen reads back as such.
 */
const EMPTY: Partial<Record<Param["type"], Expr>> = {
  Float64Array: op("newFloat64Array", c(0)),
  "number[]": op("zeros", c(0)),
  "number[][]": op("rows", c(0)),
  "Float64Array[]": op("float64Rows", c(0)),
};
const EMPTY_TEXT: Partial<Record<Param["type"], RegExp>> = {
  Float64Array: /^newFloat64Array\(0\)$/,
  "number[]": /^newArray(?:<number>)?\(0\)\.fill\(0\)$/,
  "number[][]": /^newArray(?:<number\[\]>)?\(0\)$/,
  "Float64Array[]": /^newArray(?:<Float64Array>)?\(0\)$/,
};

/** How a default reads: the same text, whatever the spacing. */
const squeezed = (s: string) => s.replace(/\s+/g, "").replace(/,\)/g, ")");

export abstract class LowerOptionalFields extends LowerRecordStatements {
  /** The differentiated function's parameters, in order (set before its body is lowered). */
  protected entryParamList: Param[] = [];

  /** The leaf parameters under optional fields, by name. */
  private optionalLeaves(): Map<string, Param> {
    return new Map(this.entryParamList.filter((p) => p.optional).map((p) => [p.name, p]));
  }

  /** The value of the optional field `key` of `v` that `el` destructures (`{ x: dot_x = 0 }`). */
  protected readOptional(
    el: ts.BindingElement,
    key: string,
    v: RecordValue,
    field: Atom | RecordValue | undefined,
  ): Atom | RecordValue {
    const type = v.type.fields.find((f) => f.name === key)!.type;
    const init = el.initializer && strip(el.initializer);
    const emptyObject = init !== undefined && ts.isObjectLiteralExpression(init) && init.properties.length === 0;
    if (!init)
      this.fail(
        codes.optionalField,
        `optional field '${key}' may be absent; read it with a default (${type.kind === "record" ? `'${key}: ... = {}'` : `'${key}: ... = 0'`})`,
        el,
      );
    if (type.kind === "record" && type.elements) return this.readOptionalRecords(el, key, type, init, field);
    // A zero of its shape (`tp: [a, b] = [0, 0]`, as generated code reads a tuple nothing reads).
    if (type.kind === "record" && !emptyObject && isZeroOf(init, type)) {
      if (field === undefined) return this.anyValue(init, undefined, type);
      if (isRecord(field)) this.setFallbacks(field, c(0), init);
      return field;
    }
    if (type.kind === "record" && !emptyObject)
      this.fail(
        codes.optionalField,
        `the optional record '${key}' takes '{}' as its default (each of its fields then its own), not '${this.text(init)}'`,
        init,
      );
    if (field === undefined) {
      // Absent from a helper's argument: the default itself.
      if (type.kind === "record") return { kind: "record", type, fields: new Map() };
      return type.kind === "array" ? this.anyValue(init, this.text(el.name)) : this.number(init, this.text(el.name));
    }
    if (isRecord(field) || field.kind !== "var") return field;
    const leaf = this.optionalLeaves().get(field.name);
    if (!leaf) return field;
    const fallback = this.fallback(init, leaf);
    const text = JSON.stringify(fallback);
    if (leaf.fallback !== undefined && JSON.stringify(leaf.fallback) !== text)
      this.fail(
        codes.optionalField,
        `'${leaf.path!.join(".")}' is read with two different defaults; read an optional field with one`,
        init,
      );
    leaf.fallback = fallback;
    return field;
  }

  /**
   * An optional array of records (`pts?: readonly { x: number }[]`, f_jvp's tangent of an array of
   * records), read with an array of zero elements as long as an array before it:
   * `pts: dot_pts = pts.map(() => ({ x: 0 }))`. In the differentiated function's parameter, each
   * of its leaves (`tangents.pts.[].x`) falls back to zeros of that array's length.
   */
  private readOptionalRecords(
    el: ts.BindingElement,
    key: string,
    type: RecordType,
    init: ts.Expression,
    field: Atom | RecordValue | undefined,
  ): Atom | RecordValue {
    const element = type.elements!;
    const zero = elementZero(
      leaves(element).map((l) => l.path),
      true,
    );
    const refuse = (): never =>
      this.fail(
        codes.optionalField,
        `the default of the optional array of records '${key}' must be an array of zero elements as long as an array before it: 'pts.map(() => ${zero.startsWith("{") ? `(${zero})` : zero})', with 'pts' a parameter; got '${this.text(init)}'`,
        init,
      );
    const call = strip(init);
    // `[]`: the default of an array of records nothing reads, as generated code writes it.
    if (ts.isArrayLiteralExpression(call) && call.elements.length === 0 && field !== undefined) {
      if (isRecord(field)) this.setFallbacks(field, op("zeros", c(0)), init);
      return field;
    }
    if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) return refuse();
    const fn = call.arguments.length === 1 ? strip(call.arguments[0]!) : undefined;
    if (
      call.expression.name.text !== "map" ||
      !fn ||
      !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) ||
      fn.parameters.length > 0 ||
      !ts.isExpression(fn.body) ||
      !isZeroOf(fn.body, element)
    )
      return refuse();
    // Left out of a helper's argument: the default itself, a new array of records.
    if (field === undefined) return this.anyValue(init, this.text(el.name), type);
    if (!isRecord(field)) return field;
    // The array its length is read from: a parameter before the leaves, or an array of records' first leaf.
    const like = call.expression.expression;
    const records = this.recordKey(like);
    const first = records?.type.elements ? leaves(records.type)[0] : undefined;
    const shapedLike = first
      ? this.parameterNamed(`${records!.key}.${first.path.join(".")}`)
      : this.parameterNamed(this.text(like));
    const at = shapedLike === undefined ? -1 : this.entryParamList.findIndex((p) => p.name === shapedLike);
    const before = this.entryParamList[at];
    const given = this.leavesOf(field);
    if (
      given.length > 0 &&
      (at < 0 ||
        given.some((leaf) => at >= this.entryParamList.indexOf(leaf)) ||
        (before!.optional && before!.fallback === undefined))
    )
      return refuse();
    if (given.length > 0) this.setFallbacks(field, op("zeros", op("length", variable(shapedLike!))), init);
    return field;
  }

  /** The optional leaves of the differentiated function's parameters that `v` holds. */
  private leavesOf(v: RecordValue): Param[] {
    const optional = this.optionalLeaves();
    const atoms = (r: RecordValue): Atom[] => [...r.fields.values()].flatMap((f) => (isRecord(f) ? atoms(f) : [f]));
    return atoms(v).flatMap((a) => (a.kind === "var" && optional.has(a.name) ? [optional.get(a.name)!] : []));
  }

  /** Gives each optional leaf `v` holds the default `fallback`, refusing a second, different one. */
  private setFallbacks(v: RecordValue, fallback: Expr, at: ts.Node): void {
    for (const leaf of this.leavesOf(v)) {
      if (leaf.fallback !== undefined && JSON.stringify(leaf.fallback) !== JSON.stringify(fallback))
        this.fail(
          codes.optionalField,
          `'${leaf.path!.filter((k) => k !== "[]").join(".")}' is read with two different defaults; read an optional field with one`,
          at,
        );
      leaf.fallback = fallback;
    }
  }

  /**
   * The default `init` of the optional leaf `leaf` as an expression of earlier parameters: `0`, or
   * a zero array shaped like one (`new Float64Array(a.length)`, `new Array<number>(a.length).fill(0)`,
   * `A.map((r) => new Array<number>(r.length).fill(0))`, `A.map((r) => new Float64Array(r.length))`).
   */
  private fallback(init: ts.Expression, leaf: Param): Expr {
    const refuse = (): never =>
      this.fail(
        codes.optionalField,
        `the default of the optional field '${leaf.path!.join(".")}' (${leaf.type}) must be a zero of its kind: ${
          leaf.type === "number"
            ? "'0'"
            : leaf.type === "Float64Array"
              ? "'new Float64Array(a.length)'"
              : leaf.type === "number[]"
                ? "'new Array<number>(a.length).fill(0)'"
                : leaf.type === "number[][]"
                  ? "'A.map((r) => new Array<number>(r.length).fill(0))'"
                  : "'A.map((r) => new Float64Array(r.length))'"
        }, with 'a' or 'A' a parameter before it (or an optional field of one, read with its default first); got '${this.text(init)}'`,
        init,
      );
    if (leaf.type === "number") return ts.isNumericLiteral(init) && Number(init.text) === 0 ? c(0) : refuse();
    const text = squeezed(init.getText(this.sf));
    // An empty array: the default of a field nothing reads, as generated code writes it.
    if (EMPTY_TEXT[leaf.type]?.test(text)) return EMPTY[leaf.type]!;
    const shapes: Partial<Record<Param["type"], [RegExp, string]>> = {
      Float64Array: [/^newFloat64Array\((.+)\.length\)$/, "newFloat64Array"],
      "number[]": [/^newArray(?:<number>)?\((.+)\.length\)\.fill\(0\)$/, "zeros"],
      "number[][]": [/^(.+)\.map\(\((\w+)\)=>newArray(?:<number>)?\(\2\.length\)\.fill\(0\)\)$/, "zerosLike"],
      "Float64Array[]": [/^(.+)\.map\(\((\w+)\)=>newFloat64Array\(\2\.length\)\)$/, "float64ZerosLike"],
    };
    const [pattern, opName] = shapes[leaf.type] ?? refuse();
    const m = pattern.exec(text);
    if (!m) return refuse();
    // The array the zero is shaped like: a parameter (or a record parameter's leaf) before this one.
    const shapedLike = this.parameterNamed(m[1]!);
    const at = shapedLike === undefined ? -1 : this.entryParamList.findIndex((p) => p.name === shapedLike);
    // An optional field before it (`opts_m`, itself read with a default) is read before this one.
    const before = this.entryParamList[at];
    if (at < 0 || at >= this.entryParamList.indexOf(leaf) || (before!.optional && before!.fallback === undefined))
      return refuse();
    const like = variable(shapedLike!);
    return opName === "zerosLike" || opName === "float64ZerosLike" ? op(opName, like) : op(opName, op("length", like));
  }

  /** The graph parameter a default's text names (`a`, a record parameter's leaf `p.w` or a local bound to it), if any. */
  private parameterNamed(text: string): string | undefined {
    const value = this.lookup(text)?.value;
    return value?.kind === "var" ? value.name : undefined;
  }

  /**
   * An optional leaf of the function's parameters that no default gave a value where absent: no
   * statement reads it (a direct read is refused, a destructuring without a default too), so its
   * value is never needed; where absent it is an empty array of its kind, whose gradient is empty.
   */
  protected emptyFallbacks(): void {
    for (const p of this.entryParamList) if (p.optional && p.fallback === undefined) p.fallback = EMPTY[p.type] ?? c(0);
  }

  /** `tangents.x`, where `x?` may be absent: refused, it is read with a default. */
  protected optionalRead(e: ts.PropertyAccessExpression): never {
    return this.fail(
      codes.optionalField,
      `'${this.text(e)}' may be absent (an optional field): read it by destructuring with a default, as f_jvp does ('const { ${e.name.text}: dot_${e.name.text} = 0 } = ${this.text(e.expression)}')`,
      e,
    );
  }
}
