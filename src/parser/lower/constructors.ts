/**
 * Constructors: `new C(...)` inlines C's constructor with `this` bound to a record whose fields
 * start unassigned; the parameter properties, then the field initializers, then the body assign
 * them. An object the constructor keeps (`this.pos = pos`) stays the caller's object: a later
 * write through either name is refused (ADG3019). Also: a class-typed parameter of the
 * differentiated function, which the generated function takes as a plain record.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Param } from "../../ir.js";
import type { FunctionNode } from "../module.js";
import { classOf, isParameterProperty, sameClass } from "./class-types.js";
import { LowerRecordMethods } from "./record-methods.js";
import { leaves, recordType, shown, type RecordType } from "./record-types.js";
import { isRecord, kindOf, strip, unsourced, type RecordValue } from "./records.js";

export const isThis = (e: ts.Expression): boolean => strip(e).kind === ts.SyntaxKind.ThisKeyword;

/** The `return`s of a function with a value (not those of functions nested in it). */
export function returnsOf(fn: ts.Node): ts.ReturnStatement[] {
  const found: ts.ReturnStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n)) found.push(n);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn, visit);
  return found;
}

/** Whether an assignment or `++`/`--` targets `n`'s left side; that side, stripped. */
export function assignedTarget(n: ts.Node): ts.Expression | undefined {
  const target =
    ts.isBinaryExpression(n) &&
    n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
    n.operatorToken.kind <= ts.SyntaxKind.LastAssignment
      ? n.left
      : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
          (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)
        ? n.operand
        : undefined;
  return target && strip(target);
}

/** The root of a field path (`this` in `this.pos.x`, `p` in `p.x`); element accesses are not fields. */
export function fieldRoot(e: ts.Expression): ts.Expression {
  const inner = strip(e);
  return ts.isPropertyAccessExpression(inner) ? fieldRoot(inner.expression) : inner;
}

export abstract class LowerConstructors extends LowerRecordMethods {
  /** The record type an expression has, from its syntax alone (src/parser/lower/classes.ts). */
  protected abstract staticRecord(e: ts.Expression): RecordType | undefined;

  // ---- constructors

  /** `new C(...)`: a fresh record, its fields assigned by the parameter properties, the field initializers and the constructor's body. */
  protected construct(e: ts.NewExpression): RecordValue {
    const type = this.staticRecord(e)!;
    const info = classOf(type)!;
    if (info.sf !== this.sf)
      this.fail(codes.classImported, `class '${info.name}' is declared in another module; declare it here`, e);
    const ctor = info.ctor;
    const params = ctor?.parameters ?? ts.factory.createNodeArray<ts.ParameterDeclaration>();
    const given = e.arguments ?? [];
    if (given.length !== params.length)
      this.fail(
        codes.arity,
        `'new ${info.name}' takes ${params.length} argument${params.length === 1 ? "" : "s"}, got ${given.length}`,
        e,
      );
    const id = `${this.mod.file}#new ${info.name}`;
    if (this.inlining.includes(id))
      this.fail(
        codes.recursion,
        `'new ${info.name}' while constructing a '${info.name}'; recursion is not supported`,
        e,
      );
    const ret = ctor ? returnsOf(ctor)[0] : undefined;
    if (ret) this.fail(codes.classForm, `a constructor's 'return' is not supported (in class '${info.name}')`, ret);
    const args = given.map((a, i) => {
      const p = params[i]!;
      const t = recordType(p.type, this.sf);
      const v = this.anyValue(a, undefined, t);
      if (t && !isRecord(v))
        this.fail(codes.record, `argument ${i + 1} of 'new ${info.name}' must be a record (${shown(t)})`, a);
      if (!t && isRecord(v))
        this.fail(codes.record, `argument ${i + 1} of 'new ${info.name}' is a record, but the parameter is not`, a);
      if (isRecord(v) && ts.isIdentifier(p.name) && this.mutates(ctor!, p.name.text))
        this.fail(
          codes.classForm,
          `the constructor of '${info.name}' writes its parameter '${p.name.text}', an object of the caller's; write a copy`,
          p,
        );
      return isRecord(v) ? this.conform(v, t!, a) : v;
    });

    const saved = {
      fn: this.fn,
      scopes: this.scopes,
      loops: this.loops.splice(0),
      shared: this.shared,
      ret: this.recordReturn,
    };
    this.inlining.push(id);
    this.fn = { name: info.name, node: (ctor ?? info.decl) as unknown as FunctionNode, nameNode: info.decl.name! };
    this.scopes = [new Map()];
    this.shared = new Map();
    this.recordReturn = { type: undefined, written: [] };
    const callerKeys = new Map<string, string>();
    let result: RecordValue;
    let aliases: [string, string][] = [];
    try {
      // `this`, its fields unassigned; readonly ones too may be assigned here.
      const own = sameClass({ ...type, fields: type.fields.map((f) => ({ name: f.name, type: f.type })) }, type);
      this.unassigned("this", own);
      this.scopes.push(new Map());
      params.forEach((p, i) => {
        if (!ts.isIdentifier(p.name))
          this.fail(codes.parameter, `destructured parameter '${this.text(p.name)}' is not supported`, p.name);
        const a = args[i]!;
        if (isRecord(a)) this.bindRecord(p.name.text, unsourced(a), "param", true, p);
        else this.scopes[1]!.set(p.name.text, { keyword: "param", value: a });
        if (isRecord(a) && a.source !== undefined) callerKeys.set(p.name.text, a.source);
      });
      // Parameter properties, then the field initializers (which see `this`, not the parameters).
      params.forEach((p, i) => {
        const name = (p.name as ts.Identifier).text;
        const a = args[i]!;
        if (isParameterProperty(p)) this.assignField(name, isRecord(a) ? this.readRecord(name, a.type, p) : a, p);
      });
      const scopes = this.scopes;
      this.scopes = [scopes[0]!];
      try {
        for (const field of info.initialized)
          this.assignField(field.name.getText(this.sf), this.initial(field, own), field);
      } finally {
        this.scopes = scopes;
      }
      if (ctor?.body) this.statements(ctor.body.statements, 0, () => undefined);
      for (const leaf of leaves(own)) {
        const key = ["this", ...leaf.path].join(".");
        if (!this.lookup(key)!.value)
          this.fail(
            codes.unassigned,
            `field '${leaf.path.join(".")}' of class '${info.name}' is not assigned by its constructor`,
            e,
          );
      }
      result = unsourced(this.readRecord("this", type, e));
      // Fields that are the caller's objects (`this.pos = pos`) stay those objects.
      for (const [a, others] of this.shared)
        for (const b of others) {
          const outer = callerKeys.get(b.split(".")[0]!);
          if (!a.startsWith("this.") || outer === undefined) continue;
          const field = a
            .split(".")
            .slice(1)
            .reduce<RecordValue | undefined>((r, f) => {
              const next = r?.fields.get(f);
              return isRecord(next) ? next : undefined;
            }, result);
          if (field) field.source = [outer, ...b.split(".").slice(1)].join(".");
        }
      aliases = [...this.shared].flatMap(([a, others]) =>
        [...others].flatMap((b): [string, string][] => {
          const [oa, ob] = [callerKeys.get(a.split(".")[0]!), callerKeys.get(b.split(".")[0]!)];
          return a < b && oa !== undefined && ob !== undefined
            ? [[[oa, ...a.split(".").slice(1)].join("."), [ob, ...b.split(".").slice(1)].join(".")]]
            : [];
        }),
      );
    } finally {
      this.inlining.pop();
      this.fn = saved.fn;
      this.scopes = saved.scopes;
      this.loops.push(...saved.loops);
      this.shared = saved.shared;
      this.recordReturn = saved.ret;
    }
    for (const [a, b] of aliases) this.share(a, b);
    return result;
  }

