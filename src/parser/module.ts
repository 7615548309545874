/**
 * The module-level view the lowering needs: what each top-level name is (a gate, an import, a
 * function, a numeric constant, mutable state), and which functions to differentiate.
 */
import { ts } from "ts-morph";
import { GATES_MODULE } from "../conventions.js";

/** The package specifier of adgen's gate library. */
/** Modules `gate` may be imported from. */
const GATE_DEFINERS = new Set([GATES_MODULE, "adgen"]);

export type FunctionNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;

/** A function to lower. */
export interface FunctionSource {
  /** Its name (the companion's name is derived from it). */
  name: string;
  node: FunctionNode;
  /** The node that names it, for diagnostics about the whole function. */
  nameNode: ts.Node;
}

/** What a top-level name means inside a differentiated function. */
export type ModuleBinding =
  | { kind: "import"; from: string; imported: string; node: ts.Node }
  | { kind: "namespace"; from: string; node: ts.Node }
  | { kind: "function"; fn: FunctionSource }
  | { kind: "gate"; name: string; spec: ts.ObjectLiteralExpression; nameNode: ts.Node }
  | { kind: "gateDefiner" }
  /** A `const` computed from numbers alone (`0.5`, `Math.PI / 6`, `N * HALF + 1`): see `constantSyntax`. */
  | { kind: "constant"; name: string; init: ts.Expression; nameNode: ts.Identifier }
  | { kind: "mutable"; keyword: string };

/** One parsed module. */
export interface ModuleScope {
  /** Path of the file, as adgen names it in messages. */
  file: string;
  sf: ts.SourceFile;
  bindings: Map<string, ModuleBinding>;
  /** Exported names -> local names. */
  exports: Map<string, string>;
  /** Functions to differentiate when this is the compiled file: the exported ones, or every
   * top-level one if none is exported. */
  functions: FunctionSource[];
  /** How this module names adgen's `Data` type (`Data`, a renamed import, `ns.Data`). */
  dataTypes: Set<string>;
  /** A module adgen generated for a derivative request (`grad(g)` read as `g_grad`): how the request reads. */
  companionOf?: string;
}

/**
 * `Data<T>` on a parameter (with `Data` imported from adgen, under any name): the parameter is
 * data and gets no gradient. Returns `T`'s node, or undefined for any other type.
 */
export function dataArgument(mod: ModuleScope, type: ts.TypeNode | undefined): ts.TypeNode | undefined {
  if (!type || !ts.isTypeReferenceNode(type) || !mod.dataTypes.has(type.typeName.getText(mod.sf))) return undefined;
  return type.typeArguments?.length === 1 ? type.typeArguments[0] : undefined;
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

function isFunctionInitializer(e: ts.Expression | undefined): e is ts.ArrowFunction | ts.FunctionExpression {
  return e !== undefined && (ts.isArrowFunction(e) || ts.isFunctionExpression(e));
}

/**
 * Whether a top-level `const`'s initializer is, syntactically, a number computed from numbers:
 * literals, arithmetic, `Math` constants and calls, and names (other constants, checked when the
 * constant is used). Such constants may be read by differentiated functions.
 */
function constantSyntax(e: ts.Expression | undefined): boolean {
  if (!e) return false;
  if (ts.isNumericLiteral(e) || ts.isIdentifier(e)) return true;
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e))
    return constantSyntax(e.expression);
  if (ts.isPrefixUnaryExpression(e))
    return (
      (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken) && constantSyntax(e.operand)
    );
  if (ts.isBinaryExpression(e))
    return ARITHMETIC.has(e.operatorToken.kind) && constantSyntax(e.left) && constantSyntax(e.right);
  const isMath = (x: ts.Expression) =>
    ts.isPropertyAccessExpression(x) && ts.isIdentifier(x.expression) && x.expression.text === "Math";
  if (isMath(e)) return true;
  if (ts.isCallExpression(e)) return isMath(e.expression) && e.arguments.every((a) => constantSyntax(a));
  return false;
}

const ARITHMETIC = new Set([
  ts.SyntaxKind.PlusToken,
  ts.SyntaxKind.MinusToken,
  ts.SyntaxKind.AsteriskToken,
  ts.SyntaxKind.SlashToken,
  ts.SyntaxKind.PercentToken,
  ts.SyntaxKind.AsteriskAsteriskToken,
]);

/** `gate({ ... })` where `gate` comes from adgen: the object literal, else undefined. */
function gateSpec(
  e: ts.Expression | undefined,
  bindings: Map<string, ModuleBinding>,
): ts.ObjectLiteralExpression | undefined {
  if (!e || !ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) return undefined;
  if (bindings.get(e.expression.text)?.kind !== "gateDefiner") return undefined;
  const arg = e.arguments[0];
  return arg && ts.isObjectLiteralExpression(arg) ? arg : undefined;
}

/**
 * The name of an anonymous default export: the file's base name as an identifier
 * (`my-model.ts` → `myModel`), or `defaultExport` where that is not possible or already taken.
 */
/** Words that cannot name a function in a module (strict mode). */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval"
  ).split(" "),
);

export function defaultName(sf: ts.SourceFile, file: string): string {
  const base = (file.split(/[\\/]/).pop() ?? "").replace(/\..*$/, "");
  const camel = base.replace(/[^A-Za-z0-9_$]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""));
  const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(camel) && !RESERVED.has(camel) ? camel : "defaultExport";
  return topLevelNames(sf).has(name) ? "defaultExport" : name;
}

