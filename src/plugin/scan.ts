/**
 * Finds the `grad(f)` / `grad(f, { wrt })` calls (and `vjp(f)`, `jvp(f)`, `hvp(f)`, `hessian(f)`, `hessianDiag(f)`,
 * `jacobian(f)`, each with or without options) of a module, and what each `f` is: a top-level
 * function of the module, a binding imported from a relative module, or something the plugin
 * cannot see (left to the runtime `grad`). Names are resolved with TypeScript's binder, so a local
 * variable that shadows `grad` or `f` is not mistaken for it.
 */
import { ts } from "ts-morph";
import { API_NAMES, type ApiName } from "../runtime/modes.js";

/** The package whose `grad` the plugin replaces. */
export const PACKAGE = "adgen";
/** Functions of `adgen` that take a function and return its companion: `f_grad`, `f_vjp`, `f_jvp`, ... */
const TRANSFORMS = new Set<string>(API_NAMES);

export type Mode = ApiName;

/** What `f` in `grad(f)` refers to. */
export type Target =
  | { kind: "local"; name: string }
  | { kind: "import"; specifier: string; name: string }
  | { kind: "unknown"; reason: string };

export interface Span {
  start: number;
  end: number;
}

export interface GradCall extends Span {
  /** The local binding called: `grad`, `vjp`, an alias, or the namespace. */
  callee: string;
  /** Which of adgen's functions is called. */
  mode: Mode;
  target: Target;
  /** The literal `wrt` list, if given. */
  wrt?: string[];
  /** Why the call's arguments cannot be compiled at build time; the call is an error then. */
  problem?: Span & { message: string };
}

/** An `import ... from "adgen"` statement, and which of its bindings are `grad`-like. */
export interface AdgenImport extends Span {
  /** Its default binding's name, if any. */
  defaultName?: string;
  /** Its other named bindings, as written (`compile`, `type Diagnostic`, `version as v`). */
  named: string[];
  /** The `grad`-like bindings: named imports (`grad`, `grad as g`), or a namespace (`* as ad`). */
  transforms: Transform[];
}

export interface Transform {
  /** The local name. */
  local: string;
  /** Written as it is in the import (`grad as g`). */
  text: string;
  namespace: boolean;
  /** The imported name (`grad`, `vjp`, `jvp`, ...), for named imports. */
  imported?: Mode;
  symbol?: ts.Symbol | undefined;
}

export interface ModuleScan {
  calls: GradCall[];
  imports: AdgenImport[];
  /** Per `grad`-like binding: how many references it has outside its import and the calls found. */
  otherUses: Map<string, number>;
}

const SCRIPT_KINDS: Record<string, ts.ScriptKind> = {
  ".ts": ts.ScriptKind.TS,
  ".mts": ts.ScriptKind.TS,
  ".cts": ts.ScriptKind.TS,
  ".tsx": ts.ScriptKind.TSX,
  ".jsx": ts.ScriptKind.JSX,
  ".js": ts.ScriptKind.JS,
  ".mjs": ts.ScriptKind.JS,
  ".cjs": ts.ScriptKind.JS,
};

export function parseModule(code: string, file: string): ts.SourceFile {
  const ext = /\.[cm]?[jt]sx?$/.exec(file)?.[0] ?? ".ts";
  const kind = SCRIPT_KINDS[ext] ?? ts.ScriptKind.TS;
  return ts.createSourceFile(`/module${ext}`, code, ts.ScriptTarget.Latest, true, kind);
}

/** A type checker over this one file: enough to bind names, with nothing else loaded. */
function checkerFor(sf: ts.SourceFile): ts.TypeChecker {
  const host: ts.CompilerHost = {
    getSourceFile: (name) => (name === sf.fileName ? sf : undefined),
    getDefaultLibFileName: () => "/lib.d.ts",
    writeFile: () => {},
    getCurrentDirectory: () => "/",
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (f) => f === sf.fileName,
    readFile: () => undefined,
  };
  const options: ts.CompilerOptions = { noLib: true, noResolve: true, allowJs: true, types: [] };
  return ts.createProgram([sf.fileName], options, host).getTypeChecker();
}

