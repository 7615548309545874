/**
 * Helpers given elements of arrays of records, or records inside literals: adgen passes a copy
 * and copies back what the helper writes, which stands for JavaScript's reference only when no
 * other argument reaches the same object. Where one does (an element and its array, two elements
 * of one array, `{ a: p }` with `p` a record of the caller) and the helper writes through either,
 * the call is refused (ADG3040, ADG3019).
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom } from "../../ir.js";
import { isIncrement } from "../syntax.js";
import { LowerRecordArrays } from "./record-arrays.js";
import { leaves } from "./record-types.js";
import { strip, type RecordValue } from "./records.js";

export abstract class LowerElementCalls extends LowerRecordArrays {
  /** A helper gets an element as a copy (copied back if it writes it): not with the element's array too, nor the element twice. */
  protected inlineRecordCall(e: ts.CallExpression, asStatement: boolean): Atom | RecordValue | undefined {
    const src = this.recordCallee(e);
    if (src) {
      const params = src.fn.node.parameters;
      const args = e.arguments.map((a, i) => ({
        a,
        element: this.isElement(a),
        arrays: this.argumentArrays(a),
        written:
          params[i] !== undefined && ts.isIdentifier(params[i].name) && writesThrough(src.fn.node, params[i].name.text),
      }));
      // `h({ a: p })` where `h` writes `w.a.x`: JavaScript writes `p`, which a copy cannot follow.
      for (const x of args) {
        const held = x.written ? this.heldRecord(x.a) : undefined;
        if (held)
          this.fail(
            codes.sharedRecord,
            `'${src.fn.name}' writes its parameter, and '${this.text(x.a)}' holds '${this.text(held)}', an object of the caller, which adgen's copies of records cannot follow; pass a copy ('{ ...${this.text(held)} }')`,
            x.a,
          );
      }
      args.forEach((x, i) =>
        args.forEach((y, j) => {
          if (j <= i || !(x.element || y.element) || !(x.written || y.written)) return;
          if (![...x.arrays].some((n) => y.arrays.has(n))) return;
          const [el, other] = x.element ? [x.a, y.a] : [y.a, x.a];
          if (x.element && y.element)
            this.fail(
              codes.elementAlias,
              `'${src.fn.name}' gets '${this.text(x.a)}' and '${this.text(y.a)}', elements of one array of records, which may be one element; adgen passes elements as copies, which cannot follow that: pass a copy ('{ ...${this.text(y.a)} }')`,
              e,
            );
          this.fail(
            codes.elementAlias,
            `'${src.fn.name}' gets '${this.text(el)}', an element of an array of records, and '${this.text(other)}', which holds it too; adgen passes the element as a copy, which cannot follow writes through the other: pass a copy ('{ ...${this.text(el)} }') and write the result back`,
            e,
          );
        }),
      );
    }
    return super.inlineRecordCall(e, asStatement);
  }

  /** A record named (not made) inside an object or array literal: `p` in `{ a: p }`, `[pts[i], 1]`. */
  private heldRecord(e: ts.Expression): ts.Expression | undefined {
    const inner = strip(e);
    const parts = ts.isObjectLiteralExpression(inner)
      ? inner.properties.flatMap((p) =>
          ts.isPropertyAssignment(p) ? [p.initializer] : ts.isShorthandPropertyAssignment(p) ? [p.name] : [],
        )
      : ts.isArrayLiteralExpression(inner)
        ? inner.elements.filter((el) => !ts.isSpreadElement(el))
        : undefined;
    if (!parts) return undefined;
    for (const part of parts) {
      const p = strip(part);
      if (ts.isObjectLiteralExpression(p) || ts.isArrayLiteralExpression(p)) {
        const found = this.heldRecord(p);
        if (found) return found;
      } else if (this.dryKey(p)) return part;
    }
    return undefined;
  }

  /** The arrays an argument reaches: an array's, an array of records' columns, an element's. */
  private argumentArrays(a: ts.Expression): Set<string> {
    // A number read from an element (`p.m`) is a value, not a reference.
    const named = strip(a);
    const array = ts.isIdentifier(named) && this.isArray(this.lookup(named.text)?.value);
    if (!array && !this.dryKey(a)) return new Set();
    let root = named;
    while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) root = strip(root.expression);
    const local = ts.isIdentifier(root) ? this.lookup(root.text) : undefined;
    if (!local) return new Set();
    if (local.view) return new Set([...local.view.arrays.values()].map((v) => v.name));
    if (local.record)
      return new Set(
        leaves(local.record).flatMap((l) => {
          const v = this.lookup(`${(root as ts.Identifier).text}.${l.path.join(".")}`)?.value;
          return v?.kind === "var" && this.isArray(v) ? [v.name] : [];
        }),
      );
    return local.value?.kind === "var" && this.isArray(local.value) ? new Set([local.value.name]) : new Set();
  }
}

/** Whether `fn` may write through its parameter `name`: a write to anything reached from it, or passing it to a call. */
function writesThrough(fn: ts.Node, name: string): boolean {
  const rooted = (e: ts.Expression): boolean => {
    const inner = strip(e);
    if (ts.isIdentifier(inner)) return inner.text === name;
    return (ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner)) && rooted(inner.expression);
  };
  const visit = (n: ts.Node): boolean => {
    const target =
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= ts.SyntaxKind.LastAssignment
        ? n.left
        : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && isIncrement(n.operator)
          ? n.operand
          : undefined;
    if (target && rooted(target)) return true;
    if (ts.isCallExpression(n) && n.arguments.some(rooted)) return true;
    return ts.forEachChild(n, visit) ?? false;
  };
  return ts.forEachChild(fn, visit) ?? false;
}
