/**
 * Lowering arrays of arrays (`number[][]`, `Float64Array[]`): a row read `A[i]` is a `row` node,
 * the row itself (an alias, not a copy), so `A[i][j]`, `const row = A[i]; row[j]`, `A[i].length`,
 * `dot(A[i], x)` and a helper taking a row are reads of a plain array. A write through a row
 * (`A[i][j] = v`) writes the matrix: the passes after the parser know each row's matrix
 * (src/aliases.ts), and the reverse sweep gives a row the row of its matrix's adjoint. Rows are
 * never replaced once made, and never chosen by a branch: what adgen does not follow is refused.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, VarRef } from "../../ir.js";
import { skipParens } from "../syntax.js";
import { LowerArrays } from "./arrays.js";

export abstract class LowerNested extends LowerArrays {
  /** `A[i]` with `A` an array of arrays: row i (a `row` node); undefined for any other element access. */
  protected rowRead(e: ts.ElementAccessExpression, hint?: string): VarRef | undefined {
    const object = skipParens(e.expression);
    let matrix: Atom | undefined;
    if (ts.isIdentifier(object)) matrix = this.lookup(object.text)?.value;
    // `l.W[i]`, a record's field holding an array of arrays.
    else if (ts.isPropertyAccessExpression(object) && this.nestedField(object)) matrix = this.value(object);
    if (matrix?.kind !== "var" || !this.nested.has(matrix.name)) return undefined;
    return this.row(matrix, this.number(e.argumentExpression), e, hint);
  }

  /** Whether `e` (`l.W`, `net.out.W`) names a record's field whose type is an array of arrays. */
  protected abstract nestedField(e: ts.PropertyAccessExpression): boolean;

  /** Row `i` of the array of arrays `matrix`. */
  protected row(matrix: VarRef, i: Atom, at: ts.Node, hint?: string): VarRef {
    const r = this.node("row", [matrix, i], at, hint) as VarRef;
    this.arrays.set(r.name, this.nested.get(matrix.name)!);
    this.rowOf.set(r.name, matrix.name);
    return r;
  }

  /** The array whose memory `name` is part of: a row's matrix, else itself. */
  protected rootArray(name: string): string {
    let r = name;
    for (let k = 0; this.rowOf.has(r) && k < 8; k++) r = this.rowOf.get(r)!;
    return r;
  }

  /** Refuses an array of arrays where a flat array is needed (`what` says where). */
  protected flatArray(a: Atom, at: ts.Node, what: string): void {
    if (a.kind === "var" && this.nested.has(a.name))
      this.fail(
        codes.nestedArray,
        `${what}: '${this.text(at)}' is an array of arrays; pass or loop over its rows ('${this.text(at)}[i]')`,
        at,
      );
  }

  /** Refuses a row or an array of arrays where two names for it would follow (a choice, a return). */
  protected unsharedArray(a: Atom, at: ts.Node, what: string): void {
    if (a.kind !== "var") return;
    const returns = what.endsWith("returns");
    if (this.nested.has(a.name))
      this.fail(
        codes.nestedArray,
        `${what} an array of arrays, which adgen does not follow; ${returns ? "return a number or a flat array" : "index its rows after the choice ('c ? i : j')"}`,
        at,
      );
    if (this.rowOf.has(a.name))
      this.fail(
        codes.nestedArray,
        `${what} a row of an array of arrays, which adgen does not follow; ${returns ? "return a copy ('.slice()')" : "choose the index instead ('A[c ? i : j]')"}`,
        at,
      );
  }
}
