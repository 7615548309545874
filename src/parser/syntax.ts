/**
 * Facts about TypeScript syntax the lowering asks: which operator lowers to which op, what a
 * statement contains (returns, jumps, writes), how to name a construct in a message. Pure
 * functions of the syntax tree, no lowering state.
 */
import { ts } from "ts-morph";
import type { OpName } from "../ir.js";

export const ARRAY_TYPES: Record<string, "Float64Array" | "number[]"> = {
  Float64Array: "Float64Array",
  "number[]": "number[]",
  "Array<number>": "number[]",
  "readonly number[]": "number[]",
  "ReadonlyArray<number>": "number[]",
};

/** Arrays of arrays (src/parser/lower/nested.ts), by how they are written: their rows' kind, and whether any level is readonly. */
export const NESTED_ARRAY_TYPES: Record<string, { rows: "Float64Array" | "number[]"; readonly: boolean }> = {
  "number[][]": { rows: "number[]", readonly: false },
  "(number[])[]": { rows: "number[]", readonly: false },
  "Array<number[]>": { rows: "number[]", readonly: false },
  "Array<Array<number>>": { rows: "number[]", readonly: false },
  "readonly number[][]": { rows: "number[]", readonly: true },
  "(readonly number[])[]": { rows: "number[]", readonly: true },
  "readonly (readonly number[])[]": { rows: "number[]", readonly: true },
  "Array<readonly number[]>": { rows: "number[]", readonly: true },
  "ReadonlyArray<number[]>": { rows: "number[]", readonly: true },
  "ReadonlyArray<readonly number[]>": { rows: "number[]", readonly: true },
  "ReadonlyArray<ReadonlyArray<number>>": { rows: "number[]", readonly: true },
  "Float64Array[]": { rows: "Float64Array", readonly: false },
  "Array<Float64Array>": { rows: "Float64Array", readonly: false },
  "readonly Float64Array[]": { rows: "Float64Array", readonly: true },
  "ReadonlyArray<Float64Array>": { rows: "Float64Array", readonly: true },
};

/** The array types of ARRAY_TYPES that are readonly (a parameter declared so keeps it in generated signatures). */
export const READONLY_ARRAY_TYPES = new Set(["readonly number[]", "ReadonlyArray<number>"]);

export const BINARY_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.PlusToken]: "add",
  [ts.SyntaxKind.MinusToken]: "sub",
  [ts.SyntaxKind.AsteriskToken]: "mul",
  [ts.SyntaxKind.SlashToken]: "div",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "pow",
  [ts.SyntaxKind.PercentToken]: "mod",
};

export const COMPOUND_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.PlusEqualsToken]: "add",
  [ts.SyntaxKind.MinusEqualsToken]: "sub",
  [ts.SyntaxKind.AsteriskEqualsToken]: "mul",
  [ts.SyntaxKind.SlashEqualsToken]: "div",
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken]: "pow",
  [ts.SyntaxKind.PercentEqualsToken]: "mod",
};

export const COMPARISON_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.LessThanToken]: "lt",
  [ts.SyntaxKind.GreaterThanToken]: "gt",
  [ts.SyntaxKind.LessThanEqualsToken]: "le",
  [ts.SyntaxKind.GreaterThanEqualsToken]: "ge",
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "eq",
  [ts.SyntaxKind.EqualsEqualsToken]: "eq",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "ne",
  [ts.SyntaxKind.ExclamationEqualsToken]: "ne",
};

export const LOGICAL_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.AmpersandAmpersandToken]: "and",
  [ts.SyntaxKind.BarBarToken]: "or",
};

/** "ForOfStatement" -> "for...of loop"-like words for messages. */
export function kindName(node: ts.Node): string {
  const special: Partial<Record<ts.SyntaxKind, string>> = {
    [ts.SyntaxKind.ForOfStatement]: "for...of loop",
    [ts.SyntaxKind.ForInStatement]: "for...in loop",
    [ts.SyntaxKind.ForStatement]: "for loop",
    [ts.SyntaxKind.WhileStatement]: "while loop",
    [ts.SyntaxKind.DoStatement]: "do...while loop",
    [ts.SyntaxKind.SwitchStatement]: "switch statement",
    [ts.SyntaxKind.ArrayLiteralExpression]: "array literal",
    [ts.SyntaxKind.ObjectLiteralExpression]: "object literal",
    [ts.SyntaxKind.ElementAccessExpression]: "indexed access (a[i])",
    [ts.SyntaxKind.TypeOfExpression]: "'typeof'",
    [ts.SyntaxKind.VoidExpression]: "'void'",
    [ts.SyntaxKind.DeleteExpression]: "'delete'",
  };
  const s = special[node.kind];
  if (s) return s;
  return ts.SyntaxKind[node.kind]!.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

export function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

export function isIncrement(op: ts.SyntaxKind): boolean {
  return op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken;
}

export function isAssignmentOperator(k: ts.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

export function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** `e` without parentheses, `as`, `satisfies` and `!`: what it is, whatever TypeScript is told of it. */
export const strip = (e: ts.Expression): ts.Expression => {
  let inner = skipParens(e);
  while (ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isNonNullExpression(inner))
    inner = skipParens(inner.expression);
  return inner;
};

/** Whether an expression is syntactically a condition (its value is a boolean). */
export function isConditionSyntax(e: ts.Expression): boolean {
  const inner = skipParens(e);
  if (ts.isBinaryExpression(inner))
    return (
      COMPARISON_OPS[inner.operatorToken.kind] !== undefined || LOGICAL_OPS[inner.operatorToken.kind] !== undefined
    );
  if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression))
    return inner.expression.name.text === "some" || inner.expression.name.text === "every";
  return ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken;
}

