/**
 * The module-level view the lowering needs: what each top-level name is (a gate import,
 * another import, a function, a numeric constant, mutable state), and which functions to
 * differentiate.
 */
import { ts } from "ts-morph";
import type { OpName } from "../ir.js";
import { gateOp } from "../rules/table.js";

/** The package specifier of adgen's gate library. */
export const GATES_MODULE = "adgen/gates";

export type FunctionNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/** A function to differentiate. */
export interface FunctionSource {
  /** The name its companion is derived from. */
  name: string;
  node: FunctionNode;
  /** The node that names it, for diagnostics about the whole function. */
  nameNode: ts.Node;
}

/** What a top-level name means inside a differentiated function. */
export type ModuleBinding =
  | { kind: "gate"; op: OpName }
  | { kind: "gateNamespace" }
  | { kind: "import"; from: string; imported: string }
  | { kind: "function"; node: FunctionNode }
  | { kind: "constant"; value: number; text: string }
  | { kind: "mutable"; keyword: string };

export interface ModuleScope {
  bindings: Map<string, ModuleBinding>;
  /** Functions to differentiate: the exported ones, or every top-level one if none is exported. */
  functions: FunctionSource[];
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

function isFunctionInitializer(e: ts.Expression | undefined): e is ts.ArrowFunction | ts.FunctionExpression {
  return e !== undefined && (ts.isArrowFunction(e) || ts.isFunctionExpression(e));
}

/** A numeric literal, possibly negated: the only top-level constants inlined into gradients. */
function numericConstant(e: ts.Expression | undefined): number | undefined {
  if (!e) return undefined;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand))
    return -Number(e.operand.text);
  return undefined;
}

export function scanModule(sf: ts.SourceFile): ModuleScope {
  const bindings = new Map<string, ModuleBinding>();
  const exported: FunctionSource[] = [];
  const all: FunctionSource[] = [];
  const exportedNames = new Set<string>();

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const from = st.moduleSpecifier.text;
      const clause = st.importClause;
      if (!clause || clause.isTypeOnly) continue;
      if (clause.name) bindings.set(clause.name.text, { kind: "import", from, imported: "default" });
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) {
        bindings.set(
          nb.name.text,
          from === GATES_MODULE ? { kind: "gateNamespace" } : { kind: "import", from, imported: "*" },
        );
      } else if (nb) {
        for (const el of nb.elements) {
          if (el.isTypeOnly) continue;
          const imported = (el.propertyName ?? el.name).text;
          const op = from === GATES_MODULE ? gateOp(imported) : undefined;
          bindings.set(el.name.text, op ? { kind: "gate", op } : { kind: "import", from, imported });
        }
      }
    } else if (ts.isFunctionDeclaration(st)) {
      if (!st.name) continue;
      const fn: FunctionSource = { name: st.name.text, node: st, nameNode: st.name };
      if (!bindings.has(fn.name) || !st.body) bindings.set(fn.name, { kind: "function", node: st });
      if (!st.body) continue; // an overload signature; the implementation follows
      all.push(fn);
      if (hasModifier(st, ts.SyntaxKind.ExportKeyword)) exported.push(fn);
    } else if (ts.isVariableStatement(st)) {
      const keyword =
        st.declarationList.flags & ts.NodeFlags.Const
          ? "const"
          : st.declarationList.flags & ts.NodeFlags.Let
            ? "let"
            : "var";
      for (const decl of st.declarationList.declarations) {
        if (!ts.isIdentifier(decl.name)) continue;
        const name = decl.name.text;
        const init = decl.initializer;
        const value = numericConstant(init);
        if (keyword === "const" && isFunctionInitializer(init)) {
          const fn: FunctionSource = { name, node: init, nameNode: decl.name };
          bindings.set(name, { kind: "function", node: init });
          all.push(fn);
          if (hasModifier(st, ts.SyntaxKind.ExportKeyword)) exported.push(fn);
        } else if (keyword === "const" && value !== undefined) {
          bindings.set(name, { kind: "constant", value, text: init!.getText(sf) });
        } else {
          bindings.set(name, { kind: "mutable", keyword });
        }
      }
    } else if (
      ts.isExportDeclaration(st) &&
      !st.moduleSpecifier &&
      st.exportClause &&
      ts.isNamedExports(st.exportClause)
    ) {
      for (const el of st.exportClause.elements) exportedNames.add((el.propertyName ?? el.name).text);
    } else if (ts.isExportAssignment(st) && ts.isIdentifier(st.expression)) {
      exportedNames.add(st.expression.text);
    } else if (ts.isClassDeclaration(st) && st.name) {
      bindings.set(st.name.text, { kind: "mutable", keyword: "class" });
    }
  }
  for (const fn of all) if (exportedNames.has(fn.name) && !exported.includes(fn)) exported.push(fn);
  exported.sort((a, b) => a.node.pos - b.node.pos);
  return { bindings, functions: exported.length > 0 ? exported : all };
}
