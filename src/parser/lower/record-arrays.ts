/**
 * Arrays of records (`Vec2[]`, `[number, number][]`, `ReadonlyArray<Sample>`) as structures of
 * arrays: an array of records is a record of arrays, one `number[]` per leaf of its element type
 * (`pts.x`, `pts.pos.y`), so it binds, passes to helpers and copies like a record. An element
 * `pts[i]` is a reference, as in JavaScript: a name for it (`const p = pts[i]`, `for (const p of
 * pts)`) is a view (`Local.view`) whose field reads are `index` ops on those arrays at `i` and
 * whose field writes are stores, so a write through either name is seen through the other.
 * Copies of an element are made only where JavaScript copies (`{ ...pts[i] }`, destructured
 * numbers, a helper's parameter with copy-out); where a copy would have to stand for a reference
 * (an element put into another record, reassigned, returned by a helper, or passed to a helper
 * with its own array) adgen refuses with ADG3040.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Param, VarRef } from "../../ir.js";
import { COMPOUND_OPS, isIncrement } from "../syntax.js";
import { c } from "../../rules/expr.js";
import { leaves, recordType, shown, type RecordType } from "./record-types.js";
import { isRecord, strip, type RecordValue } from "./records.js";
import { sameAtom, type Local } from "./state.js";
import { LowerGateBackwards } from "./gate-backwards.js";
import { type RecordKey } from "./tuples.js";

type View = NonNullable<Local["view"]>;

/**
 * Where the first array of records lies along a leaf's `path` below a record parameter of type
 * `t`: the position in the parameter's path (0, the parameter itself; 1, its field `path[0]`).
 */
function arrayOfRecordsAt(t: RecordType, path: string[]): number | undefined {
  if (t.elements) return 0;
  let type: RecordType = t;
  for (let i = 0; i < path.length; i++) {
    const field = type.fields.find((f) => f.name === path[i]);
    if (field?.type.kind !== "record") return undefined;
    if (field.type.elements) return i + 1;
    type = field.type;
  }
  return undefined;
}

export abstract class LowerRecordArrays extends LowerGateBackwards {
  private views = 0;
  /** How the user wrote each hidden element local (`@3` is `pts[i]`), for messages. */
  private written = new Map<string, string>();
  /** Values read from an element's field (`t = pts_x[i]`), by name: its array and index, so copy-out skips them unchanged. */
  private readFrom = new Map<string, { array: string; index: Atom }>();

  // ---- parameters

  protected recordParam(p: ts.ParameterDeclaration): Param[] | undefined {
    const params = super.recordParam(p);
    const type = recordType(p.type, this.sf);
    if (!params || !type) return params;
    // The generated entry reads the user's array of records (or an optional field holding one,
    // `tangents.pts`) into these arrays, its own: `"[]"` follows the array in each leaf's path.
    return params.map((q) => {
      const k = arrayOfRecordsAt(type, q.path!.slice(1));
      if (k === undefined) return q;
      const { readonly: _, ...rest } = q;
      const optional = q.optional?.map((i) => (i > k ? i + 1 : i));
      return {
        ...rest,
        path: [...q.path!.slice(0, k + 1), "[]", ...q.path!.slice(k + 1)],
        ...(optional ? { optional } : {}),
      };
    });
  }

  // ---- elements as views

  protected elementKey(base: RecordKey, e: ts.ElementAccessExpression): RecordKey | undefined {
    if (!base.type.elements) return super.elementKey(base, e);
    return { key: this.dry > 0 ? "@" : this.element(base, e), type: base.type.elements };
  }

  protected recordKey(e: ts.Expression): RecordKey | undefined {
    const inner = strip(e);
    // `pts.x` is no field of an array.
    if (ts.isPropertyAccessExpression(inner) && this.dryKey(inner.expression)?.type.elements) return undefined;
    return super.recordKey(e);
  }

  /** `pts[i]`: a hidden view local of the element, by its key. */
  private element(base: RecordKey, e: ts.ElementAccessExpression): string {
    const index = this.number(e.argumentExpression);
    const key = `@${++this.views}`;
    this.written.set(key, this.text(e));
    this.scopes[this.scopes.length - 1]!.set(key, {
      keyword: "const",
      value: undefined,
      record: base.type.elements!,
      view: { arrays: this.columns(base), index },
    });
    return key;
  }

