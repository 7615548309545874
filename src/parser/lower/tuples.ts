/**
 * Tuples (`[number, number]`, `readonly [x: number, y: number]`), scalarized as records whose
 * fields are `0`, `1`, ...: `p[0]` with a literal index reads and writes a field, `[a, b]` where a
 * tuple is expected (a declared type, a helper's parameter or return type, a record's field) makes
 * one, `const [x, y] = p` destructures it (and an array, element by element), `p.length` is its
 * length. An index that is not a literal is a diagnostic.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom } from "../../ir.js";
import { rowsOf } from "../../ir-types.js";
import { c } from "../../rules/expr.js";
import { LowerRecordCalls } from "./record-calls.js";
import { shown, type RecordType } from "./record-types.js";
import { isRecord, strip, type RecordValue } from "./records.js";
import { literalIndex } from "./tuple-types.js";

export type RecordKey = { key: string; type: RecordType };

export abstract class LowerTuples extends LowerRecordCalls {
  /** Above 0 while only asking whether an expression is a record: an element `pts[i]` lowers nothing then. */
  protected dry = 0;

  protected recordKey(e: ts.Expression): RecordKey | undefined {
    const inner = strip(e);
    if (ts.isElementAccessExpression(inner)) {
      const base = this.recordKey(inner.expression);
      return base && this.elementKey(base, inner);
    }
    return super.recordKey(e);
  }

  /** The record `base[k]` names: a tuple's element that is a record (src/parser/lower/record-arrays.ts adds elements of arrays). */
  protected elementKey(base: RecordKey, e: ts.ElementAccessExpression): RecordKey | undefined {
    if (!base.type.tuple) return undefined;
    const k = literalIndex(e.argumentExpression);
    const field = k === undefined ? undefined : base.type.fields[k];
    return field?.type.kind === "record" ? { key: `${base.key}.${k}`, type: field.type } : undefined;
  }

  protected nestedField(e: ts.PropertyAccessExpression): boolean {
    const field = this.dryKey(e.expression)?.type.fields.find((f) => f.name === e.name.text);
    return rowsOf(field?.type) !== undefined;
  }

  /** `recordKey` without lowering anything (an element's key is then `@`). */
  protected dryKey(e: ts.Expression): RecordKey | undefined {
    this.dry++;
    try {
      return this.recordKey(e);
    } finally {
      this.dry--;
    }
  }

  /** `p[k]` of a tuple: the tuple and the field; undefined when `p` is no tuple. */
  protected tupleElement(e: ts.ElementAccessExpression): { base: RecordKey; name: string } | undefined {
    const base = this.recordKey(e.expression);
    if (!base) return undefined;
    if (!base.type.tuple)
      this.fail(
        codes.record,
        `'${this.text(e)}' indexes '${this.text(e.expression)}', a record (${shown(base.type)}); read its fields by name`,
        e,
      );
    const k = literalIndex(e.argumentExpression);
    if (k === undefined)
      this.fail(
        codes.tuple,
        `'${this.text(e)}': an index into the tuple '${this.text(e.expression)}' must be a literal (0 to ${base.type.fields.length - 1}); adgen keeps a tuple's elements apart`,
        e.argumentExpression,
      );
    if (k >= base.type.fields.length)
      this.fail(
        codes.tuple,
        `'${this.text(e)}': the tuple has ${base.type.fields.length} elements`,
        e.argumentExpression,
      );
    return { base, name: String(k) };
  }

  /** The value of field `name` of the record `base` (a number or an array). */
  protected readField(base: RecordKey, name: string, at: ts.Node): Atom {
    const field = base.type.fields.find((f) => f.name === name)!;
    if (field.type.kind === "record")
      this.fail(codes.notNumber, `'${this.text(at)}' is a record (${shown(field.type)}), not a number`, at);
    const key = `${base.key}.${name}`;
    const value = this.lookup(key)?.value;
    if (!value) this.fail(codes.unassigned, `'${key}' is read before it is assigned a value on every path`, at);
    return value;
  }

  protected number(e: ts.Expression, hint?: string): Atom {
    if (ts.isElementAccessExpression(e)) {
      const el = this.tupleElement(e);
      if (el) return this.numeric(this.readField(el.base, el.name, e), e);
      // `h(a)[0]`: an element of a tuple a helper returns.
      if (this.isRecordExpression(e.expression)) {
        const v = this.anyValue(e.expression);
        const k = literalIndex(e.argumentExpression);
        const f = isRecord(v) && v.type.tuple && k !== undefined ? v.fields.get(String(k)) : undefined;
        if (f === undefined || isRecord(f)) this.fail(codes.tuple, `'${this.text(e)}' is not a number of a tuple`, e);
        return this.numeric(f, e);
      }
    }
    return super.number(e, hint);
  }

  protected property(e: ts.PropertyAccessExpression): Atom {
    const base = this.recordKey(e.expression);
    if (base?.type.tuple && e.name.text === "length") return c(base.type.fields.length);
    return super.property(e);
  }

  protected anyValue(e: ts.Expression, hint?: string, expected?: RecordType): Atom | RecordValue {
    const inner = strip(e);
    if (ts.isArrayLiteralExpression(inner) && expected?.tuple) return this.tupleLiteral(inner, expected, hint);
    return super.anyValue(e, hint, expected);
  }

  /** `[a, b]` as the tuple `t`; its elements' values are named `hint_0`, `hint_1`. */
  protected tupleLiteral(e: ts.ArrayLiteralExpression, t: RecordType, hint?: string): RecordValue {
    if (e.elements.length !== t.fields.length)
      this.fail(
        codes.tuple,
        `'${this.text(e)}' has ${e.elements.length} elements; the tuple ${shown(t)} has ${t.fields.length}`,
        e,
      );
    const fields = new Map<string, Atom | RecordValue>();
    e.elements.forEach((el, k) => {
      if (ts.isSpreadElement(el) || ts.isOmittedExpression(el))
        this.fail(codes.tuple, `'${this.text(el)}' in a tuple is not supported: write each element`, e);
      const ft = t.fields[k]!.type;
      fields.set(String(k), this.fieldValue(el, String(k), ft.kind === "record" ? ft : undefined, hint));
    });
    return this.conform({ kind: "record", type: t, fields }, t, e);
  }

  protected expressionStatement(e: ts.Expression): void {
    const target = ts.isBinaryExpression(e)
      ? e.left
      : ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)
        ? e.operand
        : undefined;
    const inner = target && strip(target);
    if (inner && ts.isElementAccessExpression(inner) && this.dryKey(inner.expression)) {
      const el = this.tupleElement(inner)!;
      return this.writeField(e, inner, el.base, el.name);
    }
    super.expressionStatement(e);
  }

  /** `const [x, y] = p` for a tuple `p` (nested patterns too), or for an array, element by element. */
  protected bindPattern(
    pattern: ts.BindingPattern,
    v: Atom | RecordValue,
    keyword: "const" | "let",
    at: ts.Node,
  ): void {
    if (!ts.isArrayBindingPattern(pattern)) return super.bindPattern(pattern, v, keyword, at);
    if (isRecord(v) && !v.type.tuple)
      this.fail(
        codes.tuple,
        `'${this.text(at)}' is ${v.type.elements ? "an array of records" : "a record"}, not a tuple; ${v.type.elements ? "read its elements by index" : "destructure it with { ... }"}`,
        pattern,
      );
    if (!isRecord(v) && !this.isArray(v))
      this.fail(codes.notArray, `'${this.text(at)}' is a number; only tuples and arrays destructure with [ ... ]`, at);
    pattern.elements.forEach((el, k) => {
      if (ts.isOmittedExpression(el)) return;
      if (el.dotDotDotToken) this.fail(codes.tuple, "a rest element '...' in destructuring is not supported", el);
      if (el.initializer)
        this.fail(
          codes.tuple,
          "a default in destructuring is not supported: every element holds a value",
          el.initializer,
        );
      let value: Atom | RecordValue;
      if (isRecord(v)) {
        const f = v.fields.get(String(k));
        if (f === undefined) this.fail(codes.tuple, `${shown(v.type)} has no element ${k}`, el);
        value = f;
      } else value = this.node("index", [v, c(k)], el, ts.isIdentifier(el.name) ? el.name.text : undefined);
      if (!ts.isIdentifier(el.name)) return this.bindPattern(el.name, value, keyword, el.name);
      if (isRecord(value)) this.bindRecord(el.name.text, value, keyword, true, el);
      else this.scopes[this.scopes.length - 1]!.set(el.name.text, { keyword, value });
    });
  }
}
