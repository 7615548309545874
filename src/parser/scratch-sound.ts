/**
 * Whether a module-level array of a module adgen generated is used as adgen's scratch arrays are
 * (src/parser/lower/scratch.ts reads such an array as local to each call), asked by
 * src/parser/module.ts when it binds the module's names. Syntax only.
 */
import { ts } from "ts-morph";
import { strip } from "./syntax.js";

/** What a function of the module does to a scratch array, in order: element reads and writes, calls. */
type ScratchEvent = { kind: "read" | "write"; index: number } | { kind: "call"; callee: string; conditional: boolean };

/**
 * Whether the module-level `const name = new Float64Array(size)` of the generated module `sf` is
 * used as adgen's scratch arrays are, so that reading it as an array local to each call is exact:
 * named only as `name[k]` (a literal index below `size`, directly or through `const s = name`),
 * at the top level of a function's body (not in a loop, a branch, `?:`, `&&`, a callback), every
 * element written before it is read in the same call, starting from any function a caller may call
 * (an exported one, or one used as a value), through the module's functions it calls (each call
 * of one that uses the array at the top level too), none of which returns before its end.
 * A module with adgen's header whose array keeps state from one call to the next, or reads an
 * element before writing it, fails this: its array is then module state, refused as such.
 */
export function scratchSound(sf: ts.SourceFile, name: string, size: number): boolean {
  const functions = new Map<string, ts.FunctionDeclaration>();
  for (const s of sf.statements) if (ts.isFunctionDeclaration(s) && s.name && s.body) functions.set(s.name.text, s);
  const events = new Map<string, ScratchEvent[]>();
  const roots = new Set<string>();
  /** Functions that may return before their last statement. */
  const early = new Set<string>();
  let sound = true;
  const fail = (): void => {
    sound = false;
  };

  /** Whether `node`, inside the top-level statement `st` of a function, runs whenever `st` does. */
  const unconditional = (node: ts.Node, st: ts.Statement): boolean => {
    for (let a: ts.Node = node; a !== st.parent; a = a.parent) {
      if (a !== node && (ts.isFunctionLike(a) || ts.isIterationStatement(a, false) || ts.isIfStatement(a)))
        return false;
      if (ts.isSwitchStatement(a) || ts.isTryStatement(a) || ts.isConditionalExpression(a)) return false;
      if (ts.isLabeledStatement(a) || ts.isCaseClause(a) || ts.isDefaultClause(a)) return false;
      if (ts.isBinaryExpression(a)) {
        const k = a.operatorToken.kind;
        if (
          k === ts.SyntaxKind.AmpersandAmpersandToken ||
          k === ts.SyntaxKind.BarBarToken ||
          k === ts.SyntaxKind.QuestionQuestionToken ||
          k === ts.SyntaxKind.AmpersandAmpersandEqualsToken ||
          k === ts.SyntaxKind.BarBarEqualsToken ||
          k === ts.SyntaxKind.QuestionQuestionEqualsToken
        )
          return false;
      }
      if (
        (ts.isCallExpression(a) || ts.isPropertyAccessExpression(a) || ts.isElementAccessExpression(a)) &&
        a.questionDotToken
      )
        return false;
    }
    return true;
  };

  // Only functions whose text names the array or a function that may use it need a walk (a
  // split module's other functions are large): a superset, by text, of those that use it.
  const texts = new Map([...functions].map(([f, d]) => [f, d.getText(sf)] as const));
  const mayUse = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const [f, text] of texts)
      if (!mayUse.has(f) && (text.includes(name) || [...mayUse].some((u) => text.includes(u)))) {
        mayUse.add(f);
        grew = true;
      }
  }
  for (const [fname, decl] of functions) {
    if (!mayUse.has(fname)) {
      events.set(fname, []);
      continue;
    }
    const list: ScratchEvent[] = [];
    const aliases = new Set<string>();
    const statements = decl.body!.statements;
    statements.forEach((st, at) => {
      if (ts.isVariableStatement(st) && st.declarationList.flags & ts.NodeFlags.Const) {
        const [d, ...more] = st.declarationList.declarations;
        const init = d?.initializer && strip(d.initializer);
        if (d && more.length === 0 && ts.isIdentifier(d.name) && init && ts.isIdentifier(init) && init.text === name) {
          aliases.add(d.name.text);
          return;
        }
      }
      const reads: ScratchEvent[] = [];
      const writes: ScratchEvent[] = [];
      const visit = (n: ts.Node): void => {
        // Only the last statement may return: a return before it would skip what follows.
        if (ts.isReturnStatement(n) && (st !== n || at !== statements.length - 1) && !inCallback(n, decl))
          early.add(fname);
        if (ts.isIdentifier(n) && (n.text === name || aliases.has(n.text))) {
          const p = n.parent;
          const literal =
            ts.isElementAccessExpression(p) &&
            p.expression === n &&
            ts.isNumericLiteral(p.argumentExpression) &&
            /^\d+$/.test(p.argumentExpression.text) &&
            Number(p.argumentExpression.text) < size;
          if (!literal || !unconditional(p, st)) return fail();
          const index = Number((p.argumentExpression as ts.NumericLiteral).text);
          const q = p.parent;
          if (ts.isBinaryExpression(q) && q.left === p) {
            if (q.operatorToken.kind !== ts.SyntaxKind.EqualsToken || q.parent !== st) return fail();
            writes.push({ kind: "write", index });
          } else if (ts.isPrefixUnaryExpression(q) || ts.isPostfixUnaryExpression(q) || ts.isDeleteExpression(q)) {
            return fail();
          } else reads.push({ kind: "read", index });
          return;
        }
        if (ts.isIdentifier(n) && functions.has(n.text) && !ts.isFunctionDeclaration(n.parent)) {
          const call = ts.isCallExpression(n.parent) && n.parent.expression === n ? n.parent : undefined;
          if (!call) roots.add(n.text);
        }
        ts.forEachChild(n, visit);
        // A call runs after its arguments.
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && functions.has(n.expression.text))
          reads.push({ kind: "call", callee: n.expression.text, conditional: !unconditional(n, st) });
      };
      visit(st);
      list.push(...reads, ...writes);
    });
    events.set(fname, list);
    if (hasExport(decl)) roots.add(fname);
  }
  // Outside the module's functions, the array is named only where it is declared.
  const outside = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n) && n.name && functions.get(n.name.text) === n) return;
    if (ts.isIdentifier(n) && n.text === name && !(ts.isVariableDeclaration(n.parent) && n.parent.name === n)) fail();
    if (ts.isIdentifier(n) && functions.has(n.text) && !ts.isFunctionDeclaration(n.parent)) roots.add(n.text);
    ts.forEachChild(n, outside);
  };
  outside(sf);
  if (!sound) return false;

  // The functions that use the array, directly or through the module's functions they call.
  const uses = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const [fname, list] of events)
      if (!uses.has(fname) && list.some((e) => e.kind !== "call" || uses.has(e.callee))) {
        uses.add(fname);
        grew = true;
      }
  }
  const run = (fname: string, written: Set<number>, stack: readonly string[]): Set<number> | undefined => {
    if (stack.includes(fname) || early.has(fname)) return undefined;
    for (const e of events.get(fname) ?? []) {
      if (e.kind === "read" && !written.has(e.index)) return undefined;
      if (e.kind === "write") written.add(e.index);
      if (e.kind === "call" && uses.has(e.callee)) {
        if (e.conditional) return undefined;
        const after = run(e.callee, written, [...stack, fname]);
        if (!after) return undefined;
        written = after;
      }
    }
    return written;
  };
  for (const r of roots) if (uses.has(r) && !run(r, new Set(), [])) return false;
  return true;
}

/** Whether `n` is inside a function nested in `decl`. */
const inCallback = (n: ts.Node, decl: ts.Node): boolean => {
  for (let a = n.parent; a !== decl; a = a.parent) if (ts.isFunctionLike(a)) return true;
  return false;
};

const hasExport = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