  /** The array of each leaf of the array of records `base`, by the leaf's path. */
  protected columns(base: RecordKey): Map<string, VarRef> {
    return new Map(
      leaves(base.type).map((l) => [l.path.join("."), this.lookup(`${base.key}.${l.path.join(".")}`)!.value as VarRef]),
    );
  }

  /** The view a record key lies in (`p`, `p.pos`), and the path below the view. */
  protected viewOf(key: string): { view: View; path: string[] } | undefined {
    const [root, ...path] = key.split(".");
    const view = this.lookup(root!)?.view;
    return view ? { view, path } : undefined;
  }

  /** Whether `e` is an element of an array of records, or a part of one (`pts[i]`, `p`, `p.pos`), without lowering it. */
  protected isElement(e: ts.Expression): boolean {
    const k = this.dryKey(e);
    return k !== undefined && (k.key === "@" || k.key.startsWith("@.") || this.viewOf(k.key) !== undefined);
  }

  protected isRecordExpression(e: ts.Expression): boolean {
    this.dry++;
    try {
      const inner = strip(e);
      if (ts.isArrayLiteralExpression(inner))
        return inner.elements.length > 0 && this.isRecordExpression(inner.elements[0]!);
      return super.isRecordExpression(e) || this.recordCallback(inner) !== undefined;
    } finally {
      this.dry--;
    }
  }

  protected recordCallee(e: ts.CallExpression) {
    this.dry++;
    try {
      return super.recordCallee(e);
    } finally {
      this.dry--;
    }
  }

  protected readRecord(key: string, type: RecordType, at: ts.Node): RecordValue {
    const v = this.viewOf(key);
    if (!v) return super.readRecord(key, type, at);
    const fields = new Map<string, Atom | RecordValue>();
    for (const f of type.fields) {
      if (f.type.kind === "record") {
        fields.set(f.name, this.readRecord(`${key}.${f.name}`, f.type, at));
        continue;
      }
      const array = v.view.arrays.get([...v.path, f.name].join("."))!;
      const read = this.node("index", [array, v.view.index], at) as VarRef;
      this.readFrom.set(read.name, { array: array.name, index: v.view.index });
      fields.set(f.name, read);
    }
    return { kind: "record", type, fields, source: key };
  }

  protected readField(base: RecordKey, name: string, at: ts.Node): Atom {
    const v = this.viewOf(base.key);
    const field = base.type.fields.find((f) => f.name === name);
    if (!v || !field || field.type.kind === "record") return super.readField(base, name, at);
    return this.node("index", [v.view.arrays.get([...v.path, name].join("."))!, v.view.index], at);
  }

  protected property(e: ts.PropertyAccessExpression): Atom {
    if (this.dryKey(e.expression)?.type.elements) {
      const records = this.recordKey(e.expression)!;
      if (e.name.text === "length") return this.node("length", [this.columns(records).values().next().value!], e);
      this.fail(
        codes.tuple,
        `'${this.text(e)}': '${this.text(e.expression)}' is an array of records (${shown(records.type)}); read a field of an element ('${this.text(e.expression)}[i].${e.name.text}')`,
        e.name,
      );
    }
    if (this.isElement(e.expression)) {
      const base = this.recordKey(e.expression)!;
      if (!base.type.fields.some((f) => f.name === e.name.text))
        this.fail(codes.record, `${shown(base.type)} has no field '${e.name.text}'`, e.name);
      return this.readField(base, e.name.text, e);
    }
    return super.property(e);
  }

  // ---- writes through views

