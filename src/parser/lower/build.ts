/**
 * Building arrays: `ys.push(v)` on a local `number[]` (a write at its length), and
 * `Array.from(...)`, whose callback may return a new row for each element: an array of arrays
 * (`Array.from({ length: n }, () => new Array(m).fill(0))`), each row set once as it is made.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Node as IrNode, Statement, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { skipParens } from "../syntax.js";
import { LowerCallbacks } from "./callbacks.js";

export abstract class LowerBuild extends LowerCallbacks {
  /**
   * `ys.push(a, b)`: `ys[ys.length] = a; ys[ys.length] = b` (the values first, as JavaScript
   * evaluates them). Only on a local `number[]`: its length is then read at each write, and taped.
   */
  protected push(array: VarRef, e: ts.CallExpression): undefined {
    const shown = this.text(e.expression);
    const refuse = (why: string) => this.fail(codes.push, `'${shown}(...)': ${why}`, e.expression);
    if (this.rowOf.has(array.name))
      refuse("pushing into a row of an array of arrays is not supported; rows keep the length they are made with");
    if (this.entryParams.has(array.name))
      refuse(
        "the array is a parameter, which belongs to the caller; push into a local array (const ys: number[] = [])",
      );
    if (this.arrays.get(array.name) === "Float64Array")
      refuse("a Float64Array has a fixed length; push into a number[] or allocate with new Float64Array(n)");
    if (e.arguments.length === 0) refuse("push takes at least one value");
    const values = e.arguments.map((a) => {
      const v = this.value(a);
      if (this.isArray(v))
        this.fail(codes.push, `'${this.text(a)}' is an array; push numbers (build a matrix with Array.from)`, a);
      return this.numeric(v, a);
    });
    for (const value of values) this.store(array, this.node("length", [array], e), value, e);
    return undefined;
  }

  /**
   * `Array.from({ length: n }, (_, i) => ...)`, `Array.from(xs)`, `Array.from(xs, (x, i) => ...)`:
   * a number[]; an array of arrays when the callback returns a new array (a row) for each element.
   */
  protected arrayFrom(e: ts.CallExpression, hint?: string): Atom {
    const [source, fn] = e.arguments;
    if (!source || e.arguments.length > 2)
      this.fail(
        codes.arity,
        `'Array.from' takes a source and an optional callback, got ${e.arguments.length} arguments`,
        e,
      );
    const src = skipParens(source);
    let n: Atom | undefined = this.fromLength(src);
    let array: VarRef | undefined;
    if (n === undefined) {
      array = this.arrayAtom(src);
      this.flatArray(array, src, "'Array.from'");
      n = this.node("length", [array], e);
    }
    const out = this.make("number[]", n, e, hint);
    const made = this.body[this.body.length - 1] as IrNode;
    const cb = fn ? this.callback(fn, "Array.from", 2, 0) : undefined;
    let rows: "Float64Array" | "number[]" | undefined;
    this.counted(
      e,
      c(0),
      n,
      [],
      (i) => {
        const x = array
          ? this.node(
              "index",
              [array, i],
              e,
              cb?.parameters[0] ? (cb.parameters[0].name as ts.Identifier).text : undefined,
            )
          : c(0);
        const start = this.body.length;
        const value = cb ? this.invoke(cb, [x, i], "value") : x;
        if (this.isArray(value))
          rows = this.newRow(value as VarRef, this.body.slice(start), cb!, out.name, "Array.from");
        this.store(out, i, this.isArray(value) ? value : this.numeric(value, cb!), e);
      },
      cb ? this.indexName(cb, 1) : "i",
    );
    if (rows) {
      // Each element is a new row: an array of arrays of that many rows.
      made.op = rows === "Float64Array" ? "float64Rows" : "rows";
      this.nested.set(out.name, rows);
    }
    return out;
  }

  /** `n` of `Array.from({ length: n }, ...)`'s source; undefined for an array. */
  protected fromLength(source: ts.Expression): Atom | undefined {
    const src = skipParens(source);
    if (!ts.isObjectLiteralExpression(src)) return undefined;
    const only = src.properties[0];
    if (
      src.properties.length !== 1 ||
      !only ||
      !ts.isPropertyAssignment(only) ||
      !ts.isIdentifier(only.name) ||
      only.name.text !== "length"
    )
      this.fail(codes.expression, "'Array.from' takes '{ length: n }' or an array", src);
    return this.number(only.initializer);
  }

  /** A row a callback returns: an array it makes (so each row is a new array), not an array of arrays. */
  protected newRow(
    row: VarRef,
    made: Statement[],
    cb: ts.Node,
    matrix: string,
    member: "Array.from" | "map",
  ): "Float64Array" | "number[]" {
    if (this.nested.has(row.name))
      this.fail(
        codes.nestedArray,
        "arrays of arrays of arrays are not supported; the rows must be arrays of numbers",
        cb,
      );
    const fresh = made.some(
      (s) =>
        (s.kind === "node" && s.name === row.name) ||
        (s.kind === "branch" && s.merges.some((m) => m.name === row.name)),
    );
    if (!fresh || this.rowOf.has(row.name))
      this.fail(
        codes.rowAlias,
        `the callback of '${member}' returns an array it does not make, so rows would be one array under several names; return a new array (new Array(m).fill(0), or a copy: '.slice()')`,
        cb,
      );
    this.rowOf.set(row.name, matrix);
    return this.arrays.get(row.name)!;
  }
}