export function scanModule(sf: ts.SourceFile): ModuleScan {
  const imports = adgenImports(sf);
  const calls: GradCall[] = [];
  const otherUses = new Map<string, number>();
  if (imports.length === 0) return { calls, imports, otherUses };

  const checker = checkerFor(sf);
  for (const imp of imports) for (const t of imp.transforms) t.symbol = symbolOf(checker, imp, t.local, sf);
  const bySymbol = new Map(imports.flatMap((i) => i.transforms).map((t) => [t.symbol, t]));
  const locals = new Set(imports.flatMap((i) => i.transforms).map((t) => t.local));
  const calleeNodes = new Set<ts.Node>();

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const binding = transformCallee(node.expression, checker, bySymbol);
      if (binding) {
        calleeNodes.add(node.expression);
        calls.push(gradCall(node, binding.transform.local, binding.mode, checker, sf));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  // Any other reference keeps the import (the runtime `grad` serves it).
  const count = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && locals.has(node.text) && !insideImport(node) && !isInside(node, calleeNodes)) {
      const t = bySymbol.get(referencedSymbol(checker, node));
      if (t) otherUses.set(t.local, (otherUses.get(t.local) ?? 0) + 1);
    }
    ts.forEachChild(node, count);
  };
  count(sf);
  return { calls, imports, otherUses };
}

function adgenImports(sf: ts.SourceFile): AdgenImport[] {
  const out: AdgenImport[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== PACKAGE)
      continue;
    const clause = st.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const named: string[] = [];
    const transforms: Transform[] = [];
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) transforms.push({ local: nb.name.text, text: nb.getText(sf), namespace: true });
    if (nb && ts.isNamedImports(nb))
      for (const el of nb.elements) {
        const imported = (el.propertyName ?? el.name).text;
        if (!el.isTypeOnly && TRANSFORMS.has(imported))
          transforms.push({ local: el.name.text, text: el.getText(sf), namespace: false, imported: imported as Mode });
        else named.push(el.getText(sf));
      }
    if (transforms.length === 0) continue;
    out.push({
      start: st.getStart(sf),
      end: st.end,
      ...(clause.name ? { defaultName: clause.name.text } : {}),
      named,
      transforms,
    });
  }
  return out;
}

/** The symbol an identifier refers to, seeing through `{ grad }` and `export { grad }`. */
function referencedSymbol(checker: ts.TypeChecker, node: ts.Identifier): ts.Symbol | undefined {
  const parent = node.parent;
  if (ts.isShorthandPropertyAssignment(parent)) return checker.getShorthandAssignmentValueSymbol(parent);
  if (ts.isExportSpecifier(parent)) return checker.getExportSpecifierLocalTargetSymbol(parent);
  return checker.getSymbolAtLocation(node);
}

function symbolOf(checker: ts.TypeChecker, imp: AdgenImport, local: string, sf: ts.SourceFile): ts.Symbol | undefined {
  let found: ts.Symbol | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === local && node.getStart(sf) >= imp.start && node.end <= imp.end)
      found = checker.getSymbolAtLocation(node);
    else ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The `grad`-like binding a call's callee refers to: `grad(...)`, or `ns.grad(...)` for `import * as ns`. */
function transformCallee(
  callee: ts.Expression,
  checker: ts.TypeChecker,
  bySymbol: Map<ts.Symbol | undefined, Transform>,
): { transform: Transform; mode: Mode } | undefined {
  if (ts.isIdentifier(callee)) {
    const t = bySymbol.get(checker.getSymbolAtLocation(callee));
    return t && !t.namespace ? { transform: t, mode: t.imported ?? "grad" } : undefined;
  }
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && TRANSFORMS.has(callee.name.text)) {
    const t = bySymbol.get(checker.getSymbolAtLocation(callee.expression));
    return t?.namespace ? { transform: t, mode: callee.name.text as Mode } : undefined;
  }
  return undefined;
}

