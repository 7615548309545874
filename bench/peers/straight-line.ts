/**
 * Reads a straight-line scalar function (the benchmark's scalar cases) into a small expression
 * DAG, so that the peers can rebuild the same function in their own terms: tfjs as a chain of
 * tensor ops, mathjs as one expression. Only what the scalar cases use is accepted: number
 * parameters, module-level numeric constants, `const` locals, `+ - * / **`, unary minus,
 * `Math` functions and adgen's sigmoid gate.
 */
import { ts } from "ts-morph";

export type Node =
  | { kind: "num"; value: number }
  | { kind: "param"; name: string }
  | { kind: "op"; op: string; args: Node[]; id: number };

export interface StraightLine {
  params: string[];
  result: Node;
  /** Every op node, in evaluation order (operands before users). */
  order: Extract<Node, { kind: "op" }>[];
}

const BINARY: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusToken]: "add",
  [ts.SyntaxKind.MinusToken]: "sub",
  [ts.SyntaxKind.AsteriskToken]: "mul",
  [ts.SyntaxKind.SlashToken]: "div",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "pow",
};

/** Math functions and gates the peers know, by their name here. */
export const UNARY = new Set(["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "abs", "sigmoid"]);

export function readStraightLine(source: string, fnName: string): StraightLine {
  const sf = ts.createSourceFile("case.ts", source, ts.ScriptTarget.ES2022, true);
  const constants = new Map<string, number>();
  let fn: ts.FunctionDeclaration | undefined;
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name?.text === fnName) fn = st;
    if (ts.isVariableStatement(st))
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.initializer && ts.isNumericLiteral(d.initializer))
          constants.set(d.name.text, Number(d.initializer.text));
  }
  if (!fn?.body) throw new Error(`no function '${fnName}'`);

  const params = fn.parameters.map((p) => (p.name as ts.Identifier).text);
  const scope = new Map<string, Node>(params.map((name) => [name, { kind: "param", name }]));
  const order: Extract<Node, { kind: "op" }>[] = [];
  const op = (name: string, args: Node[]): Node => {
    const n = { kind: "op" as const, op: name, args, id: order.length };
    order.push(n);
    return n;
  };
  const fail = (n: ts.Node): never => {
    throw new Error(`not a straight-line scalar expression: ${n.getText(sf)}`);
  };

  const expr = (e: ts.Expression): Node => {
    if (ts.isNumericLiteral(e)) return { kind: "num", value: Number(e.text) };
    if (ts.isParenthesizedExpression(e)) return expr(e.expression);
    if (ts.isIdentifier(e)) {
      const local = scope.get(e.text);
      if (local) return local;
      const c = constants.get(e.text);
      if (c !== undefined) return { kind: "num", value: c };
      return fail(e);
    }
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
      const x = expr(e.operand);
      return x.kind === "num" ? { kind: "num", value: -x.value } : op("neg", [x]);
    }
    if (ts.isBinaryExpression(e)) {
      const name = BINARY[e.operatorToken.kind];
      if (!name) return fail(e);
      return op(name, [expr(e.left), expr(e.right)]);
    }
    if (ts.isCallExpression(e)) {
      const callee = e.expression;
      const name = ts.isPropertyAccessExpression(callee)
        ? ts.isIdentifier(callee.expression) && callee.expression.text === "Math"
          ? callee.name.text
          : undefined
        : ts.isIdentifier(callee)
          ? callee.text
          : undefined;
      if (!name || !UNARY.has(name) || e.arguments.length !== 1) return fail(e);
      return op(name, [expr(e.arguments[0]!)]);
    }
    return fail(e);
  };

  let result: Node | undefined;
  for (const st of fn.body.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.initializer) fail(d);
        scope.set((d.name as ts.Identifier).text, expr(d.initializer!));
      }
    } else if (ts.isReturnStatement(st) && st.expression) {
      result = expr(st.expression);
      break;
    } else fail(st);
  }
  if (!result) throw new Error(`'${fnName}' has no return`);
  return { params, result, order };
}

/** Size of the expression tree once every shared value is written out in place (may be huge). */
export function inlinedSize(line: StraightLine): number {
  const size = new Map<number, number>();
  const of = (n: Node): number => (n.kind === "op" ? size.get(n.id)! : 1);
  for (const n of line.order) size.set(n.id, 1 + n.args.reduce((s, a) => s + of(a), 0));
  return of(line.result);
}
