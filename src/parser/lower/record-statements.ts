/**
 * Statements and expressions that meet records: record parameters of the differentiated function
 * (one graph parameter per leaf), field reads and writes, declarations and destructuring,
 * whole-record assignment, and what a function returns.
 */
import { ts } from "ts-morph";
import { dataArgument } from "../module.js";
import { derivativeOf } from "../nested.js";
import { codes } from "../../diagnostics.js";
import type { Atom, Param } from "../../ir.js";
import { rowsOf } from "../../ir-types.js";
import { c } from "../../rules/expr.js";
import { COMPOUND_OPS, isIncrement } from "../syntax.js";
import { leaves, recordType, shown, type RecordType } from "./record-types.js";
import { isRecord, kindOf, LowerRecords, strip, type RecordValue } from "./records.js";
import { keyHint } from "./state.js";

export abstract class LowerRecordStatements extends LowerRecords {
  // ---- parameters of the differentiated function

  /** A record parameter: one graph parameter per leaf, its fields locals bound to them. */
  protected recordParam(p: ts.ParameterDeclaration): Param[] | undefined {
    // `Data<T>` is a plain parameter (records as data are not supported yet).
    if (dataArgument(this.mod, p.type)) return undefined;
    // Optional fields (`tangents: { x?: number }`, f_jvp's) are leaves read with defaults (src/parser/lower/optional-fields.ts).
    const type = recordType(p.type, this.sf);
    if (!type) return undefined;
    if (!ts.isIdentifier(p.name))
      this.fail(
        codes.parameter,
        `destructured parameter '${this.text(p.name)}' is not supported; name the record and read its fields`,
        p.name,
      );
    const name = p.name.text;
    if (p.questionToken || p.initializer || p.dotDotDotToken)
      this.fail(codes.parameter, `parameter '${name}' must be a plain record parameter (no '?', default or '...')`, p);
    this.names.reserve(name);
    const params: Param[] = [];
    const scope = this.scopes[0]!;
    scope.set(name, { keyword: "param", value: undefined, record: type });
    const declareNested = (t: RecordType, key: string) => {
      for (const f of t.fields)
        if (f.type.kind === "record") {
          scope.set(`${key}.${f.name}`, { keyword: "let", value: undefined, record: f.type });
          declareNested(f.type, `${key}.${f.name}`);
        }
    };
    declareNested(type, name);
    for (const leaf of leaves(type)) {
      const leafName = this.names.claim(keyHint([name, ...leaf.path].join(".")));
      const key = [name, ...leaf.path].join(".");
      scope.set(key, { keyword: leaf.readonly ? "const" : "let", value: { kind: "var", name: leafName } });
      this.entryParams.add(leafName);
      const t = leaf.type;
      const rows = rowsOf(t);
      // An array of arrays (`l.W: number[][]`) is a leaf like a parameter `W: number[][]`.
      if (rows) this.nested.set(leafName, rows);
      if (t.kind === "array") this.arrays.set(leafName, rows ? "number[]" : t.storage);
      params.push({
        name: leafName,
        type: rows
          ? rows === "number[]"
            ? "number[][]"
            : "Float64Array[]"
          : t.kind === "array"
            ? t.storage
            : "number",
        path: [name, ...leaf.path],
        ...(leaf.readonly ? { readonly: true as const } : {}),
        ...(leaf.optional ? { optional: leaf.optional.map((i) => i + 1) } : {}),
      });
    }
    if (params.length === 0) this.fail(codes.record, `parameter '${name}' is a record without fields`, p);
    return params;
  }

  /** The value of the optional field `key` of `v` that `el` destructures (src/parser/lower/optional-fields.ts). */
  protected abstract readOptional(
    el: ts.BindingElement,
    key: string,
    v: RecordValue,
    field: Atom | RecordValue | undefined,
  ): Atom | RecordValue;
  /** `tangents.x`, an optional field read without a default: refused (src/parser/lower/optional-fields.ts). */
  protected abstract optionalRead(e: ts.PropertyAccessExpression): never;

  // ---- expressions and statements that meet records

  protected value(e: ts.Expression, hint?: string): Atom {
    const named = this.recordKey(e);
    if (named) this.fail(codes.notNumber, `'${this.text(e)}' is a record (${shown(named.type)}), not a number`, e);
    if (ts.isObjectLiteralExpression(strip(e)))
      this.fail(codes.notNumber, `'${this.text(e)}' is a record, not a number`, e);
    return super.value(e, hint);
  }