  protected writeField(e: ts.Expression, target: ts.Expression, base: RecordKey, name: string): void {
    const v = this.viewOf(base.key);
    if (!v) return super.writeField(e, target, base, name);
    const field = base.type.fields.find((f) => f.name === name);
    if (!field) this.fail(codes.record, `${shown(base.type)} has no field '${name}'`, target);
    if (field.readonly)
      this.fail(codes.constAssign, `'${this.text(target)}' is a readonly field and cannot be written`, target);
    const path = [...v.path, name];
    if (field.type.kind === "record") {
      if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken)
        this.fail(codes.operator, `'${this.text(e)}': '${this.text(target)}' is a record, not a number`, e);
      const value = this.anyValue((e as ts.BinaryExpression).right, undefined, field.type);
      if (!isRecord(value))
        this.fail(codes.record, `'${this.text((e as ts.BinaryExpression).right)}' is not a record`, e);
      return this.storeRecord(v.view, path, this.conform(value, field.type, e), target);
    }
    const array = this.writable(v.view.arrays.get(path.join("."))!, target);
    let value: Atom;
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) value = this.number(e.right);
    else {
      const old = this.node("index", [array, v.view.index], target);
      if (ts.isBinaryExpression(e) && COMPOUND_OPS[e.operatorToken.kind])
        value = this.node(COMPOUND_OPS[e.operatorToken.kind]!, [old, this.number(e.right)], e);
      else if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncrement(e.operator))
        value = this.node(e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", [old, c(1)], e);
      else this.fail(codes.operator, `'${this.text(e)}' is not supported`, e);
    }
    this.body.push({ kind: "store", array, index: v.view.index, value, pos: e.getStart(this.sf) });
  }

  /** An array of a view that may be written: one the function made, not a parameter's. */
  private writable(array: VarRef, at: ts.Node): VarRef {
    if (this.entryParams.has(array.name))
      this.fail(
        codes.outerWrite,
        `writing into '${this.text(at)}', an element of a parameter, which belongs to the caller, is not supported; copy the array first (xs.map((p) => ({ ...p })))`,
        at,
      );
    return array;
  }

  /** Every leaf of `v` stored into the element of `view` (at `path` below it). */
  private storeRecord(view: View, path: string[], v: RecordValue, at: ts.Node): void {
    for (const [name, f] of v.fields) {
      if (isRecord(f)) this.storeRecord(view, [...path, name], f, at);
      else {
        const target = view.arrays.get([...path, name].join("."))!;
        // The element's own value, read and handed back unchanged: nothing to store.
        const read = f.kind === "var" ? this.readFrom.get(f.name) : undefined;
        if (read && read.array === target.name && sameAtom(read.index, view.index)) continue;
        const array = this.writable(target, at);
        this.body.push({ kind: "store", array, index: view.index, value: f, pos: at.getStart(this.sf) });
      }
    }
  }

  /** A helper wrote its parameter, which is an element: the fields go back into the arrays. */
  protected copyOut(key: string, v: RecordValue, at: ts.Node): void {
    const view = this.viewOf(key);
    if (!view) return super.copyOut(key, v, at);
    this.storeRecord(view.view, view.path, v, at);
  }

  protected expressionStatement(e: ts.Expression): void {
    // `pts[i] = q`, `p = q` (p an element): the whole element.
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken && this.isElement(e.left)) {
      const left = strip(e.left);
      if (ts.isIdentifier(left))
        this.fail(
          codes.elementAlias,
          `'${left.text}' names an element of an array of records; adgen cannot make it name another: declare another variable, or copy the element where it is read ('{ ...${this.text(e.right)} }')`,
          e,
        );
      const base = this.recordKey(left)!;
      const value = this.anyValue(e.right, undefined, base.type);
      if (!isRecord(value))
        this.fail(codes.record, `'${this.text(e.right)}' is not a record (${shown(base.type)})`, e.right);
      const v = this.viewOf(base.key)!;
      return this.storeRecord(v.view, v.path, this.conform(value, base.type, e.right), left);
    }
    super.expressionStatement(e);
  }

  // ---- binding elements

  protected declaration(decl: ts.VariableDeclaration, keyword: "const" | "let"): void {
    if (decl.initializer && this.isElement(decl.initializer)) {
      const base = this.recordKey(decl.initializer)!;
      const v = this.viewOf(base.key)!;
      return this.bindElement(decl.name, base.type, v.view, v.path, keyword);
    }
    super.declaration(decl, keyword);
  }

  /** `name` (or a pattern) bound to the element `view` at `path`: records as views, numbers read. */
  protected bindElement(
    name: ts.BindingName,
    type: RecordType,
    view: View,
    path: string[],
    keyword: "const" | "let",
  ): void {
    const scope = this.scopes[this.scopes.length - 1]!;
    if (ts.isIdentifier(name)) {
      const arrays = new Map(
        [...view.arrays].flatMap(([k, a]) =>
          path.length === 0
            ? [[k, a] as const]
            : k.startsWith(`${path.join(".")}.`)
              ? [[k.slice(path.join(".").length + 1), a] as const]
              : [],
        ),
      );
      scope.set(name.text, { keyword, value: undefined, record: type, view: { arrays, index: view.index } });
      return;
    }
    name.elements.forEach((el, k) => {
      if (ts.isOmittedExpression(el)) return;
      if (el.dotDotDotToken) this.fail(codes.record, "a rest element '...' in destructuring is not supported", el);
      if (el.initializer)
        this.fail(codes.record, "a default in destructuring is not supported: every field holds a value", el);
      const prop = ts.isArrayBindingPattern(name) ? String(k) : (el.propertyName ?? el.name);
      const fieldName = typeof prop === "string" ? prop : ts.isIdentifier(prop) ? prop.text : undefined;
      const field = type.fields.find((f) => f.name === fieldName);
      if (ts.isArrayBindingPattern(name) && !type.tuple)
        this.fail(codes.tuple, `${shown(type)} is a record, not a tuple; destructure it with { ... }`, name);
      if (!field) this.fail(codes.record, `${shown(type)} has no field '${fieldName ?? this.text(el)}'`, el);
      if (field.type.kind === "record")
        return this.bindElement(el.name, field.type, view, [...path, field.name], keyword);
      if (!ts.isIdentifier(el.name)) this.fail(codes.record, `field '${field.name}' is not a record`, el.name);
      const array = view.arrays.get([...path, field.name].join("."))!;
      scope.set(el.name.text, { keyword, value: this.node("index", [array, view.index], el, el.name.text) });
    });
  }

  /** `for (const p of pts)`, `for (const { x, y } of samples)`, `for (const [x, y] of verts)`. */
  protected iterated(e: ts.Expression): {
    array: VarRef;
    element: (i: Atom, name: ts.BindingName, keyword: "const" | "let") => void;
  } {
    const base = this.recordKey(e);
    if (!base?.type.elements) return super.iterated(e);
    const arrays = this.columns(base);
    return {
      array: arrays.values().next().value!,
      element: (i, name, keyword) => this.bindElement(name, base.type.elements!, { arrays, index: i }, [], keyword),
    };
  }

  // ---- copies that would have to be references

  /** A helper returning an element (or a record holding one) would hand back a reference; adgen's copy cannot follow it. */
  protected returned(e: ts.Expression): Atom[] {
    const element = this.recordReturn ? this.elementExpression(e) : undefined;
    if (element)
      this.fail(
        codes.elementAlias,
        `'${this.fn.name}' returns '${this.text(element)}', an element of an array of records, which is a reference; adgen's copies of records cannot follow it: return a copy ('{ ...${this.text(element)} }')`,
        e,
      );
    return super.returned(e);
  }

  /** An element `e` is or holds (in an object or array literal; through a spread when the element nests records). */
  private elementExpression(e: ts.Expression): ts.Expression | undefined {
    const inner = strip(e);
    if (this.isElement(inner)) return inner;
    const parts = ts.isObjectLiteralExpression(inner)
      ? inner.properties.flatMap((p) =>
          ts.isPropertyAssignment(p)
            ? [p.initializer]
            : ts.isShorthandPropertyAssignment(p)
              ? [p.name]
              : ts.isSpreadAssignment(p) && this.dryKey(p.expression)?.type.fields.some((f) => f.type.kind === "record")
                ? [p.expression]
                : [],
        )
      : ts.isArrayLiteralExpression(inner)
        ? [...inner.elements]
        : [];
    for (const part of parts) {
      const found = this.elementExpression(part);
      if (found) return found;
    }
    return undefined;
  }

  protected bindRecord(key: string, v: RecordValue, keyword: Local["keyword"], declare: boolean, at: ts.Node): void {
    const element = this.elementIn(v);
    if (element !== undefined)
      this.fail(
        codes.elementAlias,
        `'${this.text(at)}' makes another name for an element of an array of records ('${element}'), which adgen's copies of records cannot follow; copy it ('{ ...${element} }')`,
        at,
      );
    super.bindRecord(key, v, keyword, declare, at);
  }

  /** A record in `v` (itself or nested) read from a view: the name of that view, as the user wrote it where possible. */
  protected elementIn(v: RecordValue): string | undefined {
    if (v.source !== undefined && this.viewOf(v.source)) {
      const [root, ...path] = v.source.split(".");
      return [this.written.get(root!) ?? root, ...path].join(".");
    }
    for (const f of v.fields.values()) {
      const found = isRecord(f) ? this.elementIn(f) : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  }

  // ---- implemented in record-methods.ts
  /** The callback of `xs.map(cb)` when it returns records, else undefined. */
  protected abstract recordCallback(e: ts.Expression): ts.ArrowFunction | ts.FunctionExpression | undefined;
}
