/**
 * Classes, on the record machinery: an instance is a record of the class's fields
 * (src/parser/lower/class-types.ts), `new C(...)` inlines the constructor with `this` bound to a
 * record whose fields start unassigned, and `p.m(...)` inlines the method like a helper taking
 * records, with `this` bound to `p`'s fields and copied back when the method writes them. A
 * method that returns `this` gives the object it was called on, so `p.scale(2).add(q)` writes
 * `p`. Objects a constructor or method stores into another (`this.pos = pos`) stay one object
 * for the caller: a later write through either name is refused (ADG3019), as for records.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Param } from "../../ir.js";
import type { FunctionNode } from "../module.js";
import { classOf, isParameterProperty, sameClass, type ClassInfo } from "./class-types.js";
import { assignedTarget, fieldRoot, isThis, LowerConstructors, returnsOf } from "./constructors.js";
import { classRecord, leaves, recordType, shown, type RecordType } from "./record-types.js";
import { isRecord, strip, unsourced, type RecordValue } from "./records.js";

export abstract class LowerClasses extends LowerConstructors {
  private temporaries = 0;
  /** Per method call being lowered: the method, whether it returns `this`, and the key its object is bound to. */
  private frames: { method: ts.MethodDeclaration; self: boolean; key?: string; temporary?: boolean }[] = [];

  // ---- what an expression is, from its syntax

  protected recordKey(e: ts.Expression): { key: string; type: RecordType } | undefined {
    if (isThis(e)) {
      const local = this.lookup("this");
      return local?.record ? { key: "this", type: local.record } : undefined;
    }
    return super.recordKey(e);
  }

  /** The record type an expression has, from its syntax alone: a record local, `new C(...)`, a call returning one. */
  protected staticRecord(e: ts.Expression): RecordType | undefined {
    const inner = strip(e);
    const named = this.recordKey(inner);
    if (named) return named.type;
    if (ts.isNewExpression(inner) && ts.isIdentifier(inner.expression) && !this.lookup(inner.expression.text)) {
      const name = inner.expression.text;
      const b = this.mod.bindings.get(name);
      if (b?.kind === "import")
        this.fail(
          codes.classImported,
          `'${name}' is imported from '${b.from}'; adgen differentiates classes declared in the module that uses them: declare '${name}' here`,
          inner.expression,
        );
      const t = classRecord(this.sf, name);
      if (!t && !b && !(name in globalThis))
        this.fail(
          codes.unknownName,
          `'${name}' is not a class declared in this module (adgen differentiates classes declared beside the function)`,
          inner.expression,
        );
      return t;
    }
    if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression)) {
      const object = this.staticRecord(inner.expression.expression);
      const info = classOf(object);
      const m = info?.methods.get(inner.expression.name.text);
      if (!info || !m) return undefined;
      const r = this.methodResult(info, m);
      return r === "this" ? object : r;
    }
    if (ts.isCallExpression(inner)) {
      const src = this.recordCallee(inner);
      return src ? recordType(src.fn.node.type, src.mod.sf) : undefined;
    }
    if (ts.isPropertyAccessExpression(inner)) {
      const field = this.staticRecord(inner.expression)?.fields.find((f) => f.name === inner.name.text);
      return field?.type.kind === "record" ? field.type : undefined;
    }
    return undefined;
  }

  /** What a method returns: `this` (every `return` returns it), a record type, or undefined for a number or nothing. */
  private methodResult(info: ClassInfo, m: ts.MethodDeclaration): "this" | RecordType | undefined {
    const returns = returnsOf(m).filter((r) => r.expression);
    const own = returns.filter((r) => isThis(r.expression!));
    const other = returns.find((r) => !isThis(r.expression!));
    if (own.length > 0 && other)
      this.fail(
        codes.thisEscapes,
        `method '${info.name}.${m.name.getText(info.sf)}' returns 'this' on one path and another value on another; adgen follows 'this' out of a method only when every return returns it`,
        other,
      );
    if (own.length > 0 || (m.type && ts.isThisTypeNode(m.type))) return "this";
    if (m.type) return recordType(m.type, info.sf);
    for (const r of returns) {
      const e = strip(r.expression!);
      if (ts.isObjectLiteralExpression(e))
        this.fail(
          codes.classForm,
          `method '${info.name}.${m.name.getText(info.sf)}' returns an object; declare its return type`,
          r,
        );
      if (ts.isNewExpression(e)) return this.staticRecord(e);
    }
    return undefined;
  }

  protected isRecordExpression(e: ts.Expression): boolean {
    const inner = strip(e);
    if (ts.isCallExpression(inner) && this.isMethodCall(inner)) return this.staticRecord(inner) !== undefined;
    return super.isRecordExpression(e) || this.staticRecord(e) !== undefined;
  }

  /** Whether `e` calls a method of a class instance (its object's type, from syntax, is a class). */
  private isMethodCall(e: ts.CallExpression): boolean {
    return (
      ts.isPropertyAccessExpression(e.expression) && classOf(this.staticRecord(e.expression.expression)) !== undefined
    );
  }

  private methodOf(e: ts.CallExpression): { info: ClassInfo; method: ts.MethodDeclaration } {
    const callee = e.expression as ts.PropertyAccessExpression;
    const info = classOf(this.staticRecord(callee.expression))!;
    const name = callee.name.text;
    const method = info.methods.get(name);
    if (!method) {
      const field = info.decl.members.some((m) => m.name?.getText(info.sf) === name);
      this.fail(
        field ? codes.notFunction : codes.record,
        field
          ? `'${this.text(callee)}' is a field of class '${info.name}', not a method`
          : `class '${info.name}' has no method '${name}'`,
        callee.name,
      );
    }
    if (info.sf !== this.sf)
      this.fail(
        codes.classImported,
        `'${this.text(callee)}(...)' calls a method of class '${info.name}', declared in another module; declare the class in the module that uses it`,
        callee,
      );
    return { info, method };
  }

  // ---- where records and numbers are read

  protected anyValue(e: ts.Expression, hint?: string, expected?: RecordType): Atom | RecordValue {
    const inner = strip(e);
    if (ts.isNewExpression(inner) && classOf(this.staticRecord(inner))) return this.construct(inner);
    if (ts.isCallExpression(inner) && this.isMethodCall(inner)) return this.methodCall(inner, false);
    return super.anyValue(e, hint, expected);
  }

  protected value(e: ts.Expression, hint?: string): Atom {
    const inner = strip(e);
    if (ts.isNewExpression(inner)) {
      const t = this.staticRecord(inner);
      if (t) this.fail(codes.notNumber, `'${this.text(inner)}' is a record (${shown(t)}), not a number`, inner);
    }
    return super.value(e, hint);
  }

  protected call(e: ts.CallExpression, hint?: string): Atom {
    if (!this.isMethodCall(e)) return super.call(e, hint);
    const r = this.methodCall(e, false);
    if (isRecord(r))
      this.fail(codes.notNumber, `'${this.text(e)}' returns a record (${shown(r.type)}), not a number`, e);
    return r;
  }

  protected methodGives(e: ts.CallExpression) {
    return this.isMethodCall(e) ? undefined : super.methodGives(e);
  }

  /** `p.add(q).x`, `new Vec2(a, b).x`: a field of a record no local holds. */
  protected property(e: ts.PropertyAccessExpression): Atom {
    if (this.recordKey(e.expression) || !this.staticRecord(e.expression)) return super.property(e);
    const v = this.anyValue(e.expression);
    const field = isRecord(v) ? v.fields.get(e.name.text) : undefined;
    if (field === undefined)
      this.fail(codes.record, `'${this.text(e.expression)}' has no field '${e.name.text}'`, e.name);
    if (isRecord(field))
      this.fail(codes.notNumber, `'${this.text(e)}' is a record (${shown(field.type)}), not a number`, e);
    return field;
  }

  protected expressionStatement(e: ts.Expression): void {
    const inner = strip(e);
    if (ts.isCallExpression(inner) && this.isMethodCall(inner)) {
      this.methodCall(inner, true);
      return;
    }
    super.expressionStatement(e);
  }

  protected returned(e: ts.Expression): Atom[] {
    const frame = this.frames[this.frames.length - 1];
    if (!frame?.self || this.fn.node !== frame.method || !isThis(e)) return super.returned(e);
    // `return this`: the object itself; with a declared record type, its leaves stand for the result.
    const declared = this.recordReturn?.type;
    const own = declared
      ? this.leafAtoms(this.readRecord("this", declared, e))
      : [{ kind: "const", value: 0 } as const];
    return [...own, ...this.writtenLeaves(e)];
  }

  // ---- methods

  /** `p.m(...)`: the method inlined with `this` bound to `p` (src/parser/lower/record-calls.ts does the inlining). */
  private methodCall(e: ts.CallExpression, asStatement: boolean): Atom | RecordValue {
    const { info, method } = this.methodOf(e);
    const self = this.methodResult(info, method) === "this";
    const frame: (typeof this.frames)[number] = { method, self };
    this.frames.push(frame);
    let r: Atom | RecordValue | undefined;
    try {
      r = super.inlineRecordCall(e, asStatement);
    } finally {
      this.frames.pop();
    }
    if (!self) return r!;
    // The object the method was called on, as the method left it.
    const type = this.lookup(frame.key!)!.record!;
    const object = this.readRecord(frame.key!, type, e);
    return frame.temporary ? unsourced(object) : object;
  }

  /** Every inlining of a method goes through `methodCall`, which binds its object. */
  protected inlineRecordCall(e: ts.CallExpression, asStatement: boolean): Atom | RecordValue | undefined {
    return this.isMethodCall(e) ? this.methodCall(e, asStatement) : super.inlineRecordCall(e, asStatement);
  }

  protected recordCallee(e: ts.CallExpression) {
    if (!this.isMethodCall(e)) return super.recordCallee(e);
    const { method } = this.methodOf(e);
    return { fn: { name: method.name.getText(this.sf), node: method, nameNode: method.name }, mod: this.mod };
  }

  /** The object of the method call being inlined: its key (a temporary for `new C(...).m()`), and whether the method writes it. */
  protected receiver(e: ts.CallExpression): { value: RecordValue; written: boolean } | undefined {
    const frame = this.frames[this.frames.length - 1];
    if (!frame || !this.isMethodCall(e) || frame.key !== undefined) return undefined;
    const { info, method } = this.methodOf(e);
    const object = (e.expression as ts.PropertyAccessExpression).expression;
    const named = this.recordKey(object);
    let key = named?.key;
    if (key === undefined) {
      const v = this.anyValue(object);
      if (!isRecord(v)) this.fail(codes.notFunction, `'${this.text(object)}' is not an object with methods`, object);
      key = v.source;
      if (key === undefined) {
        key = `#object${++this.temporaries}`;
        this.bindRecord(key, v, "let", true, object);
        frame.temporary = true;
      }
    }
    frame.key = key;
    const type = this.lookup(key)!.record!;
    return { value: this.readRecord(key, type, object), written: this.writesThis(info, method) };
  }

  /** Whether a method may write its object's fields: assigns them, passes them on, or calls a method that may. */
  private writesThis(info: ClassInfo, m: ts.MethodDeclaration, seen = new Set<ts.Node>()): boolean {
    if (seen.has(m)) return false;
    seen.add(m);
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      const target = assignedTarget(n);
      if (target && ts.isPropertyAccessExpression(target) && isThis(fieldRoot(target))) found = true;
      if (ts.isCallExpression(n)) {
        if (n.arguments.some((a) => isThis(fieldRoot(a)))) found = true;
        const callee = strip(n.expression);
        if (ts.isPropertyAccessExpression(callee) && isThis(fieldRoot(callee.expression))) {
          const own = isThis(callee.expression) ? info.methods.get(callee.name.text) : undefined;
          if (own) found ||= this.writesThis(info, own, seen);
          else found ||= this.methodNameWrites(callee.name.text);
        }
      }
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(m, visit);
    return found;
  }

  /** Whether a method of this name, in any class of the module, may write its object (when the class is not known). */
  private methodNameWrites(name: string): boolean {
    return this.sf.statements.some((st) => {
      if (!ts.isClassDeclaration(st) || !st.name) return false;
      const m = st.members.find(
        (x): x is ts.MethodDeclaration => ts.isMethodDeclaration(x) && x.name.getText(this.sf) === name,
      );
      if (!m) return false;
      try {
        const info = classOf(classRecord(this.sf, st.name.text));
        return info ? this.writesThis(info, m) : true;
      } catch {
        return true;
      }
    });
  }

  protected mutates(fn: ts.Node, name: string): boolean {
    if (super.mutates(fn, name)) return true;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(strip(n.expression))) {
        const callee = strip(n.expression) as ts.PropertyAccessExpression;
        const root = fieldRoot(callee.expression);
        if (ts.isIdentifier(root) && root.text === name && this.methodNameWrites(callee.name.text)) found = true;
      }
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(fn, visit);
    return found;
  }

  protected writtenRecords(nodes: readonly (ts.Node | undefined)[]): Set<string> {
    const roots = super.writtenRecords(nodes);
    const visit = (n: ts.Node): void => {
      const target = assignedTarget(n);
      if (target && ts.isPropertyAccessExpression(target) && isThis(fieldRoot(target)) && this.lookup("this")?.record)
        roots.add("this");
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(strip(n.expression))) {
        const callee = strip(n.expression) as ts.PropertyAccessExpression;
        const root = fieldRoot(callee.expression);
        const key = isThis(root) ? "this" : ts.isIdentifier(root) ? root.text : undefined;
        if (key !== undefined && this.lookup(key)?.record) {
          const info = classOf(this.staticRecord(callee.expression));
          const m = info?.methods.get(callee.name.text);
          if (!info || !m || this.writesThis(info, m)) roots.add(key);
        }
      }
      ts.forEachChild(n, visit);
    };
    for (const n of nodes) if (n) visit(n);
    return roots;
  }
}
