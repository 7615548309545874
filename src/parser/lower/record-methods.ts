/**
 * Making and walking arrays of records: `[{ x: 1, y: 2 }, ...]` and `[[0, 0], [1, 0]]` (where an
 * array of tuples is declared), `xs.map((x, i) => ({ ... }))` (one array per leaf, filled in one
 * loop), and `map`, `reduce`, `forEach`, `some`, `every` over an array of records, whose callback's
 * element is a view of `pts[i]` (a name, or a pattern: `({ x, y }) => ...`, `([x, y]) => ...`).
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Statement, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { assignedOuterNames, containsReturn, isArrayFrom, skipParens } from "../syntax.js";
import { LowerElementCalls } from "./element-calls.js";
import { asserted, leaves, recordType, shown, type RecordType } from "./record-types.js";
import { isRecord, strip, type RecordValue } from "./records.js";
import { bool } from "./state.js";
import { recordArray } from "./tuple-types.js";

type Callback = ts.ArrowFunction | ts.FunctionExpression;
type Kind = "number" | "condition" | "none" | "record";

const GIVES = { map: "array", reduce: "number", forEach: "statement", some: "condition", every: "condition" } as const;

export abstract class LowerRecordMethods extends LowerElementCalls {
  /**
   * The callback of `xs.map(cb)`, `Array.from(xs, cb)` or `Array.from({ length: n }, cb)` when it
   * returns records (an object literal, `new C(...)`, or a declared record type).
   */
  protected recordCallback(e: ts.Expression): Callback | undefined {
    if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return undefined;
    const from = isArrayFrom(e);
    if (e.expression.name.text !== "map" && !from) return undefined;
    const cb = e.arguments.length === (from ? 2 : 1) ? skipParens(e.arguments[from ? 1 : 0]!) : undefined;
    if (!cb || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) return undefined;
    if (cb.type) return recordType(cb.type, this.sf) ? cb : undefined;
    const body = ts.isBlock(cb.body) ? cb.body.statements.find(ts.isReturnStatement)?.expression : cb.body;
    if (!body) return undefined;
    const made = strip(body);
    // `new C(...)` reads nothing of the callback's scope to say it is a record; `[0, 0] as [number, number]` its type.
    const says = ts.isObjectLiteralExpression(made) || asserted(body, this.sf) !== undefined;
    return says || (ts.isNewExpression(made) && this.isRecordExpression(made)) ? cb : undefined;
  }

  protected anyValue(e: ts.Expression, hint?: string, expected?: RecordType): Atom | RecordValue {
    const inner = strip(e);
    const cb = this.recordCallback(inner);
    if (cb) return this.mapRecords(inner as ts.CallExpression, cb, expected?.elements, hint);
    if (ts.isArrayLiteralExpression(inner) && (expected?.elements || (!expected && this.isRecordExpression(inner))))
      return this.recordsLiteral(inner, expected?.elements, hint);
    return super.anyValue(e, hint, expected);
  }

  /** `[a, b, ...]` of records (or tuples): one `arrayOf` per leaf. */
  private recordsLiteral(e: ts.ArrayLiteralExpression, element: RecordType | undefined, hint?: string): RecordValue {
    const values = e.elements.map((el) => {
      if (ts.isSpreadElement(el) || ts.isOmittedExpression(el))
        this.fail(codes.tuple, `'${this.text(el)}' in an array of records is not supported: write each element`, el);
      const v = this.anyValue(el, undefined, element);
      if (!isRecord(v)) this.fail(codes.record, `'${this.text(el)}' is not a record, as the array's elements are`, el);
      element ??= v.type;
      this.ownElement(v, el);
      return this.conform(v, element, el);
    });
    if (!element)
      this.fail(codes.tuple, "an empty array of records needs a declared type ('const xs: Vec2[] = []')", e);
    const type = recordArray(element, e, this.sf)!;
    const columns = new Map(
      leaves(type).map((l) => {
        const atoms = values.map(
          (v) => this.leafAtoms(v)[leaves(element!).findIndex((m) => m.path.join(".") === l.path.join("."))]!,
        );
        const a = this.node(
          "arrayOf",
          atoms,
          e,
          hint === undefined ? undefined : [hint, ...l.path].join("_"),
        ) as VarRef;
        this.arrays.set(a.name, "number[]");
        return [l.path.join("."), a] as const;
      }),
    );
    return this.columnsValue(type, columns);
  }

  /** An element of a new array of records must be a new object: JavaScript would share one it names (`pts.map((p) => p)`, `{ ...b }` sharing `b.pos`). */
  private ownElement(v: RecordValue, at: ts.Node): void {
    const element = this.elementIn(v) ?? (v.source !== undefined ? v.source : undefined) ?? this.sourced(v);
    if (element !== undefined)
      this.fail(
        codes.elementAlias,
        `'${this.text(at)}' puts '${element}', an object that already exists, into a new array of records; adgen's copies cannot follow it: copy it ('{ ...${element} }', nested records too)`,
        at,
      );
  }

  /** A record nested in `v` that names an existing object. */
  private sourced(v: RecordValue): string | undefined {
    for (const f of v.fields.values())
      if (isRecord(f)) {
        const found = f.source ?? this.sourced(f);
        if (found !== undefined) return found;
      }
    return undefined;
  }

  /** A record of arrays of type `type` from its arrays by leaf path. */
  private columnsValue(type: RecordType, columns: Map<string, VarRef>, path: string[] = []): RecordValue {
    return {
      kind: "record",
      type,
      fields: new Map(
        type.fields.map((f) => [
          f.name,
          f.type.kind === "record"
            ? this.columnsValue(f.type, columns, [...path, f.name])
            : columns.get([...path, f.name].join("."))!,
        ]),
      ),
    };
  }

  /** What `xs` in `xs.map(...)` iterates: its length's array and how element `i` binds (a record array's: a view). */
  private source(e: ts.Expression): { array: VarRef; bind: (i: Atom, name: ts.BindingName) => void; records: boolean } {
    const base = this.recordKey(e);
    if (base?.type.elements) {
      const arrays = this.columns(base);
      return {
        array: arrays.values().next().value!,
        bind: (i, name) => this.bindElement(name, base.type.elements!, { arrays, index: i }, [], "const"),
        records: true,
      };
    }
    const array = this.arrayAtom(e);
    return {
      array,
      bind: (i, name) => {
        if (!ts.isIdentifier(name))
          this.fail(codes.statement, `'${this.text(name)}': numbers do not destructure`, name);
        this.scopes[this.scopes.length - 1]!.set(name.text, {
          keyword: "const",
          value: this.node("index", [array, i], name, name.text),
        });
      },
      records: false,
    };
  }

  /**
   * What `Array.from(source, cb)` iterates: `{ length: n }` (its elements, `undefined` in
   * JavaScript, are a name the callback may not read) or an array.
   */
  private fromSource(source: ts.Expression): { n: Atom; bind: (i: Atom, name: ts.BindingName) => void } {
    const length = this.fromLength(source);
    if (length === undefined) {
      const src = this.source(source);
      return { n: this.node("length", [src.array], source), bind: src.bind };
    }
    return {
      n: length,
      bind: (_, name) => {
        if (!ts.isIdentifier(name))
          this.fail(codes.statement, `'${this.text(name)}': the elements of '{ length: n }' are undefined`, name);
        this.scopes[this.scopes.length - 1]!.set(name.text, { keyword: "const", value: undefined });
      },
    };
  }

  /**
   * `xs.map((x, i) => ({ ... }))`, `Array.from({ length: n }, (_, i) => ({ ... }))`: one array per
   * leaf of the records it returns, filled in one loop.
   */
  private mapRecords(e: ts.CallExpression, cb: Callback, expected: RecordType | undefined, hint?: string): RecordValue {
    const member = isArrayFrom(e) ? "Array.from" : "map";
    const src =
      member === "map"
        ? this.source((e.expression as ts.PropertyAccessExpression).expression)
        : this.fromSource(e.arguments[0]!);
    this.checkCallback(cb, member, 2);
    const n = "n" in src ? src.n : this.node("length", [src.array], e);
    const asserts = ts.isBlock(cb.body) ? undefined : asserted(cb.body, this.sf);
    let type = cb.type ? recordType(cb.type, this.sf) : (asserts ?? expected);
    let columns: Map<string, VarRef> | undefined;
    const allocations: Statement[] = [];
    const at = this.body.length;
    this.counted(
      e,
      c(0),
      n,
      [],
      (i) => {
        const v = this.invokeElement(cb, (name) => src.bind(i, name), i, "record", type) as RecordValue;
        type ??= v.type;
        const value = this.conform(v, type, cb);
        this.ownElement(value, cb);
        if (!columns) {
          const made = recordArray(type, e, this.sf)!;
          allocations.push(
            ...this.arm(() => {
              columns = new Map(
                leaves(made).map((l) => [
                  l.path.join("."),
                  this.make("number[]", n, e, hint === undefined ? undefined : [hint, ...l.path].join("_")),
                ]),
              );
            }),
          );
        }
        leaves(type).forEach((l, k) => this.store(columns!.get(l.path.join("."))!, i, this.leafAtoms(value)[k]!, e));
      },
      this.indexName(cb, 1),
    );
    this.body.splice(at, 0, ...allocations);
    return this.columnsValue(recordArray(type!, e, this.sf)!, columns!);
  }

  /**
   * Lowers a callback's body with its element bound by `bind` (and its index to `i`): its value as
   * `kind` needs it. Its block body may end in one `return`.
   */
  protected invokeElement(
    cb: Callback,
    bind: (name: ts.BindingName) => void,
    i: Atom,
    kind: Kind,
    expected?: RecordType,
    [element, index]: readonly (ts.ParameterDeclaration | undefined)[] = cb.parameters,
  ): Atom | RecordValue {
    const saved = this.loops.splice(0);
    this.scopes.push(new Map());
    try {
      if (element) bind(element.name);
      if (index)
        this.scopes[this.scopes.length - 1]!.set((index.name as ts.Identifier).text, { keyword: "const", value: i });
      const result = (expr: ts.Expression) =>
        kind === "condition"
          ? this.condition(expr)
          : kind === "record"
            ? this.anyValue(expr, undefined, expected)
            : this.number(expr);
      if (!ts.isBlock(cb.body)) {
        if (kind !== "none") return result(cb.body);
        this.expressionStatement(skipParens(cb.body));
        return c(0);
      }
      const statements = cb.body.statements;
      const last = statements[statements.length - 1];
      const earlier = statements.slice(0, -1);
      if (kind === "none" || !last || !ts.isReturnStatement(last) || !last.expression || earlier.some(containsReturn)) {
        if (kind === "none" && !statements.some(containsReturn)) {
          this.statements(statements, 0, () => undefined);
          return c(0);
        }
        this.fail(
          codes.statement,
          "a callback over an array of records returns one value, at its end ('return e;' last)",
          cb.body,
        );
      }
      this.statements(earlier, 0, () => undefined);
      return result(last.expression);
    } finally {
      this.scopes.pop();
      this.loops.push(...saved);
    }
  }

  /** `(x, i) => ...`: 1 to `arity` parameters (the first may destructure), and no writes to outer variables. */
  private checkCallback(cb: Callback, member: string, arity: number, element = 0): void {
    if (cb.parameters.length > arity)
      this.fail(
        codes.arity,
        `the callback of '${member}' takes at most ${arity} parameters here, got ${cb.parameters.length}`,
        cb,
      );
    cb.parameters.forEach((p, k) => {
      if ((k !== element && !ts.isIdentifier(p.name)) || p.dotDotDotToken || p.initializer || p.questionToken)
        this.fail(
          codes.parameter,
          `the callback's parameter '${this.text(p)}' must be a plain name${k === element ? " or a pattern" : ""}`,
          p,
        );
    });
    const own = new Set(cb.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
    const outer = [...assignedOuterNames([cb.body])].find((n) => !own.has(n) && this.lookup(n));
    if (outer)
      this.fail(
        codes.outerWrite,
        `the callback of '${member}' assigns '${outer}', a variable outside it; a callback may read outer variables, not assign them (write a loop)`,
        cb,
      );
  }

  // ---- methods of an array of records

  protected methodGives(e: ts.CallExpression) {
    const callee = e.expression;
    if (ts.isPropertyAccessExpression(callee) && this.dryKey(callee.expression)?.type.elements)
      return GIVES[callee.name.text as keyof typeof GIVES] ?? "unsupported";
    return super.methodGives(e);
  }

  protected method(
    e: ts.CallExpression,
    want: "number" | "array" | "condition" | "statement",
    hint?: string,
  ): Atom | undefined {
    const callee = e.expression as ts.PropertyAccessExpression;
    if (!ts.isPropertyAccessExpression(callee) || !this.dryKey(callee.expression)?.type.elements)
      return super.method(e, want, hint);
    const member = callee.name.text as keyof typeof GIVES;
    const gives = GIVES[member];
    if (!gives)
      this.fail(
        codes.tuple,
        `'${this.text(callee)}(...)': the method '${callee.name.text}' of an array of records is not supported; adgen lowers map, reduce, forEach, some and every, and for...of`,
        callee,
      );
    if (gives !== want)
      this.fail(
        codes.expression,
        `'${this.text(e)}' gives ${gives === "statement" ? "nothing" : `a ${gives}`}, where a ${want} is needed`,
        e,
      );
    const src = this.source(callee.expression);
    const cbNode = skipParens(e.arguments[0] ?? e);
    if (!ts.isArrowFunction(cbNode) && !ts.isFunctionExpression(cbNode))
      this.fail(codes.expression, `the callback of '${member}' must be an arrow function written in place`, cbNode);
    const cb = cbNode;
    const n = this.node("length", [src.array], e);
    if (member === "reduce") {
      if (e.arguments.length !== 2)
        this.fail(codes.arity, `'reduce' over an array of records takes a callback and an initial number`, e);
      this.checkCallback(cb, member, 3, 1);
      const [acc, element, index] = cb.parameters;
      if (!ts.isIdentifier(acc!.name)) this.fail(codes.parameter, "the accumulator must be a plain name", acc!);
      const init = this.number(e.arguments[1]!);
      const [result] = this.counted(
        e,
        c(0),
        n,
        [{ key: "#acc", init, name: (acc!.name as ts.Identifier).text }],
        (i) => {
          this.scopes.push(
            new Map([
              [(acc!.name as ts.Identifier).text, { keyword: "const" as const, value: this.lookup("#acc")!.value! }],
            ]),
          );
          try {
            this.lookup("#acc")!.value = this.invokeElement(cb, (name) => src.bind(i, name), i, "number", undefined, [
              element,
              index,
            ]) as Atom;
          } finally {
            this.scopes.pop();
          }
        },
        index && ts.isIdentifier(index.name) ? index.name.text : "i",
      );
      return result!;
    }
    if (e.arguments.length !== 1)
      this.fail(codes.arity, `'${member}' takes a callback, got ${e.arguments.length} arguments`, e);
    this.checkCallback(cb, member, 2);
    const counter = this.indexName(cb, 1);
    if (member === "forEach") {
      this.counted(e, c(0), n, [], (i) => void this.invokeElement(cb, (name) => src.bind(i, name), i, "none"), counter);
      return undefined;
    }
    if (member === "map") {
      const out = this.make("number[]", n, e, hint);
      this.counted(
        e,
        c(0),
        n,
        [],
        (i) => this.store(out, i, this.invokeElement(cb, (name) => src.bind(i, name), i, "number") as Atom, e),
        counter,
      );
      return out;
    }
    const some = member === "some";
    const [found] = this.counted(
      e,
      c(0),
      n,
      [{ key: "#found", init: bool(!some), name: some ? "found" : "all" }],
      (i) => {
        this.lookup("#found")!.value = this.invokeElement(cb, (name) => src.bind(i, name), i, "condition") as Atom;
      },
      counter,
      () => (some ? this.node("not", [this.lookup("#found")!.value!], e) : this.lookup("#found")!.value!),
    );
    return found!;
  }
}
