/**
 * Array methods with arrow callbacks, lowered to the loops one would write by hand: `map`,
 * `reduce`, `forEach`, `some`, `every`, `fill`, `slice(start, end)`, `Array.from`, and
 * `Math.max(...xs)` / `Math.min(...xs)`. A callback's body is lowered inline in the loop's body,
 * in a scope where its parameters (value, index, array) are bound; it may read outer variables,
 * not assign them.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Node as IrNode, OpName, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { skipParens } from "../syntax.js";
import { bool } from "./state.js";
import { type Callback } from "./callbacks.js";
import { LowerBuild } from "./build.js";

type Want = "number" | "array" | "condition" | "statement";

/** What each method makes, and the arity of its callback (value, index, array; reduce: acc first). */
const METHODS: Record<string, { gives: Want; callback?: number }> = {
  map: { gives: "array", callback: 3 },
  reduce: { gives: "number", callback: 4 },
  forEach: { gives: "statement", callback: 3 },
  some: { gives: "condition", callback: 3 },
  every: { gives: "condition", callback: 3 },
  fill: { gives: "array" },
  slice: { gives: "array" },
  push: { gives: "statement" },
};

/** Every method name of JavaScript's arrays and typed arrays, to name the unsupported ones as such. */
const ARRAY_METHODS = new Set(
  [Array.prototype, Object.getPrototypeOf(Float64Array.prototype) as object].flatMap((p) =>
    Object.getOwnPropertyNames(p),
  ),
);

const SUPPORTED = "map, reduce, forEach, some, every, fill, slice, push, and entries() in for...of";

export abstract class LowerMethods extends LowerBuild {
  /**
   * What a call gives if it is an array method's (`method` lowers it): an array, a number, a
   * condition, nothing (`forEach`); `unsupported` for another method of an array. Undefined for
   * any other call.
   */
  protected methodGives(e: ts.CallExpression): Want | "unsupported" | undefined {
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const member = callee.name.text;
    const object = skipParens(callee.expression);
    if (ts.isIdentifier(object) && !this.lookup(object.text)) {
      if (object.text === "Math" && (member === "max" || member === "min") && e.arguments.some(ts.isSpreadElement))
        return "number";
      if (object.text === "Array" && member === "from") return "array";
      return undefined;
    }
    if (ts.isIdentifier(object)) {
      const local = this.lookup(object.text)!;
      if (!local.value || !this.isArray(local.value)) return undefined;
      return METHODS[member]?.gives ?? "unsupported";
    }
    return (
      METHODS[member]?.gives ?? (ARRAY_METHODS.has(member) && member !== "constructor" ? "unsupported" : undefined)
    );
  }

  /**
   * `e` if it is a call of an array method (`xs.map(...)`, `Array.from(...)`, `Math.max(...xs)`):
   * its value, lowered to a loop (undefined for a statement such as `forEach`). Undefined for any
   * other call, which the caller lowers its own way. `want` is what the place needs.
   */
  protected method(e: ts.CallExpression, want: Want, hint?: string): Atom | undefined {
    const gives = this.methodGives(e);
    if (gives === undefined) return undefined;
    const callee = e.expression as ts.PropertyAccessExpression;
    const member = callee.name.text;
    const object = skipParens(callee.expression);
    if (gives !== "unsupported" && gives !== want) {
      const what = `'${this.text(e)}'`;
      if (member === "push")
        this.fail(codes.push, `'${this.text(e)}' is used for its value (the new length); call push as a statement`, e);
      if (want === "statement" && !(member === "fill" && gives === "array"))
        this.fail(codes.statement, `the statement ${what} has no effect`, e);
      if (want === "number")
        this.fail(
          codes.notNumber,
          gives === "condition"
            ? `${what} is a boolean; use it as a condition`
            : gives === "array"
              ? `${what} is an array, not a number`
              : `${what} returns nothing; call it as a statement`,
          e,
        );
      if (want === "array" || want === "condition")
        this.fail(codes.expression, `${what} does not give ${want === "array" ? "an array" : "a condition"}`, e);
    }
    if (ts.isIdentifier(object) && !this.lookup(object.text)) {
      if (object.text === "Math") return this.spreadExtremum(member as "max" | "min", e, hint);
      return this.arrayFrom(e, hint);
    }
    // `new Array(n).fill(v)`, `new Float64Array(n).fill(v)`: a new array, filled.
    const fresh = ts.isNewExpression(object) && ts.isIdentifier(object.expression) ? object.expression.text : "";
    if (member === "fill" && (fresh === "Array" || fresh === "Float64Array")) {
      const n = (object as ts.NewExpression).arguments;
      if (n?.length !== 1 || ts.isArrayLiteralExpression(n[0]!))
        this.fail(codes.expression, `'new ${fresh}(n).fill(v)' takes a length n`, object);
      const made = this.make(fresh === "Array" ? "number[]" : "Float64Array", this.number(n[0]!), object, hint);
      return this.fill(made, e, true);
    }
    const array = this.arrayAtom(object);
    // Over an array of arrays, a callback's element is a row (`A.map((row) => dot(row, x))`).
    if (this.nested.has(array.name) && !METHODS[member]?.callback)
      this.fail(
        codes.nestedArray,
        `'${this.text(callee)}(...)': of the array methods, adgen lowers map, reduce, forEach, some and every on an array of arrays, not '${member}'; loop over its rows (for (const row of ${this.text(object)}))`,
        callee,
      );
    const spec = METHODS[member];
    if (!spec)
      this.fail(
        codes.expression,
        member === "push"
          ? `'${this.text(callee)}(...)' is not supported: arrays keep their length; allocate with new Float64Array(n) or new Array(n).fill(0) and write elements`
          : `'${this.text(callee)}(...)': the array method '${member}' is not supported; adgen lowers ${SUPPORTED} to loops`,
        callee,
      );
    if (member === "fill") return this.fill(array, e, false);
    if (member === "push") return this.push(array, e);
    if (member === "slice") return this.slice(array, e, hint);
    const [min, max] = member === "reduce" ? [1, 2] : [1, 1];
    if (e.arguments.length < min || e.arguments.length > max)
      this.fail(
        codes.arity,
        `'${member}' takes ${min === max ? "a callback" : "a callback and an optional initial value"}, got ${e.arguments.length} argument${e.arguments.length === 1 ? "" : "s"}`,
        e,
      );
    const cb = this.callback(e.arguments[0]!, member, spec.callback!);
    switch (member) {
      case "map":
        return this.map(array, cb, e, hint);
      case "reduce":
        return this.reduce(array, cb, e);
      case "forEach":
        this.counted(
          e,
          c(0),
          this.node("length", [array], e),
          [],
          (i) => this.invoke(cb, [this.at(array, i, cb, 0), i, array], "none"),
          this.indexName(cb, 1),
        );
        return undefined;
      default:
        return this.predicate(member as "some" | "every", array, cb, e);
    }
  }