function gradCall(
  node: ts.CallExpression,
  callee: string,
  mode: Mode,
  checker: ts.TypeChecker,
  sf: ts.SourceFile,
): GradCall {
  const span = { start: node.getStart(sf), end: node.end };
  const [f, options, ...rest] = node.arguments;
  const problem = (n: ts.Node, message: string) => ({ start: n.getStart(sf), end: n.end, message });
  if (!f)
    return {
      ...span,
      callee,
      mode,
      target: { kind: "unknown", reason: "no function" },
      problem: problem(node, `${mode}() needs a function to differentiate`),
    };
  const call: GradCall = { ...span, callee, mode, target: targetOf(f, checker, sf) };
  if (rest.length > 0)
    call.problem = problem(rest[0]!, `${mode}() takes a function and an options object, nothing more`);
  else if (options) {
    const wrt = literalWrt(options, mode);
    if (typeof wrt === "string") call.problem = problem(options, wrt);
    else if (wrt) call.wrt = wrt;
  }
  return call;
}

/** `{ wrt: ["a", "b"] }` (possibly `as const`), or a message saying what is not literal. */
function literalWrt(options: ts.Expression, mode: Mode): string[] | undefined | string {
  const bad = `${mode}()'s options must be written out for the build-time compiler, as in ${mode}(f, { wrt: ["w", "b"] })`;
  const obj = unwrap(options);
  if (!ts.isObjectLiteralExpression(obj)) return bad;
  let wrt: string[] | undefined;
  for (const p of obj.properties) {
    if (!ts.isPropertyAssignment(p) || propertyName(p.name) !== "wrt") return bad;
    const list = unwrap(p.initializer);
    if (!ts.isArrayLiteralExpression(list)) return bad;
    wrt = [];
    for (const el of list.elements) {
      const e = unwrap(el);
      if (!ts.isStringLiteral(e) && !ts.isNoSubstitutionTemplateLiteral(e)) return bad;
      wrt.push(e.text);
    }
  }
  return wrt;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

function unwrap(e: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isTypeAssertionExpression(e)
  )
    e = e.expression;
  return e;
}

function targetOf(f: ts.Expression, checker: ts.TypeChecker, sf: ts.SourceFile): Target {
  const e = unwrap(f);
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const decl = checker.getSymbolAtLocation(e.expression)?.declarations?.[0];
    if (decl && ts.isNamespaceImport(decl)) {
      const specifier = moduleOf(decl);
      if (specifier && isRelative(specifier)) return { kind: "import", specifier, name: e.name.text };
    }
    return { kind: "unknown", reason: `'${e.getText(sf)}' is not a function of this module or of a relative import` };
  }
  if (!ts.isIdentifier(e)) return { kind: "unknown", reason: `'${e.getText(sf)}' is not a named function` };
  const symbol = checker.getSymbolAtLocation(e);
  const decl = symbol?.declarations?.[0];
  const where = `'${e.text}' is not a top-level function of this module or a binding of a relative import`;
  if (!decl) return { kind: "unknown", reason: where };
  if (ts.isImportSpecifier(decl) || ts.isImportClause(decl)) {
    const specifier = moduleOf(decl);
    if (!specifier || !isRelative(specifier))
      return { kind: "unknown", reason: `'${e.text}' is imported from '${specifier}', not a relative module` };
    const name = ts.isImportClause(decl) ? "default" : (decl.propertyName ?? decl.name).text;
    return { kind: "import", specifier, name };
  }
  if (ts.isFunctionDeclaration(decl) && decl.parent === sf && decl.name && decl.body)
    return { kind: "local", name: decl.name.text };
  if (
    ts.isVariableDeclaration(decl) &&
    ts.isIdentifier(decl.name) &&
    decl.parent.flags & ts.NodeFlags.Const &&
    decl.parent.parent.parent === sf &&
    decl.initializer &&
    (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer))
  )
    return { kind: "local", name: decl.name.text };
  return { kind: "unknown", reason: where };
}

function moduleOf(decl: ts.Node): string | undefined {
  let n: ts.Node | undefined = decl;
  while (n && !ts.isImportDeclaration(n)) n = n.parent;
  return n && ts.isStringLiteral(n.moduleSpecifier) ? n.moduleSpecifier.text : undefined;
}

export function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../");
}

function insideImport(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (ts.isImportDeclaration(n)) return true;
  return false;
}

function isInside(node: ts.Node, set: Set<ts.Node>): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (set.has(n)) return true;
  return false;
}
