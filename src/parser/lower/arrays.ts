/**
 * Lowering arrays: expressions that make arrays, element writes, which arrays may be written.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, OpName, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { COMPOUND_OPS, isIncrement, skipParens } from "../syntax.js";
import { LowerExpressions } from "./expressions.js";

export abstract class LowerArrays extends LowerExpressions {
  /** An array-creating expression (`new Float64Array(n)`, `new Array(n).fill(0)`, `[a, b]`, `a.slice()`), else undefined. */
  protected array(e: ts.Expression, hint?: string): Atom | undefined {
    const inner = skipParens(e);
    // `A[i]!` (under noUncheckedIndexedAccess) is the row `A[i]`.
    if (ts.isNonNullExpression(inner)) return this.array(inner.expression, hint);
    // `[] as number[]` (generated code types an array that starts empty so).
    if (ts.isAsExpression(inner) && ts.isArrayLiteralExpression(skipParens(inner.expression)))
      return this.array(inner.expression, hint);
    const make = (op: OpName, args: Atom[], kind: "Float64Array" | "number[]") => {
      const a = this.node(op, args, inner, hint);
      this.arrays.set((a as VarRef).name, kind);
      return a;
    };
    if (ts.isNewExpression(inner) && ts.isIdentifier(inner.expression) && inner.expression.text === "Float64Array") {
      const arg = inner.arguments?.[0];
      if (!arg || inner.arguments!.length !== 1 || ts.isArrayLiteralExpression(arg))
        this.fail(
          codes.expression,
          "'new Float64Array' takes a length here; build other arrays with .slice() or a loop",
          inner,
        );
      return make("newFloat64Array", [this.number(arg)], "Float64Array");
    }
    // `xs.map(...)`, `xs.slice(...)`, `new Array(n).fill(v)`, `Array.from(...)` (src/parser/lower/methods.ts).
    if (ts.isCallExpression(inner) && ["array", "unsupported"].includes(this.methodGives(inner) ?? ""))
      return this.method(inner, "array", hint);
    // `A[i]`, a row of an array of arrays (src/parser/lower/nested.ts).
    if (ts.isElementAccessExpression(inner)) return this.rowRead(inner, hint);
    if (ts.isArrayLiteralExpression(inner)) {
      const spread = inner.elements.find(ts.isSpreadElement);
      if (spread) this.fail(codes.expression, "spread in an array literal is not supported", spread);
      const nested = inner.elements.find((el) => ts.isArrayLiteralExpression(skipParens(el)));
      if (nested)
        this.fail(
          codes.nestedArray,
          "array literals of arrays are not supported; build a matrix with Array.from({ length: n }, () => new Array(m).fill(0))",
          nested,
        );
      return make(
        "arrayOf",
        inner.elements.map((el) => this.number(el)),
        "number[]",
      );
    }
    if (ts.isCallExpression(inner)) return this.inlineCall(inner);
    return undefined;
  }

  /** `a[i] = v`, `a[i] += v`, `a[i]++`: loads, the operation, and a store. */
  protected elementWrite(e: ts.Expression, target: ts.ElementAccessExpression): void {
    const array = this.writableArray(target.expression);
    if (this.nested.has(array.name))
      this.fail(
        codes.rowAlias,
        `'${this.text(e)}' replaces a row of '${this.text(target.expression)}', an array of arrays; adgen follows rows only as they are made: write its elements ('${this.text(target)}[j] = ...')`,
        e,
      );
    const index = this.number(target.argumentExpression);
    let value: Atom;
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) value = this.number(e.right);
    else if (ts.isBinaryExpression(e) && COMPOUND_OPS[e.operatorToken.kind]) {
      const old = this.node("index", [array, index], target);
      value = this.node(COMPOUND_OPS[e.operatorToken.kind]!, [old, this.number(e.right)], e);
    } else if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncrement(e.operator)) {
      const old = this.node("index", [array, index], target);
      value = this.node(e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", [old, c(1)], e);
    } else this.fail(codes.operator, `'${this.text(e)}' is not supported`, e);
    this.body.push({ kind: "store", array, index, value, pos: e.getStart(this.sf) });
  }

  /** The array an element write writes: a local array (not a parameter, which is the caller's). */
  protected writableArray(e: ts.Expression): VarRef {
    const a = this.arrayAtom(e);
    // An inlined helper may write into an array its caller made; nobody may write into the
    // differentiated function's own parameters, which belong to its caller.
    const root = this.rootArray(a.name);
    if (root !== a.name && this.entryParams.has(root))
      this.fail(
        codes.outerWrite,
        `writing into '${this.text(e)}', a row of a parameter, which belongs to the caller, is not supported; copy the rows first (Array.from({ length: n }, (_, i) => A[i].slice()))`,
        e,
      );
    if (this.entryParams.has(a.name))
      this.fail(
        codes.outerWrite,
        `writing into '${this.text(e)}', which belongs to the caller, is not supported; copy it first with .slice()`,
        e,
      );
    return a;
  }

  /** An expression that must be an array: its atom. */
  protected arrayAtom(e: ts.Expression): VarRef {
    const inner = skipParens(e);
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      const v = local && this.valueOf(local, inner);
      if (v && v.kind === "var" && this.arrays.has(v.name)) return v;
      const b = local ? undefined : this.mod.bindings.get(inner.text);
      if (b?.kind === "mutable") this.moduleState(inner.text, b.keyword, inner);
      if (b?.kind === "scratch") return this.scratchArray(inner.text, inner);
    } else {
      // Lowered first, so that what is wrong with the expression itself is what gets reported.
      const v = this.value(inner);
      if (v.kind === "var" && this.arrays.has(v.name)) return v;
      this.fail(
        codes.notArray,
        `'${this.text(e)}' is ${this.isBoolean(v) ? "a boolean" : "a number"}, not an array`,
        e,
      );
    }
    this.fail(codes.notArray, `'${this.text(e)}' is not an array`, e);
  }
}
