/**
 * Narrows a module to the one function a companion differentiates. The compiler differentiates a
 * file's exported functions; here every `export` is blanked out in place (spaces, so every offset,
 * line and column stays the user's) and the wanted function alone is exported at the end. Its
 * helpers stay in the file as top-level functions it may call; other exported functions, which
 * may well be outside the differentiable subset (a training loop, the module calling `grad`
 * itself), are no longer compiled.
 */
import { ts } from "ts-morph";
import { defaultName } from "../parser/module.js";
import { parseModule } from "./scan.js";

export type Selection =
  | {
      /** The module text to compile. */
      source: string;
      /** The function's top-level name: its companion is `<local>_grad`. */
      local: string;
      /** The function's node in the parsed original, for the source map. */
      node: ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;
      sf: ts.SourceFile;
    }
  | { error: string; start: number; end: number }
  /** Not defined here but re-exported (`export { f } from "./inner"`, `export * from ...`): where to look next. */
  | { reexports: { specifier: string; name: string }[] };

type FunctionNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

export function selectFunction(text: string, file: string, kind: "export" | "local", name: string): Selection {
  const sf = parseModule(text, file);
  const functions = new Map<string, FunctionNode>();
  const exported = new Map<string, string>(); // exported name -> local name
  const reexports: { specifier: string; name: string }[] = [];
  const blanks: [number, number][] = [];
  let anonymousDefault: { node: FunctionNode; range: [number, number] } | undefined;

  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && st.body) functions.set(st.name.text, st);
    if (ts.isVariableStatement(st) && st.declarationList.flags & ts.NodeFlags.Const)
      for (const d of st.declarationList.declarations)
        if (
          ts.isIdentifier(d.name) &&
          d.initializer &&
          (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))
        )
          functions.set(d.name.text, d.initializer);

    const modifiers = ts.canHaveModifiers(st) ? (ts.getModifiers(st) ?? []) : [];
    const exportKw = modifiers.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    const defaultKw = modifiers.find((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (exportKw) {
      const declName = (st as { name?: ts.Node }).name;
      if (defaultKw && !(declName && ts.isIdentifier(declName))) {
        // An anonymous default export cannot stand without `export`: kept whole if it is the one.
        if (ts.isFunctionDeclaration(st) && st.body) anonymousDefault = { node: st, range: [st.getStart(sf), st.end] };
        else blanks.push([st.getStart(sf), st.end]);
      } else {
        blanks.push([exportKw.getStart(sf), exportKw.end]);
        if (defaultKw) blanks.push([defaultKw.getStart(sf), defaultKw.end]);
      }
      if (declName && ts.isIdentifier(declName)) exported.set(defaultKw ? "default" : declName.text, declName.text);
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations)
          if (ts.isIdentifier(d.name)) exported.set(d.name.text, d.name.text);
    } else if (ts.isExportDeclaration(st)) {
      blanks.push([st.getStart(sf), st.end]);
      const from = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
      if (st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements)
          if (from === undefined) exported.set(el.name.text, (el.propertyName ?? el.name).text);
          else if (el.name.text === name) reexports.push({ specifier: from, name: (el.propertyName ?? el.name).text });
      } else if (from !== undefined && !st.exportClause) reexports.push({ specifier: from, name });
    } else if (ts.isExportAssignment(st)) {
      const e = st.expression;
      if (!st.isExportEquals && (ts.isArrowFunction(e) || ts.isFunctionExpression(e)))
        anonymousDefault = { node: e, range: [st.getStart(sf), st.end] };
      else blanks.push([st.getStart(sf), st.end]);
      if (!st.isExportEquals && ts.isIdentifier(st.expression)) exported.set("default", st.expression.text);
    }
  }

  if (anonymousDefault && kind === "export" && name === "default") {
    // Left as `export default ...`: the compiler names it after the file, as here.
    let source = text;
    for (const [start, end] of blanks)
      source = source.slice(0, start) + blank(source.slice(start, end)) + source.slice(end);
    return { source, local: defaultName(sf, file), node: anonymousDefault.node, sf };
  }
  if (anonymousDefault) blanks.push(anonymousDefault.range);

  const local = kind === "local" ? name : exported.get(name);
  if (local === undefined && kind === "export" && reexports.length > 0) return { reexports };
  const node = local === undefined ? undefined : functions.get(local);
  if (local === undefined || !node) {
    const what = kind === "export" ? (name === "default" ? "default export" : `export '${name}'`) : `'${name}'`;
    const reason =
      local === undefined
        ? `the module has no ${what}`
        : `${what} is not a top-level function (a function declaration or a const arrow/function expression)`;
    return { error: `cannot differentiate ${what}: ${reason}`, start: 0, end: 0 };
  }

  let source = text;
  for (const [start, end] of blanks)
    source = source.slice(0, start) + blank(source.slice(start, end)) + source.slice(end);
  source += `\nexport { ${local} };\n`;
  return { source, local, node, sf };
}

/** Spaces for every character but line breaks. */
function blank(s: string): string {
  return s.replace(/[^\r\n]/g, " ");
}
