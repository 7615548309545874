/**
 * What helpers and loops write of records, for the inlining of helpers (src/parser/lower/record-calls.ts):
 * whether a helper writes its record parameter, which records a loop writes (so that their fields
 * are carried), and the copy back of a helper's writes into the caller's record.
 */
import { ts } from "ts-morph";
import type { Atom } from "../../ir.js";
import { isGenerated } from "../module.js";
import { isIncrement } from "../syntax.js";
import type { RecordType } from "./record-types.js";
import { LowerOptionalFields } from "./optional-fields.js";
import { isRecord, strip, type RecordValue } from "./records.js";
import { sameAtom } from "./state.js";
import { literalIndex } from "./tuple-types.js";

/** `p[0]`: an element access with a literal index, as a tuple's element is written. */
const isTupleElement = (e: ts.Expression): e is ts.ElementAccessExpression =>
  ts.isElementAccessExpression(e) && literalIndex(e.argumentExpression) !== undefined;

export abstract class LowerRecordWrites extends LowerOptionalFields {
  /** A record of type `t` from its leaves' atoms, in the order of `leaves(t)`. */
  protected fromLeaves(t: RecordType, atoms: readonly Atom[]): RecordValue {
    const rest = [...atoms];
    const build = (t: RecordType): RecordValue => ({
      kind: "record",
      type: t,
      fields: new Map(t.fields.map((f) => [f.name, f.type.kind === "record" ? build(f.type) : rest.shift()!])),
    });
    return build(t);
  }

  /** The fields a helper wrote into its parameter, written back into the caller's record. */
  protected copyOut(key: string, v: RecordValue, at: ts.Node): void {
    for (const [name, f] of v.fields) {
      const k = `${key}.${name}`;
      if (isRecord(f)) {
        this.copyOut(k, f, at);
        continue;
      }
      const local = this.lookup(k)!;
      if (sameAtom(local.value, f)) continue;
      this.checkWrite(k, at);
      local.value = f;
    }
  }

  /**
   * Whether `fn` may write the fields of its record `name`: assigns them, or passes it to a call
   * (in a module adgen generated, to a function of the module that writes it: an f_jvp passes its
   * tangents to its kernel, src/simplify/jvp-kernel.ts, which only reads them).
   */
  protected mutates(fn: ts.Node, name: string): boolean {
    let found = false;
    const rooted = (e: ts.Expression): boolean => {
      const inner = strip(e);
      if (ts.isIdentifier(inner)) return inner.text === name;
      return (ts.isPropertyAccessExpression(inner) || isTupleElement(inner)) && rooted(inner.expression);
    };
    const visit = (n: ts.Node): void => {
      if (found) return;
      const target =
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        n.operatorToken.kind <= ts.SyntaxKind.LastAssignment
          ? n.left
          : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && isIncrement(n.operator)
            ? n.operand
            : undefined;
      const t = target && strip(target);
      if (t && (ts.isPropertyAccessExpression(t) || isTupleElement(t)) && rooted(t.expression)) found = true;
      if (ts.isCallExpression(n) && n.arguments.some((a, i) => rooted(a) && this.callWrites(n, i, fn))) found = true;
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(fn, visit);
    return found;
  }

  /**
   * Whether the call `n` in `fn` may write what it gets as argument `i`: yes, unless `fn` is in a
   * module adgen generated and `n` calls a function declared there that does not write that parameter.
   */
  private callWrites(n: ts.CallExpression, i: number, fn: ts.Node): boolean {
    const sf = fn.getSourceFile();
    if (!isGenerated(sf) || !ts.isIdentifier(n.expression)) return true;
    const callee = n.expression.text;
    const decl = sf.statements.find(
      (s): s is ts.FunctionDeclaration =>
        ts.isFunctionDeclaration(s) && s.name?.text === callee && s.body !== undefined,
    );
    const p = decl?.parameters[i];
    if (!decl || !p || !ts.isIdentifier(p.name) || this.callersOf.has(decl)) return true;
    this.callersOf.add(decl);
    try {
      return this.mutates(decl, p.name.text);
    } finally {
      this.callersOf.delete(decl);
    }
  }

  /** The functions `callWrites` is looking into, so that a cycle of calls counts as a write. */
  private readonly callersOf = new Set<ts.Node>();

  /** The records (by their root local) a loop writes: fields, wholly, or through a helper that writes its parameter. */
  protected writtenRecords(nodes: readonly (ts.Node | undefined)[]): Set<string> {
    const roots = new Set<string>();
    const root = (e: ts.Expression): string | undefined => {
      const inner = strip(e);
      if (ts.isIdentifier(inner)) return this.lookup(inner.text)?.record ? inner.text : undefined;
      return ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner)
        ? root(inner.expression)
        : undefined;
    };
    const visit = (n: ts.Node): void => {
      const target =
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        n.operatorToken.kind <= ts.SyntaxKind.LastAssignment
          ? n.left
          : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && isIncrement(n.operator)
            ? n.operand
            : undefined;
      const r =
        target && (!ts.isElementAccessExpression(strip(target)) || isTupleElement(strip(target)))
          ? root(target)
          : undefined;
      if (r) roots.add(r);
      if (ts.isCallExpression(n)) {
        const src = this.recordCallee(n);
        if (src)
          n.arguments.forEach((a, i) => {
            const p = src.fn.node.parameters[i];
            const r = root(a);
            if (r && p && ts.isIdentifier(p.name) && this.mutates(src.fn.node, p.name.text)) roots.add(r);
          });
      }
      ts.forEachChild(n, visit);
    };
    for (const n of nodes) if (n) visit(n);
    return roots;
  }
}
