/**
 * The companion's source map: each line of the generated function points at the statement of `f`
 * it comes from. The compiler keeps the user's names (`s0`, `grad_s0`, SSA versions `x_1`,
 * temporaries `t1`), so a line is matched to the statement that defines its name: `const L = ...`
 * and `const grad_L = ...` both to `const L = ...`, a temporary to the statement that uses it,
 * `return { value, grad }` to `f`'s return, anything else to `f` itself.
 */
import { encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";
import { ts } from "ts-morph";

export interface SourceMap {
  version: 3;
  sources: string[];
  sourcesContent: string[];
  names: string[];
  mappings: string;
}

type FunctionNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/** `name`: the companion's name in `code` (`f_grad` or `f_vjp`). */
export function companionMap(
  code: string,
  name: string,
  text: string,
  file: string,
  fn: FunctionNode,
  sf: ts.SourceFile,
): SourceMap {
  const definitions = definitionsIn(fn, sf);
  const start = fn.parent && ts.isVariableDeclaration(fn.parent) ? fn.parent.getStart(sf) : fn.getStart(sf);
  const returned = returnOf(fn, sf) ?? start;

  const named = (name: string): number | undefined => {
    const defs = definitions.get(name);
    if (defs) return defs[0];
    const version = /^(.*)_(\d+)$/.exec(name);
    const base = version && definitions.get(version[1]!);
    if (base) return base[Math.min(Number(version![2]), base.length - 1)];
    return undefined;
  };

  const lines = code.split("\n");
  const header = lines.findIndex((l) => l.startsWith(`export function ${name}(`));
  const end = header < 0 ? -1 : lines.findIndex((l, i) => i > header && l === "}");
  // Forward names that match nothing (temporaries) belong to the next statement that does.
  const forward = new Map<string, number | undefined>();
  for (let i = header + 1; header >= 0 && i < end; i++) {
    const m = /^\s*const ([\w$]+) = /.exec(lines[i]!);
    if (m && !m[1]!.startsWith("grad_")) forward.set(m[1]!, named(m[1]!));
  }
  let next = returned;
  for (const name of [...forward.keys()].reverse()) {
    const pos = forward.get(name);
    if (pos === undefined) forward.set(name, next);
    else next = pos;
  }
  const position = (name: string) => forward.get(name) ?? named(name);

  const segments: SourceMapSegment[][] = lines.map((line, i) => {
    if (header < 0 || i < header || i > end) return [];
    let offset: number | undefined;
    if (i === header || i === end) offset = start;
    else if (/^\s*return\b/.test(line)) offset = returned;
    else {
      const m = /^\s*const (grad_)?([\w$]+) = /.exec(line);
      if (m) offset = position(m[2]!);
    }
    if (offset === undefined) offset = line.trim() ? start : undefined;
    if (offset === undefined) return [];
    const { line: l, character } = sf.getLineAndCharacterOfPosition(offset);
    return [[0, 0, l, character]];
  });
  return { version: 3, sources: [file], sourcesContent: [text], names: [], mappings: encode(segments) };
}

/** Where each name of `fn` is defined, in source order: parameters, declarations, assignments. */
function definitionsIn(fn: FunctionNode, sf: ts.SourceFile): Map<string, number[]> {
  const defs = new Map<string, number[]>();
  const add = (name: string, at: ts.Node) => {
    const list = defs.get(name) ?? [];
    list.push(statementOf(at).getStart(sf));
    defs.set(name, list);
  };
  for (const p of fn.parameters) if (ts.isIdentifier(p.name)) add(p.name.text, p);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && node !== fn) return;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) add(node.name.text, node);
    else if (ts.isBinaryExpression(node) && isAssignment(node.operatorToken.kind) && ts.isIdentifier(node.left))
      add(node.left.text, node);
    else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken) &&
      ts.isIdentifier(node.operand)
    )
      add(node.operand.text, node);
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return defs;
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** The statement (or parameter) a node belongs to. */
function statementOf(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && !ts.isStatement(n) && !ts.isParameter(n) && !ts.isBlock(n.parent)) n = n.parent;
  return n;
}

/** The last `return` of `fn`, or an arrow function's expression body. */
function returnOf(fn: FunctionNode, sf: ts.SourceFile): number | undefined {
  if (fn.body && !ts.isBlock(fn.body)) return fn.body.getStart(sf);
  let found: number | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && node !== fn) return;
    if (ts.isReturnStatement(node)) found = node.getStart(sf);
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}
