/**
 * Building arrays: `ys.push(v)` on a local `number[]` (a write at its length), and
 * `Array.from(...)`, whose callback may return a new row for each element: an array of arrays
 * (`Array.from({ length: n }, () => new Array(m).fill(0))`), each row set once as it is made.
 * Generated code writes such an Array.from as `const M = new Array<number[]>(n)` and a counted
 * loop setting each row (`for (let i = 0; ...; i++) { const r = ...; M[i] = r; }`), which is
 * read back as the same thing: one loop sets the rows, at its counter, each a new array it makes.
 * A tape of arrays (src/parser/lower/stacks.ts) is written the same way, with several rows an
 * iteration: `const arrays = new Array<Float64Array>(0)`, `let top_arrays = 0` and, in one loop,
 * `arrays[top_arrays] = a; const top_1 = top_arrays + 1; arrays[top_1] = b; top_arrays = top_1 + 1`:
 * rows set at consecutive indices from the counter, which steps past the last, so again each row
 * is set once, to a new array.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Node as IrNode, Statement, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { definedBy, statementsOf } from "../../ir-walk.js";
import { ARRAY_TYPES, skipParens } from "../syntax.js";
import { LowerCallbacks } from "./callbacks.js";
import { sameAtom } from "./state.js";

export abstract class LowerBuild extends LowerCallbacks {
  /** Arrays of arrays made without rows (`new Array<number[]>(n)`): the store that sets their rows, once lowered. */
  private readonly unfilled = new Map<
    string,
    {
      depth: number;
      size?: string;
      stores: { store: Statement & { kind: "store" }; at: ts.Node }[];
      checked?: true;
    }
  >();

  /** `new Array<number[]>(n)`, `new Array<Float64Array>(n)`: an array of n rows, which a loop then sets. */
  protected array(e: ts.Expression, hint?: string): Atom | undefined {
    const inner = skipParens(e);
    const [type] = (ts.isNewExpression(inner) && inner.typeArguments) || [];
    const rows = type && ARRAY_TYPES[type.getText(this.sf).replace(/\s+/g, " ")];
    if (
      !rows ||
      !ts.isIdentifier((inner as ts.NewExpression).expression) ||
      (inner as ts.NewExpression).arguments?.length !== 1
    )
      return super.array(e, hint);
    const n = this.number((inner as ts.NewExpression).arguments![0]!);
    const made = this.node(rows === "Float64Array" ? "float64Rows" : "rows", [n], inner, hint) as VarRef;
    this.arrays.set(made.name, "number[]");
    this.nested.set(made.name, rows);
    const size = (inner as ts.NewExpression).arguments![0]!.getText(this.sf).replace(/\s+/g, "");
    this.unfilled.set(made.name, { depth: this.loops.length, size, stores: [] });
    return made;
  }

  /** `M[i] = r` with `M` made by `new Array<number[]>(n)`: sets row i, a new array (checked by `loop`). */
  protected elementWrite(e: ts.Expression, target: ts.ElementAccessExpression): void {
    const object = skipParens(target.expression);
    const matrix = ts.isIdentifier(object) ? this.lookup(object.text)?.value : undefined;
    const entry = matrix?.kind === "var" ? this.unfilled.get(matrix.name) : undefined;
    if (!entry || !ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken)
      return super.elementWrite(e, target);
    const index = this.number(target.argumentExpression);
    const row = this.value(e.right);
    const refuse = (why: string): never => this.fail(codes.rowAlias, `'${this.text(e)}': ${why}`, e);
    if (!this.isArray(row)) refuse(`'${this.text(e.right)}' is not an array; a row of '${this.text(object)}' is`);
    const r = row as VarRef;
    if (this.nested.has(r.name))
      this.fail(
        codes.nestedArray,
        "arrays of arrays of arrays are not supported; the rows must be arrays of numbers",
        e.right,
      );
    if (this.arrays.get(r.name) !== this.nested.get((matrix as VarRef).name))
      refuse(
        `the rows of '${this.text(object)}' are ${this.nested.get((matrix as VarRef).name)}s, and '${this.text(e.right)}' is a ${this.arrays.get(r.name)}`,
      );
    if (this.rowOf.has(r.name) || this.entryParams.has(r.name))
      refuse(
        `'${this.text(e.right)}' is ${this.entryParams.has(r.name) ? "a parameter" : "a row already"}; set each row to a new array (a copy: '.slice()')`,
      );
    if (entry.checked || this.loops.length === 0)
      refuse(
        `the rows of '${this.text(object)}' are set once, by one loop over them ('for (let i = 0; i < n; i++) ${this.text(object)}[i] = ...'), each to a new array`,
      );
    const store = { kind: "store" as const, array: matrix as VarRef, index, value: r, pos: e.getStart(this.sf) };
    entry.stores.push({ store, at: e });
    this.rowOf.set(r.name, (matrix as VarRef).name);
    this.body.push(store);
  }

  /**
   * The loop that sets the rows of a `new Array<number[]>(n)` (the innermost loop around the
   * stores) sets each once: the stores are in its body (not in a branch or an inner loop), at
   * consecutive indices from its counter (from 0), which then steps past the last (by 1 for one
   * store a row, as `for (let i = 0; ...; i++)`; by k for a tape of arrays pushing k rows an
   * iteration), each of an array the iteration makes, and the matrix is made in no loop the rows
   * loop is not in (in the block around it, or around the branch it is in), so no outer loop sets
   * its rows again.
   */
  protected loop(st: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement): void {
    super.loop(st);
    const loop = this.body[this.body.length - 1]!;
    if (loop.kind !== "loop") return;
    const inner = new Set(statementsOf([loop]));
    for (const entry of this.unfilled.values()) {
      if (entry.checked || !entry.stores.some((s) => inner.has(s.store))) continue;
      entry.checked = true;
      const made = new Set([...inner].flatMap(definedBy));
      const first = entry.stores[0]!.store.index;
      const counter = first.kind === "var" ? loop.carried.find((c) => c.name === first.name) : undefined;
      // `name = at + 1`, a node of the loop's body.
      const plusOne = (name: string, at: Atom) =>
        loop.body.some(
          (s) =>
            s.kind === "node" &&
            s.name === name &&
            s.op === "add" &&
            sameAtom(s.args[0], at) &&
            sameAtom(s.args[1], c(1)),
        );
      const consecutive = entry.stores.every(
        ({ store }, k) =>
          k === 0 || (store.index.kind === "var" && plusOne(store.index.name, entry.stores[k - 1]!.store.index)),
      );
      const last = entry.stores[entry.stores.length - 1]!.store.index;
      const stepped =
        counter !== undefined &&
        sameAtom(counter.init, c(0)) &&
        counter.next.kind === "var" &&
        plusOne(counter.next.name, last);
      // Up to the row count (`i < n` or `i < M.length`, as written, in a `for` or `while`), so no row is left a hole, which
      // f_grad would tape (forward.ts pushes a copy of every row).
      const firstAt = entry.stores[0]!.at;
      const at = ts.isBinaryExpression(firstAt) ? firstAt.left : undefined;
      const matrixText = at && ts.isElementAccessExpression(at) ? at.expression.getText(this.sf) : undefined;
      const cond =
        ts.isForStatement(st) && st.condition
          ? skipParens(st.condition)
          : ts.isWhileStatement(st)
            ? skipParens(st.expression)
            : undefined;
      const bound =
        cond && ts.isBinaryExpression(cond) && cond.operatorToken.kind === ts.SyntaxKind.LessThanToken
          ? cond.right.getText(this.sf).replace(/\s+/g, "")
          : undefined;
      // An array made empty (`new Array<Float64Array>(0)`, a read-back tape of arrays) grows by its
      // consecutive stores from 0: no hole either.
      const bounded =
        entry.size === "0" || (bound !== undefined && (bound === entry.size || bound === `${matrixText}.length`));
      const ok =
        entry.stores.every(({ store }) => loop.body.includes(store) && made.has((store.value as VarRef).name)) &&
        consecutive &&
        stepped &&
        bounded &&
        entry.depth === this.loops.length;
      if (!ok)
        this.fail(
          codes.rowAlias,
          `'${this.text(entry.stores[0]!.at)}': the rows of an array made by 'new Array<...>(n)' are set once each: by one loop, at its counter ('for (let i = 0; i < n; i++) M[i] = r', not inside a branch of that loop; or at consecutive indices from it, which steps past the last, as a tape of arrays is written), to an array the iteration makes; make the array inside every loop around that one, so that no outer loop sets its rows again`,
          entry.stores[0]!.at,
        );
    }
  }

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
