/**
 * Records (interfaces, type aliases, type literals of numbers, arrays and records), scalarized:
 * a record local `p` is one local per field in the scope (`p.x`, `p.pos.y`), so branches merge
 * and loops carry fields like any variable. A record parameter of the differentiated function is
 * one graph parameter per leaf (`p_x`, with its `path`); helpers taking or returning records are
 * inlined, their parameters' fields copied in, and copied back out when the helper writes them
 * (an object is passed by reference). Two names for one object that is then written through
 * either is a diagnostic: copies cannot stand for that.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Statement } from "../../ir.js";
import type { FunctionSource, ModuleScope } from "../module.js";
import { nestedOf, rowsOf } from "../../ir-types.js";
import { NESTED_ARRAY_TYPES, skipParens, strip } from "../syntax.js";
import { leaves, shown, type RecordType } from "./record-types.js";
import { LowerStacks } from "./stacks.js";
import { type Local } from "./state.js";

/** Re-exported for the record lowerings, which strip an expression before asking what it is. */
export { strip };

/** A record value while lowering: an atom or a record per field. `source` is the local it was read from. */
export interface RecordValue {
  kind: "record";
  type: RecordType;
  fields: Map<string, Atom | RecordValue>;
  source?: string;
}

/**
 * A helper with records being inlined: the record type it returns (from its annotation or its
 * first return), and its record parameters it writes, whose fields every `return` hands back too
 * (after the returned value's leaves), so that early returns merge them for the copy-out.
 */
export interface RecordCallContext {
  type: RecordType | undefined;
  written: { name: string; type: RecordType }[];
}

export const isRecord = (v: Atom | RecordValue | undefined): v is RecordValue => v?.kind === "record";
/** A copy of `v` read from no local: a helper's parameter, which copy-out keeps in step with the caller's object. */
export const unsourced = (v: RecordValue): RecordValue => ({
  kind: "record",
  type: v.type,
  fields: new Map([...v.fields].map(([k, f]) => [k, isRecord(f) ? unsourced(f) : f])),
});

/** What a field of type `t` holds, as a message says it; two types with one description have one kind. */
export const kindOf = (t: RecordType["fields"][number]["type"]): string =>
  t.kind === "record" ? "a record" : rowsOf(t) ? "an array of arrays" : t.kind === "array" ? "an array" : "a number";

export abstract class LowerRecords extends LowerStacks {
  /** Pairs of record locals that are one object (`const q = p`): writing either is refused. */
  protected shared = new Map<string, Set<string>>();
  /** While inlining a helper: the record type it returns (known from its annotation or first return). */
  protected recordReturn: RecordCallContext | undefined;

  // ---- reading records