  protected identifier(id: ts.Identifier): Atom {
    const named = this.recordKey(id);
    if (named) this.fail(codes.notNumber, `'${id.text}' is a record (${shown(named.type)}), not a number`, id);
    return super.identifier(id);
  }

  protected property(e: ts.PropertyAccessExpression): Atom {
    if (this.rootedAtCall(e)) {
      const v = this.callField(e)!;
      if (isRecord(v)) this.fail(codes.notNumber, `'${this.text(e)}' is a record (${shown(v.type)}), not a number`, e);
      return v;
    }
    const base = this.recordKey(e.expression);
    if (!base) {
      // `h(x).y` where h returns no record: what is wrong with the call comes first.
      let root = strip(e.expression);
      while (ts.isPropertyAccessExpression(root)) root = strip(root.expression);
      if (ts.isCallExpression(root)) this.value(root);
      return super.property(e);
    }
    const field = base.type.fields.find((f) => f.name === e.name.text);
    if (!field) this.fail(codes.record, `${shown(base.type)} has no field '${e.name.text}'`, e.name);
    if (field.optional) this.optionalRead(e);
    if (field.type.kind === "record")
      this.fail(codes.notNumber, `'${this.text(e)}' is a record (${shown(field.type)}), not a number`, e);
    const key = `${base.key}.${field.name}`;
    const value = this.lookup(key)?.value;
    if (!value) this.fail(codes.unassigned, `'${key}' is read before it is assigned a value on every path`, e);
    return value;
  }

  protected returned(e: ts.Expression): Atom[] {
    const ctx = this.recordReturn;
    if (ctx && (ctx.type || this.isRecordExpression(e))) {
      const v = this.anyValue(e, this.fn.name, ctx.type);
      if (!isRecord(v)) this.fail(codes.record, `'${this.fn.name}' returns a record on one path and not on another`, e);
      const shared = this.callerObject(v);
      if (shared !== undefined)
        this.fail(
          codes.sharedRecord,
          `'${this.fn.name}' returns '${shared}', which is (part of) an object its caller holds; return a copy ('{ ...${shared} }')`,
          e,
        );
      ctx.type ??= v.type;
      return [...this.leafAtoms(this.conform(v, ctx.type, e)), ...this.writtenLeaves(e)];
    }
    if (!ctx && this.inlining.length === 0 && this.isRecordExpression(e)) {
      // A call to a helper that takes records may return a number.
      const v = this.anyValue(e, this.fn.name);
      if (isRecord(v))
        this.fail(
          codes.record,
          `'${this.fn.name}' returns a record; adgen differentiates functions that return a number (return one of its fields, or a sum)`,
          e,
        );
      return [v];
    }
    return [...super.returned(e), ...this.writtenLeaves(e)];
  }

  /** The current fields of the record parameters the helper being inlined writes. */
  protected writtenLeaves(at: ts.Node): Atom[] {
    return (this.recordReturn?.written ?? []).flatMap((w) => this.leafAtoms(this.readRecord(w.name, w.type, at)));
  }

  /** A returned record's leaves merge under the field names (`clamp_x`), written parameters' fields under theirs. */
  protected resultHint(i: number): string {
    const ctx = this.recordReturn;
    if (!ctx) return super.resultHint(i);
    const returned = ctx.type ? leaves(ctx.type).map((l) => [this.fn.name, ...l.path].join("_")) : [this.fn.name];
    const written = ctx.written.flatMap((w) => leaves(w.type).map((l) => [w.name, ...l.path].join("_")));
    return [...returned, ...written][i] ?? super.resultHint(i);
  }

  protected declarations(list: ts.VariableDeclarationList): void {
    // `const dg = grad(g, { wrt: ["x"] })`: a derivative function, called later (src/parser/nested.ts).
    const refs = list.declarations.map((d) => (d.initializer ? derivativeOf(d.initializer, this.mod) : undefined));
    if (refs.some((r) => r !== undefined)) {
      list.declarations.forEach((d, i) => {
        const ref = refs[i];
        if (!ref || !ts.isIdentifier(d.name) || !(list.flags & ts.NodeFlags.Const))
          this.fail(
            codes.nestedOperator,
            `declare a derivative function on its own, as 'const dg = grad(g)': '${this.text(d)}' is not supported`,
            d,
          );
        this.scopes[this.scopes.length - 1]!.set(d.name.text, { keyword: "const", value: undefined, derivative: ref });
      });
      return;
    }
    const involved = list.declarations.some(
      (d) =>
        !ts.isIdentifier(d.name) ||
        recordType(d.type, this.sf) !== undefined ||
        (d.initializer !== undefined && (this.isRecordExpression(d.initializer) || this.rootedAtCall(d.initializer))),
    );
    if (!involved) return super.declarations(list);
    const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : undefined;
    if (!keyword)
      this.fail(
        codes.statement,
        "'var' declarations are not supported; use 'let' or 'const'",
        list.getChildAt(0, this.sf),
      );
    for (const decl of list.declarations) this.declaration(decl, keyword);
  }