  /** Declares record `key` of type `t` with every field unassigned. */
  private unassigned(key: string, t: RecordType): void {
    const scope = this.scopes[this.scopes.length - 1]!;
    scope.set(key, { keyword: "param", value: undefined, record: t });
    for (const f of t.fields) {
      const k = `${key}.${f.name}`;
      if (f.type.kind === "record") {
        this.unassigned(k, f.type);
        scope.get(k)!.keyword = "let";
      } else scope.set(k, { keyword: "let", value: undefined });
    }
  }

  /** A field initializer's value (`vx = 0`, `pos = new Vec2(0, 0)`), evaluated with only `this` in scope. */
  private initial(field: ts.PropertyDeclaration, own: RecordType): Atom | RecordValue {
    const t = own.fields.find((f) => f.name === field.name.getText(this.sf))!.type;
    return this.anyValue(
      field.initializer!,
      `this_${field.name.getText(this.sf)}`,
      t.kind === "record" ? t : undefined,
    );
  }

  /** `this.name = v` in a constructor. */
  private assignField(name: string, v: Atom | RecordValue, at: ts.Node): void {
    const key = `this.${name}`;
    const t = this.lookup("this")!.record!.fields.find((f) => f.name === name)!.type;
    if (t.kind === "record") {
      if (!isRecord(v)) this.fail(codes.record, `field '${name}' must be a record (${shown(t)})`, at);
      this.bindRecord(key, this.conform(v, t, at), "let", false, at);
      return;
    }
    if (isRecord(v) || kindOf(this.atomType(v)) !== kindOf(t))
      this.fail(codes.record, `field '${name}' must be ${kindOf(t)}`, at);
    this.lookup(key)!.value = v;
  }

  // ---- a class as a parameter of the differentiated function

  protected recordParam(p: ts.ParameterDeclaration): Param[] | undefined {
    const params = super.recordParam(p);
    if (params) this.visible(recordType(p.type, this.sf)!, p);
    return params;
  }

  /** A class parameter's fields must all be public: the generated function takes a plain record. */
  private visible(t: RecordType, p: ts.ParameterDeclaration): void {
    const info = classOf(t);
    if (info && info.hidden.length > 0)
      this.fail(
        codes.classForm,
        `'${p.name.getText(this.sf)}' is an instance of '${info.name}', whose field '${info.hidden[0]}' is private or protected; the generated function takes it as a plain record of its fields, so make the field public`,
        p,
      );
    for (const f of t.fields) if (f.type.kind === "record") this.visible(f.type, p);
  }
}