  /** The record local an expression names (`p`, `s.pos`), if it names one. */
  protected recordKey(e: ts.Expression): { key: string; type: RecordType } | undefined {
    const inner = strip(e);
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      return local?.record ? { key: inner.text, type: local.record } : undefined;
    }
    if (ts.isPropertyAccessExpression(inner)) {
      const base = this.recordKey(inner.expression);
      const field = base?.type.fields.find((f) => f.name === inner.name.text);
      if (base && field?.type.kind === "record") return { key: `${base.key}.${field.name}`, type: field.type };
    }
    return undefined;
  }

  protected readRecord(key: string, type: RecordType, at: ts.Node): RecordValue {
    const fields = new Map<string, Atom | RecordValue>();
    for (const f of type.fields) {
      const k = `${key}.${f.name}`;
      // An optional array of records (`pts?: P[]`) left out: its leaves were never given.
      if (f.type.kind === "record" && f.optional && f.type.elements) {
        if (this.lookup(`${k}.${leaves(f.type)[0]!.path.join(".")}`)?.value === undefined) continue;
        fields.set(f.name, this.readRecord(k, f.type, at));
      } else if (
        f.type.kind === "record" &&
        f.optional &&
        f.type.fields.some((g) => !g.optional) &&
        leaves(f.type).some((l) => this.lookup(`${k}.${l.path.join(".")}`)?.value === undefined)
      )
        // An optional record with fields that are not optional (`tp?: [number, number]`) left out.
        continue;
      else if (f.type.kind === "record") fields.set(f.name, this.readRecord(k, f.type, at));
      else if (f.optional && this.lookup(k)?.value === undefined) continue;
      else {
        const value = this.lookup(k)?.value;
        if (!value) this.fail(codes.unassigned, `'${k}' is read before it is assigned a value on every path`, at);
        fields.set(f.name, value);
      }
    }
    return { kind: "record", type, fields, source: key };
  }

  /** Whether an expression makes or names a record (without lowering it). */
  protected isRecordExpression(e: ts.Expression): boolean {
    const inner = strip(e);
    if (ts.isObjectLiteralExpression(inner) || this.recordKey(inner)) return true;
    if (ts.isConditionalExpression(inner))
      return this.isRecordExpression(inner.whenTrue) || this.isRecordExpression(inner.whenFalse);
    return ts.isCallExpression(inner) && this.recordCallee(inner) !== undefined;
  }

  /** A number, an array or a record. `expected` is the record type the context declares. */
  protected anyValue(e: ts.Expression, hint?: string, expected?: RecordType): Atom | RecordValue {
    const inner = strip(e);
    if (ts.isObjectLiteralExpression(inner)) return this.objectLiteral(inner, expected, hint);
    const named = this.recordKey(inner);
    if (named) return this.readRecord(named.key, named.type, inner);
    if (ts.isConditionalExpression(inner) && this.isRecordExpression(inner))
      this.fail(
        codes.record,
        `'${this.text(inner)}' chooses between records; assign the record in an if / else instead`,
        inner,
      );
    if (ts.isCallExpression(inner)) {
      const r = this.inlineRecordCall(inner, false);
      if (r) return r;
    }
    if (ts.isPropertyAccessExpression(inner) && this.rootedAtCall(inner)) return this.callField(inner)!;
    return this.value(e, hint);
  }

  /** `{ x: ..., ...p }`; its fields' values are named `hint_x` (`hint`: the variable or function it is for). */
  protected objectLiteral(e: ts.ObjectLiteralExpression, expected?: RecordType, hint?: string): RecordValue {
    const fields = new Map<string, Atom | RecordValue>();
    const fieldType = (name: string) => {
      const t = expected?.fields.find((f) => f.name === name)?.type;
      return t?.kind === "record" ? t : undefined;
    };
    for (const p of e.properties) {
      if (ts.isSpreadAssignment(p)) {
        const v = this.anyValue(p.expression);
        if (!isRecord(v))
          this.fail(codes.record, `'...${this.text(p.expression)}' spreads a value that is not a record`, p);
        for (const [k, f] of v.fields) fields.set(k, f);
      } else if (ts.isShorthandPropertyAssignment(p)) {
        fields.set(p.name.text, this.fieldValue(p.name, p.name.text, fieldType(p.name.text), hint));
      } else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
        fields.set(p.name.text, this.fieldValue(p.initializer, p.name.text, fieldType(p.name.text), hint));
      } else this.fail(codes.record, `'${this.text(p)}' in an object literal is not supported: write 'name: value'`, p);
    }
    const type: RecordType = expected ?? {
      kind: "record",
      fields: [...fields].map(([name, v]) => ({ name, type: isRecord(v) ? v.type : this.atomType(v) })),
    };
    return this.conform({ kind: "record", type, fields }, type, e);
  }

  protected fieldValue(e: ts.Expression, name: string, expected?: RecordType, prefix?: string): Atom | RecordValue {
    // A tuple's element of no named value (`(p): [number, number] => [...]`) is a temporary, not `0`.
    const hint = prefix !== undefined ? `${prefix}_${name}` : /^\d+$/.test(name) ? undefined : name;
    const v = this.anyValue(e, hint, expected);
    if (!isRecord(v) && this.isBoolean(v))
      this.fail(codes.notNumber, `field '${name}' is a boolean; records hold numbers, arrays and records`, e);
    return v;
  }

  protected atomType(a: Atom): RecordType["fields"][number]["type"] {
    const rows = a.kind === "var" ? this.nested.get(a.name) : undefined;
    if (rows) return nestedOf(rows);
    const storage = a.kind === "var" ? this.arrays.get(a.name) : undefined;
    return storage ? { kind: "array", element: { kind: "number" }, storage } : { kind: "number" };
  }

  /** What a helper's parameter declared `t` takes: a number, an array, or an array of arrays. */
  protected atomTypeOfNode(t: ts.TypeNode, sf: ts.SourceFile): "array" | "nested" | "number" {
    const text = t.getText(sf).replace(/\s+/g, " ");
    if (NESTED_ARRAY_TYPES[text]) return "nested";
    return /^(Float64Array|number\[\]|Array<number>|readonly number\[\]|ReadonlyArray<number>)$/.test(text)
      ? "array"
      : "number";
  }

  /** Refuses `v` as `what` (`argument 2 of 'g'`) for a parameter declared `t` that takes another kind. */
  protected argumentKind(v: Atom, t: ts.TypeNode | undefined, sf: ts.SourceFile, at: ts.Node, what: string): void {
    const kind = t === undefined ? "number" : this.atomTypeOfNode(t, sf);
    if (this.isArray(v) !== (kind !== "number"))
      this.fail(
        this.isArray(v) ? codes.notNumber : codes.notArray,
        `${what} must be ${this.isArray(v) ? "a number" : "an array"}`,
        at,
      );
    if ((kind === "nested") !== (v.kind === "var" && this.nested.has(v.name)))
      this.fail(
        kind === "nested" ? codes.notArray : codes.nestedArray,
        `${what} must be ${kind === "nested" ? "an array of arrays" : "a flat array; pass a row ('A[i]')"}`,
        at,
      );
  }

  /** `v` as a value of type `t`: every field present and of its kind (extra fields dropped, as TypeScript's structural types do). */
  protected conform(v: RecordValue, t: RecordType, at: ts.Node): RecordValue {
    const fields = new Map<string, Atom | RecordValue>();
    for (const f of t.fields) {
      const fv = v.fields.get(f.name);
      if (fv === undefined && f.optional) continue;
      if (fv === undefined) this.fail(codes.record, `'${this.text(at)}' has no field '${f.name}' of ${shown(t)}`, at);
      if (f.type.kind === "record") {
        if (!isRecord(fv))
          this.fail(codes.record, `field '${f.name}' of '${this.text(at)}' must be a record (${shown(f.type)})`, at);
        fields.set(f.name, this.conform(fv, f.type, at));
      } else {
        if (isRecord(fv) || kindOf(this.atomType(fv)) !== kindOf(f.type))
          this.fail(codes.record, `field '${f.name}' of '${this.text(at)}' must be ${kindOf(f.type)}`, at);
        fields.set(f.name, fv);
      }
    }
    return { kind: "record", type: t, fields, ...(v.source !== undefined ? { source: v.source } : {}) };
  }

  // ---- binding records to locals

  /** Declares (or, with `declare` false, assigns) the record local `key`. */
  protected bindRecord(key: string, v: RecordValue, keyword: Local["keyword"], declare: boolean, at: ts.Node): void {
    const scope = this.scopes[this.scopes.length - 1]!;
    this.unshare(key);
    if (v.source !== undefined && v.source !== key) this.share(key, v.source);
    if (declare) scope.set(key, { keyword, value: undefined, record: v.type });
    for (const f of v.type.fields) {
      const k = `${key}.${f.name}`;
      const fv = v.fields.get(f.name)!;
      if (f.optional && f.type.kind !== "record") {
        // An optional field is present or absent as the record is made, and stays so: an absent
        // one is a local without a value (a read takes the default, and does not reach a record
        // of the same name around it), and a record given to the local keeps each field's presence.
        if (!declare && (this.lookup(k)?.value !== undefined) !== (fv !== undefined))
          this.fail(
            codes.optionalField,
            fv === undefined
              ? `'${this.text(at)}' leaves out the optional field '${k}', which '${key}' has; adgen follows an optional field present or absent from where the record is made: give it its value (or its default)`
              : `'${this.text(at)}' gives '${key}' the optional field '${k}', which it does not have; adgen follows an optional field present or absent from where the record is made: give it one there (or its default)`,
            at,
          );
        if (declare) scope.set(k, { keyword: "let", value: fv as Atom | undefined });
        else if (fv !== undefined) this.lookup(k)!.value = fv as Atom;
        continue;
      }
      if (fv === undefined && f.optional) {
        // An absent optional record: its fields are absent (or unassigned) too.
        this.bindRecord(k, { kind: "record", type: f.type as RecordType, fields: new Map() }, "let", declare, at);
        continue;
      }
      if (isRecord(fv)) {
        this.bindRecord(k, fv, "let", declare, at);
        continue;
      }
      if (declare) scope.set(k, { keyword: f.readonly ? "const" : "let", value: fv });
      else {
        const local = this.lookup(k);
        if (!local) this.fail(codes.record, `'${k}' is not a field adgen follows here`, at);
        local.value = fv;
      }
    }
  }

  protected share(a: string, b: string): void {
    this.shared.set(a, (this.shared.get(a) ?? new Set()).add(b));
    this.shared.set(b, (this.shared.get(b) ?? new Set()).add(a));
  }

  protected unshare(key: string): void {
    for (const k of [...this.shared.keys()])
      if (k === key || k.startsWith(`${key}.`)) {
        for (const other of this.shared.get(k)!) this.shared.get(other)?.delete(k);
        this.shared.delete(k);
      }
  }

  /** A record's leaves, in the order of its type's `leaves`. */
  protected leafAtoms(r: RecordValue): Atom[] {
    return leaves(r.type).map(
      (l) => l.path.reduce<Atom | RecordValue>((x, f) => (x as RecordValue).fields.get(f)!, r) as Atom,
    );
  }

  /**
   * An arm (of a branch, or a loop's body) may make two names one object or undo that, and the
   * other path does not: after it, the pairs from before it hold again, and those it made too.
   */
  protected arm(f: () => void): Statement[] {
    const before = [...this.shared].flatMap(([a, others]) => [...others].map((b) => [a, b] as const));
    try {
      return super.arm(f);
    } finally {
      for (const [a, b] of before) this.share(a, b);
    }
  }

  /**
   * A loop whose body makes two names outside it one object, after writing either: the write of
   * the next iteration goes to that object, which the copies of the iteration before cannot follow.
   */
  protected loop(st: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement): void {
    const before = new Map([...this.shared].map(([k, v]) => [k, new Set(v)]));
    super.loop(st);
    const written = this.writtenRecords([st]);
    const root = (k: string) => k.split(".")[0]!;
    for (const [a, others] of this.shared)
      for (const b of others)
        if (
          !before.get(a)?.has(b) &&
          this.lookup(root(a)) &&
          this.lookup(root(b)) &&
          (written.has(root(a)) || written.has(root(b)))
        )
          this.fail(
            codes.sharedRecord,
            `'${a}' and '${b}' become the same object in this loop, which writes them; adgen's copies of records cannot follow that into the next iteration: make a copy ('{ ...${b} }')`,
            st.getChildAt(0, this.sf),
          );
  }

  protected isShared(key: string): boolean {
    return (this.shared.get(key)?.size ?? 0) > 0;
  }

  /** Before writing field `key`: no record it lies in may be another name's object too. */
  protected checkWrite(key: string, at: ts.Node): void {
    const parts = key.split(".");
    for (let i = 1; i < parts.length; i++) {
      const owner = parts.slice(0, i).join(".");
      const others = [...(this.shared.get(owner) ?? [])];
      if (others.length > 0)
        this.fail(
          codes.sharedRecord,
          `'${key}' is written, but '${owner}' and '${others[0]}' are the same object, which adgen's copies of records cannot follow; make one a copy where it is made ('{ ...${others[0]} }')`,
          at,
        );
    }
  }

  // ---- implemented in record-calls.ts
  /** The source of a helper that takes or returns records, for a call to it. */
  protected abstract recordCallee(e: ts.CallExpression): { fn: FunctionSource; mod: ModuleScope } | undefined;
  /** A call to a helper that takes or returns records, inlined; undefined for any other call. */
  protected abstract inlineRecordCall(e: ts.CallExpression, asStatement: boolean): Atom | RecordValue | undefined;
  /** Whether `e` is a field (`.grad`, `.grad.x`) of what a call to a helper returning a record returns. */
  protected abstract rootedAtCall(e: ts.Expression): boolean;
  /** `f_grad(x)`, `f_grad(x).grad`, `f_grad(x).grad.x`: the call inlined, the field chosen; undefined for other expressions. */
  protected abstract callField(e: ts.Expression): Atom | RecordValue | undefined;
  /** Whether `fn` may write the fields of its record `name`: assigns them, or passes it to a call. */
  protected abstract mutates(fn: ts.Node, name: string): boolean;
}