  /** One declaration of a list that involves records. */
  protected declaration(decl: ts.VariableDeclaration, keyword: "const" | "let"): void {
    const declared = recordType(decl.type, this.sf);
    if (!ts.isIdentifier(decl.name)) {
      if (!decl.initializer) this.fail(codes.statement, "destructuring needs a value", decl);
      this.bindPattern(decl.name, this.anyValue(decl.initializer, undefined, declared), keyword, decl.initializer);
      return;
    }
    const name = decl.name.text;
    if (!decl.initializer) {
      if (declared)
        this.fail(
          codes.record,
          `record '${name}' is declared without a value; give it one ('let ${name}: ${shown(declared)} = { ... }')`,
          decl,
        );
      this.scopes[this.scopes.length - 1]!.set(name, { keyword, value: undefined });
      return;
    }
    const v = this.anyValue(decl.initializer, name, declared);
    if (isRecord(v))
      this.bindRecord(name, declared ? this.conform(v, declared, decl.initializer) : v, keyword, true, decl);
    else {
      if (declared)
        this.fail(
          codes.record,
          `'${this.text(decl.initializer)}' is not a record (${shown(declared)})`,
          decl.initializer,
        );
      this.scopes[this.scopes.length - 1]!.set(name, { keyword, value: v });
    }
  }

  /** `{ x, y } = v` (a record); src/parser/lower/tuples.ts adds `[x, y] = v`. */
  protected bindPattern(
    pattern: ts.BindingPattern,
    v: Atom | RecordValue,
    keyword: "const" | "let",
    at: ts.Node,
  ): void {
    if (!ts.isObjectBindingPattern(pattern))
      this.fail(codes.statement, `destructuring '${this.text(pattern)}' is not supported`, pattern);
    if (!isRecord(v)) this.fail(codes.record, `'${this.text(at)}' is not a record; only records destructure`, at);
    this.destructure(pattern, v, keyword);
  }

  protected destructure(pattern: ts.ObjectBindingPattern, v: RecordValue, keyword: "const" | "let"): void {
    for (const el of pattern.elements) {
      if (el.dotDotDotToken) this.fail(codes.record, "a rest element '...' in destructuring is not supported", el);
      const prop = el.propertyName ?? el.name;
      // `{ 0: dot_p_0 = 0 } = dot_p`: a tuple's tangent, optional fields named by index.
      const index = ts.isNumericLiteral(prop) && v.type.fields.some((f) => f.name === prop.text && f.optional);
      if (!ts.isIdentifier(prop) && !index)
        this.fail(codes.record, `'${this.text(prop)}' in destructuring is not supported`, prop);
      // A default stands for an optional field (`{ x: dot_x = 0 } = tangents`), used where it is absent.
      const optional = v.type.fields.find((f) => f.name === prop.text)?.optional === true;
      if (el.initializer && !optional)
        this.fail(
          codes.record,
          "a default in destructuring is not supported: every field holds a value",
          el.initializer,
        );
      const field = optional ? this.readOptional(el, prop.text, v, v.fields.get(prop.text)) : v.fields.get(prop.text);
      if (field === undefined) this.fail(codes.record, `${shown(v.type)} has no field '${prop.text}'`, prop);
      if (ts.isIdentifier(el.name)) {
        if (isRecord(field)) this.bindRecord(el.name.text, field, keyword, true, el);
        else this.scopes[this.scopes.length - 1]!.set(el.name.text, { keyword, value: field });
      } else if (ts.isObjectBindingPattern(el.name) && !isRecord(field))
        this.fail(codes.record, `field '${prop.text}' is not a record`, el.name);
      else this.bindPattern(el.name, field, keyword, el.name);
    }
  }