  /**
   * `xs.map((x, i, xs) => ...)`: a new array of the same kind and length. Over an array of arrays
   * (whose elements are rows) it is a `number[]`, or, when the callback makes a new array for each
   * row (`A.map((row) => row.map(...))`), an array of arrays of those rows, as `Array.from` makes.
   */
  private map(array: VarRef, cb: Callback, e: ts.CallExpression, hint?: string): Atom {
    const n = this.node("length", [array], e);
    const nested = this.nested.has(array.name);
    const out = this.make(nested ? "number[]" : this.arrays.get(array.name)!, n, e, hint);
    const made = this.body[this.body.length - 1] as IrNode;
    let rows: "Float64Array" | "number[]" | undefined;
    this.counted(
      e,
      c(0),
      n,
      [],
      (i) => {
        const start = this.body.length;
        const value = this.invoke(cb, [this.at(array, i, cb, 0), i, array], nested ? "value" : "number");
        if (this.isArray(value)) rows = this.newRow(value as VarRef, this.body.slice(start), cb, out.name, "map");
        this.store(out, i, this.isArray(value) ? value : this.numeric(value, cb), e);
      },
      this.indexName(cb, 1),
    );
    if (rows) {
      made.op = rows === "Float64Array" ? "float64Rows" : "rows";
      this.nested.set(out.name, rows);
    }
    return out;
  }

  /** `xs.reduce((acc, x, i, xs) => ..., init)`; without `init`, from `xs[0]` over the rest (as JavaScript does). */
  private reduce(array: VarRef, cb: Callback, e: ts.CallExpression): Atom {
    const n = this.node("length", [array], e);
    const initial = e.arguments[1];
    if (!initial && this.nested.has(array.name))
      this.fail(
        codes.nestedArray,
        `'${this.text(e)}': reduce over an array of arrays needs an initial number (its first row is not a number)`,
        e,
      );
    const init = initial ? this.number(initial) : this.node("index", [array, c(0)], e);
    const accName = (cb.parameters[0]!.name as ts.Identifier).text;
    const [result] = this.counted(
      e,
      c(initial ? 0 : 1),
      n,
      [{ key: "#acc", init, name: accName }],
      (i) => {
        const x = cb.parameters[1] ? this.at(array, i, cb, 1) : c(0);
        this.lookup("#acc")!.value = this.invoke(cb, [this.lookup("#acc")!.value!, x, i, array], "number");
      },
      this.indexName(cb, 2),
    );
    return result!;
  }

