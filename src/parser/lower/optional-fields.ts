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
import { isRecord, strip, type RecordValue } from "./records.js";

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
    const empty: Partial<Record<Param["type"], Expr>> = {
      number: c(0),
      Float64Array: op("newFloat64Array", c(0)),
      "number[]": op("zeros", c(0)),
      "number[][]": op("rows", c(0)),
      "Float64Array[]": op("float64Rows", c(0)),
    };
    for (const p of this.entryParamList) if (p.optional && p.fallback === undefined) p.fallback = empty[p.type] ?? c(0);
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