/** Whether a node calls a function other than Math's. */
export function callsFunctions(node: ts.Node): boolean {
  const math = (e: ts.Expression) =>
    ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "Math";
  if (ts.isCallExpression(node) && !math(node.expression)) return true;
  return ts.forEachChild(node, (child) => (callsFunctions(child) ? true : undefined)) ?? false;
}

/** Whether a `break` or `continue` for the loop around `node` occurs in it (not in nested loops). */
export function containsJump(node: ts.Node, kind?: "break" | "continue"): boolean {
  if (ts.isBreakStatement(node)) return kind !== "continue";
  if (ts.isContinueStatement(node)) return kind !== "break";
  if (ts.isFunctionLike(node) || ts.isIterationStatement(node, false)) return false;
  return ts.forEachChild(node, (child) => (containsJump(child, kind) ? true : undefined)) ?? false;
}

/**
 * Variables from outside `nodes` that they assign (`=`, `+=`, `++`, ...), resolved by binding: an
 * assignment to a name that a block, `for` or `for...of` inside `nodes` declares (`let`/`const`)
 * writes that inner variable, not the outer one of the same name.
 */
export function assignedOuterNames(nodes: readonly (ts.Node | undefined)[]): Set<string> {
  const names = new Set<string>();
  const declared: Set<string>[] = [];
  const isDeclared = (name: string) => declared.some((scope) => scope.has(name));
  const assign = (target: ts.Expression) => {
    const id = skipParens(target);
    if (ts.isIdentifier(id) && !isDeclared(id.text)) names.add(id.text);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && isAssignmentOperator(n.operatorToken.kind)) assign(n.left);
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && isIncrement(n.operator)) assign(n.operand);
    // `s.push(v)` and `s.pop()` move the counter of a stack (src/parser/lower/stacks.ts).
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const object = skipParens(n.expression.expression);
      const member = n.expression.name.text;
      if (ts.isIdentifier(object) && (member === "push" || member === "pop") && !isDeclared(object.text))
        names.add(stackCounter(object.text));
    }
    // The scopes `let` and `const` declare in: a block (its statements), a for or for...of (all of it).
    let scope: Set<string> | undefined;
    if (ts.isBlock(n) || ts.isSourceFile(n) || ts.isCaseClause(n) || ts.isDefaultClause(n)) {
      scope = new Set();
      for (const st of n.statements)
        if (ts.isVariableStatement(st)) for (const name of declaredNames(st.declarationList)) scope.add(name);
    } else if ((ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n)) && n.initializer) {
      scope = ts.isVariableDeclarationList(n.initializer) ? declaredNames(n.initializer) : undefined;
    }
    if (scope) declared.push(scope);
    ts.forEachChild(n, visit);
    if (scope) declared.pop();
  };
  for (const n of nodes) if (n) visit(n);
  return names;
}

/** The hidden local counting the values on the stack `name` (src/parser/lower/stacks.ts). */
export const stackCounter = (name: string): string => `#top_${name}`;

/** Names declared with let/const anywhere in `node`. */
export function declaredNames(node: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) names.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return names;
}

/** Whether a `return` occurs in a statement (not inside nested functions). */
export function containsReturn(node: ts.Node): boolean {
  if (ts.isReturnStatement(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, (child) => (containsReturn(child) ? true : undefined)) ?? false;
}

/** `Array.from(...)`, by its syntax. */
export function isArrayFrom(e: ts.CallExpression): boolean {
  const callee = e.expression;
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === "from" &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === "Array"
  );
}

/** Statements with no run-time effect: empty statements and type declarations. */
export function isInert(st: ts.Statement): boolean {
  return ts.isEmptyStatement(st) || ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st);
}