  /** `xs.some(pred)` / `xs.every(pred)`: a boolean, the loop stopping at the first element that decides it. */
  private predicate(member: "some" | "every", array: VarRef, cb: Callback, e: ts.CallExpression): Atom {
    const n = this.node("length", [array], e);
    const some = member === "some";
    const [result] = this.counted(
      e,
      c(0),
      n,
      [{ key: "#found", init: bool(!some), name: some ? "found" : "all" }],
      (i) => {
        this.lookup("#found")!.value = this.invoke(cb, [this.at(array, i, cb, 0), i, array], "condition");
      },
      this.indexName(cb, 1),
      () => {
        const found = this.lookup("#found")!.value!;
        return some ? this.node("not", [found], e) : found;
      },
    );
    return result!;
  }

  /** `a.fill(v)`: every element set to `v` (a new array's zeros stay as they are). Returns `a`. */
  private fill(array: VarRef, e: ts.CallExpression, fresh: boolean): Atom {
    if (e.arguments.length !== 1)
      this.fail(
        codes.arity,
        `'fill' takes one value here (start and end are not supported), got ${e.arguments.length}`,
        e,
      );
    if (!fresh && this.entryParams.has(array.name))
      this.fail(
        codes.outerWrite,
        `'${this.text(e)}' writes into a parameter, which belongs to the caller; copy it first with .slice()`,
        e,
      );
    const value = this.number(e.arguments[0]!);
    if (fresh && value.kind === "const" && value.value === 0 && !Object.is(value.value, -0)) return array;
    const n = this.node("length", [array], e);
    this.counted(e, c(0), n, [], (i) => this.store(array, i, value, e), "i");
    return array;
  }

  /** `xs.slice()`, `xs.slice(start)`, `xs.slice(start, end)`, with JavaScript's negative and out-of-range indices. */
  private slice(array: VarRef, e: ts.CallExpression, hint?: string): Atom {
    const kind = this.arrays.get(array.name)!;
    if (e.arguments.length === 0) {
      const copy = this.node("slice", [array], e, hint);
      this.arrays.set((copy as VarRef).name, kind);
      return copy;
    }
    if (e.arguments.length > 2)
      this.fail(codes.arity, `'slice' takes at most 2 arguments, got ${e.arguments.length}`, e);
    const n = this.node("length", [array], e);
    // JavaScript's clamping: a negative position counts from the end; both stay in [0, n].
    const position = (arg: ts.Expression): Atom => {
      const raw = this.number(arg);
      const p = raw.kind === "const" && Number.isInteger(raw.value) ? raw : this.node("trunc", [raw], arg);
      if (p.kind === "const")
        return p.value >= 0
          ? this.node("min", [p, n], arg)
          : this.node("max", [this.node("sub", [n, c(-p.value)], arg), c(0)], arg);
      const negative = this.node("lt", [p, c(0)], arg) as VarRef;
      let fromEnd: Atom | undefined;
      let fromStart: Atom | undefined;
      const thenBody = this.arm(() => (fromEnd = this.node("max", [this.node("add", [n, p], arg), c(0)], arg)));
      const elseBody = this.arm(() => (fromStart = this.node("min", [p, n], arg)));
      const name = this.names.temp();
      this.body.push({
        kind: "branch",
        cond: negative,
        then: thenBody,
        else: elseBody,
        merges: [{ name, then: fromEnd!, else: fromStart! }],
        pos: arg.getStart(this.sf),
      });
      return { kind: "var", name };
    };
    const start = position(e.arguments[0]!);
    const end = e.arguments[1] ? position(e.arguments[1]) : n;
    const length = this.node("max", [this.node("sub", [end, start], e), c(0)], e);
    const out = this.make(kind, length, e, hint);
    this.counted(
      e,
      c(0),
      length,
      [],
      (k) => this.store(out, k, this.node("index", [array, this.node("add", [start, k], e)], e), e),
      "k",
    );
    return out;
  }

  /** `Math.max(...xs)`, `Math.min(a, ...xs, b)`: a spread array is a loop over its elements (empty: -Infinity / Infinity). */
  private spreadExtremum(member: "max" | "min", e: ts.CallExpression, hint?: string): Atom {
    const op: OpName = member;
    let acc: Atom = c(member === "max" ? -Infinity : Infinity);
    let first = true;
    for (const arg of e.arguments) {
      if (ts.isSpreadElement(arg)) {
        const array = this.arrayAtom(arg.expression);
        this.flatArray(array, arg.expression, `'Math.${member}(...)'`);
        const n = this.node("length", [array], arg);
        [acc] = this.counted(
          arg,
          c(0),
          n,
          [{ key: "#m", init: acc, name: hint ?? "m" }],
          (i) => {
            const x = this.node("index", [array, i], arg);
            this.lookup("#m")!.value = this.node(op, [this.lookup("#m")!.value!, x], arg);
          },
          "i",
        ) as [Atom];
      } else {
        const x = this.number(arg);
        acc = first ? x : this.node(op, [acc, x], arg);
      }
      first = false;
    }
    return acc;
  }
}
