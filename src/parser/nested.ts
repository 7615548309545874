/**
 * Nested differentiation: `grad(g, { wrt })`, `jvp(g)` and `hvp(g)`, imported from adgen and
 * called inside a differentiated function. adgen compiles `g`'s companion (`g_grad`, `g_jvp`,
 * `g_hvp`) as it would for the user, reads the generated module as one more module of the
 * program, and lowers `grad(g)(x, y)` as a call of that companion: a helper returning the record
 * `{ value, grad: { ... } }`, inlined like any helper returning a record. Each level of nesting is
 * then ordinary code with names of its own, so derivatives of different levels cannot be confused.
 * This file reads the request's syntax; src/parser/program.ts makes the companion module.
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError } from "../diagnostics.js";
import type { ModuleScope } from "./module.js";
import { skipParens } from "./syntax.js";

/** The derivative operators adgen differentiates through, and what each generates. */
export type NestedKind = "grad" | "jvp" | "hvp";
const KINDS = new Set<string>(["grad", "jvp", "hvp"]);

/** `grad(g, { wrt: ["y"] })`: which operator, of which function (by its name in `mod`), for which parameters. */
export interface DerivativeRef {
  kind: NestedKind;
  /** The function's name in the module the request is written in. */
  fn: string;
  wrt?: string[];
  /** The module the request is written in (names resolve there). */
  mod: ModuleScope;
}

const fail = (mod: ModuleScope, code: (typeof codes)[keyof typeof codes], message: string, node: ts.Node): never => {
  throw new DiagnosticError(code, message, node.getStart(mod.sf), node.getEnd());
};

/** Which of adgen's derivative operators `callee` names (`grad`, a renamed import, `ad.grad`), if any. */
function operator(callee: ts.Expression, mod: ModuleScope): string | undefined {
  if (ts.isIdentifier(callee)) {
    const b = mod.bindings.get(callee.text);
    return b?.kind === "import" && b.from === "adgen" ? b.imported : undefined;
  }
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    const b = mod.bindings.get(callee.expression.text);
    return b?.kind === "namespace" && b.from === "adgen" ? callee.name.text : undefined;
  }
  return undefined;
}

/**
 * `grad(g)`, `grad(g, { wrt: ["x"] })`, `jvp(g)`: the derivative it asks for; undefined for any
 * other expression. A request adgen cannot differentiate through is a diagnostic naming it.
 */
export function derivativeOf(e: ts.Expression, mod: ModuleScope): DerivativeRef | undefined {
  const inner = skipParens(e);
  if (!ts.isCallExpression(inner)) return undefined;
  const op = operator(inner.expression, mod);
  if (op === undefined) return undefined;
  const shown = inner.expression.getText(mod.sf);
  if (!KINDS.has(op))
    fail(
      mod,
      codes.nestedOperator,
      op === "vjp"
        ? `'${shown}(...)' inside a differentiated function is not supported: differentiate through grad(g) (a function returning a number) or jvp(g)`
        : `'${shown}' is not a derivative operator adgen differentiates through (grad, jvp, hvp)`,
      inner.expression,
    );
  const [target, options, ...rest] = inner.arguments;
  if (!target) return fail(mod, codes.nestedOperator, `'${shown}()' needs the function to differentiate`, inner);
  if (rest.length > 0) fail(mod, codes.nestedOperator, `'${shown}' takes a function and options`, rest[0]!);
  if (!ts.isIdentifier(skipParens(target)))
    fail(
      mod,
      codes.nestedOperator,
      `'${shown}' differentiates a function of the program named by its name; move '${target.getText(mod.sf)}' to a top-level function and pass what it reads as parameters`,
      target,
    );
  const fn = (skipParens(target) as ts.Identifier).text;
  const ref: DerivativeRef = { kind: op as NestedKind, fn, mod };
  if (options) ref.wrt = wrtOption(options, shown, mod);
  return ref;
}

/** `{ wrt: ["x", "y"] }`, written out: the names. */
function wrtOption(options: ts.Expression, shown: string, mod: ModuleScope): string[] {
  const o = skipParens(options);
  const bad = (node: ts.Node): never =>
    fail(
      mod,
      codes.nestedOperator,
      `the options of '${shown}' must be written out, as '{ wrt: ["x", "y"] }': adgen reads them at compile time`,
      node,
    );
  if (!ts.isObjectLiteralExpression(o)) return bad(options);
  let wrt: string[] | undefined;
  for (const p of o.properties) {
    if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name) || p.name.text !== "wrt") return bad(p);
    const list = skipParens(p.initializer);
    if (!ts.isArrayLiteralExpression(list)) return bad(p.initializer);
    wrt = list.elements.map((el) => (ts.isStringLiteral(el) ? el.text : bad(el)));
  }
  return wrt ?? bad(options);
}