  protected expressionStatement(e: ts.Expression): void {
    const target = ts.isBinaryExpression(e)
      ? e.left
      : ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)
        ? e.operand
        : undefined;
    const inner = target && strip(target);
    if (inner && ts.isPropertyAccessExpression(inner) && this.recordKey(inner.expression))
      return this.fieldWrite(e, inner);
    const named = inner && this.recordKey(inner);
    if (named && ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const local = this.assignable(inner);
      if (local.keyword === "param" && this.inlining.length > 0 && this.mutates(this.fn.node, named.key))
        this.fail(
          codes.sharedRecord,
          `'${named.key}' is the caller's object, written and reassigned here; copy it first ('let q = { ...${named.key} }')`,
          e,
        );
      const v = this.anyValue(e.right, named.key, named.type);
      if (!isRecord(v))
        this.fail(codes.record, `'${this.text(e.right)}' is not a record (${shown(named.type)})`, e.right);
      this.bindRecord(named.key, this.conform(v, named.type, e.right), local.keyword, false, e);
      return;
    }
    if (named) this.fail(codes.operator, `'${this.text(e)}': '${this.text(inner)}' is a record, not a number`, e);
    if (ts.isCallExpression(e) && this.inlineRecordCall(e, true)) return;
    super.expressionStatement(e);
  }

  /** `p.x = v`, `p.x += v`, `p.x++`, `p.pos = q`, `p.w = a`. */
  protected fieldWrite(e: ts.Expression, target: ts.PropertyAccessExpression): void {
    this.writeField(e, target, this.recordKey(target.expression)!, target.name.text);
  }

  /** A write to field `name` of the record local `base` (`target` is `p.x`, or a tuple's `p[0]`). */
  protected writeField(e: ts.Expression, target: ts.Expression, base: { key: string; type: RecordType }, name: string) {
    const field = base.type.fields.find((f) => f.name === name);
    if (!field) this.fail(codes.record, `${shown(base.type)} has no field '${name}'`, target);
    const key = `${base.key}.${field.name}`;
    if (field.readonly) this.fail(codes.constAssign, `'${key}' is a readonly field and cannot be written`, target);
    this.checkWrite(key, target);
    if (field.type.kind === "record") {
      if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken)
        this.fail(codes.operator, `'${this.text(e)}': '${key}' is a record, not a number`, e);
      const v = this.anyValue((e as ts.BinaryExpression).right, keyHint(key), field.type);
      if (!isRecord(v)) this.fail(codes.record, `'${this.text((e as ts.BinaryExpression).right)}' is not a record`, e);
      this.bindRecord(key, this.conform(v, field.type, e), "let", false, e);
      return;
    }
    const local = this.lookup(key);
    if (!local || (field.optional && local.value === undefined))
      this.fail(
        codes.optionalField,
        `'${key}' is an optional field '${base.key}' does not have; adgen follows an optional field present or absent from where the record is made: give it a value there (or its default)`,
        target,
      );
    const hint = keyHint(key);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const v = field.type.kind === "array" ? this.value(e.right, hint) : this.number(e.right, hint);
      if (kindOf(this.atomType(v)) !== kindOf(field.type))
        this.fail(codes.record, `'${key}' is ${kindOf(field.type)}; '${this.text(e.right)}' is not`, e.right);
      local.value = v;
      return;
    }
    if (field.type.kind === "array") this.fail(codes.operator, `'${this.text(e)}': '${key}' is an array`, e);
    const current = local.value;
    if (!current) this.fail(codes.unassigned, `'${key}' is read before it is assigned a value on every path`, target);
    if (ts.isBinaryExpression(e) && COMPOUND_OPS[e.operatorToken.kind])
      local.value = this.node(COMPOUND_OPS[e.operatorToken.kind]!, [current, this.number(e.right)], e, hint);
    else if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncrement(e.operator))
      local.value = this.node(e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", [current, c(1)], e, hint);
    else this.fail(codes.operator, `'${this.text(e)}' is not supported`, e);
  }

  /** A record in `v` (itself or nested) that is, or may be, an object the caller also holds. */
  private callerObject(v: RecordValue): string | undefined {
    if (v.source !== undefined) {
      const parts = v.source.split(".");
      const owners = parts.map((_, i) => parts.slice(0, i + 1).join("."));
      if (this.lookup(parts[0]!)?.keyword === "param" || owners.some((o) => this.isShared(o))) return v.source;
    }
    for (const f of v.fields.values()) {
      const found = isRecord(f) ? this.callerObject(f) : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