/** The names a module declares or imports at its top level. */
function topLevelNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const st of sf.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
      names.add(st.name.text);
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    } else if (ts.isImportDeclaration(st) && st.importClause) {
      const { name, namedBindings } = st.importClause;
      if (name) names.add(name.text);
      if (namedBindings && ts.isNamespaceImport(namedBindings)) names.add(namedBindings.name.text);
      else if (namedBindings) for (const el of namedBindings.elements) names.add(el.name.text);
    }
  }
  return names;
}

export function scanModule(sf: ts.SourceFile, file: string): ModuleScope {
  const bindings = new Map<string, ModuleBinding>();
  const exports = new Map<string, string>();
  const all: FunctionSource[] = [];
  const exportedFunctions = new Set<string>();
  const dataTypes = new Set<string>();

  for (const st of sf.statements) {
    const exported = hasModifier(st, ts.SyntaxKind.ExportKeyword);
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const from = st.moduleSpecifier.text;
      const clause = st.importClause;
      // `Data` is a type: imported with or without `type`.
      const nb = clause?.namedBindings;
      if (from === "adgen" && nb) {
        if (ts.isNamespaceImport(nb)) dataTypes.add(`${nb.name.text}.Data`);
        else
          for (const el of nb.elements) if ((el.propertyName ?? el.name).text === "Data") dataTypes.add(el.name.text);
      }
      if (!clause || clause.isTypeOnly) continue;
      if (clause.name) bindings.set(clause.name.text, { kind: "import", from, imported: "default", node: clause.name });
      if (nb && ts.isNamespaceImport(nb)) bindings.set(nb.name.text, { kind: "namespace", from, node: nb.name });
      else if (nb) {
        for (const el of nb.elements) {
          if (el.isTypeOnly) continue;
          const imported = (el.propertyName ?? el.name).text;
          const definer = GATE_DEFINERS.has(from) && imported === "gate";
          bindings.set(
            el.name.text,
            definer ? { kind: "gateDefiner" } : { kind: "import", from, imported, node: el.name },
          );
        }
      }
    } else if (ts.isFunctionDeclaration(st)) {
      if (!st.body) continue; // overload signatures: the implementation follows
      const isDefault = exported && hasModifier(st, ts.SyntaxKind.DefaultKeyword);
      if (!st.name && !isDefault) continue;
      // `export default function (x) {...}`: named after the file, as its companion will be.
      const name = st.name ? st.name.text : defaultName(sf, file);
      const nameNode = st.name ?? st.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.DefaultKeyword) ?? st;
      const fn: FunctionSource = { name, node: st, nameNode };
      bindings.set(fn.name, { kind: "function", fn });
      all.push(fn);
      if (exported) exportedFunctions.add(fn.name);
      if (exported) exports.set(fn.name, fn.name);
      if (exported && hasModifier(st, ts.SyntaxKind.DefaultKeyword)) exports.set("default", fn.name);
    } else if (ts.isVariableStatement(st)) {
      const flags = st.declarationList.flags;
      const keyword = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
      for (const decl of st.declarationList.declarations) {
        if (!ts.isIdentifier(decl.name)) continue;
        const name = decl.name.text;
        const init = decl.initializer;
        if (exported) exports.set(name, name);
        const spec = keyword === "const" ? gateSpec(init, bindings) : undefined;
        if (spec) {
          bindings.set(name, { kind: "gate", name, spec, nameNode: decl.name });
        } else if (keyword === "const" && isFunctionInitializer(init)) {
          const fn: FunctionSource = { name, node: init, nameNode: decl.name };
          bindings.set(name, { kind: "function", fn });
          all.push(fn);
          if (exported) exportedFunctions.add(name);
        } else if (keyword === "const" && constantSyntax(init)) {
          bindings.set(name, { kind: "constant", name, init: init!, nameNode: decl.name });
        } else {
          bindings.set(name, { kind: "mutable", keyword });
        }
      }
    } else if (
      ts.isExportDeclaration(st) &&
      st.moduleSpecifier &&
      ts.isStringLiteral(st.moduleSpecifier) &&
      st.exportClause &&
      ts.isNamedExports(st.exportClause)
    ) {
      // `export { a as b } from "./x"`: b is an import of x's a, exported as is.
      const from = st.moduleSpecifier.text;
      for (const el of st.exportClause.elements) {
        const local = `#reexport:${el.name.text}`;
        bindings.set(local, { kind: "import", from, imported: (el.propertyName ?? el.name).text, node: el.name });
        exports.set(el.name.text, local);
      }
    } else if (
      ts.isExportDeclaration(st) &&
      !st.moduleSpecifier &&
      st.exportClause &&
      ts.isNamedExports(st.exportClause)
    ) {
      for (const el of st.exportClause.elements) {
        const local = (el.propertyName ?? el.name).text;
        exports.set(el.name.text, local);
        exportedFunctions.add(local);
      }
    } else if (ts.isExportAssignment(st) && !st.isExportEquals && isFunctionInitializer(st.expression)) {
      // `export default (x) => ...`
      const fn: FunctionSource = {
        name: defaultName(sf, file),
        node: st.expression,
        nameNode: st.getFirstToken(sf) ?? st,
      };
      bindings.set(fn.name, { kind: "function", fn });
      all.push(fn);
      exports.set("default", fn.name);
      exportedFunctions.add(fn.name);
    } else if (ts.isExportAssignment(st) && ts.isIdentifier(st.expression)) {
      exports.set("default", st.expression.text);
      exportedFunctions.add(st.expression.text);
    } else if (ts.isClassDeclaration(st) && st.name) {
      bindings.set(st.name.text, { kind: "mutable", keyword: "class" });
    }
  }
  const exportedList = all.filter((f) => exportedFunctions.has(f.name));
  return { file, sf, bindings, exports, functions: exportedList.length > 0 ? exportedList : all, dataTypes };
}
