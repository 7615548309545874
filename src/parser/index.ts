/**
 * Phase 1, parse: TypeScript source -> one SSA graph per function to differentiate.
 */
import { Project, ts } from "ts-morph";
import { codes, DiagnosticSink } from "../diagnostics.js";
import type { Graph } from "../ir.js";
import { lowerFunction } from "./lower.js";
import { scanModule } from "./module.js";

export interface ParseResult {
  graphs: Graph[];
  sink: DiagnosticSink;
}

export function parse(source: string, fileName: string): ParseResult {
  const sink = new DiagnosticSink(fileName, source);
  const project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: { noLib: true, noResolve: true, target: ts.ScriptTarget.ES2022 },
  });
  const file = project.createSourceFile(virtualPath(fileName), source, { overwrite: true });
  const sf = file.compilerNode;
  const syntax = project.getProgram().compilerObject.getSyntacticDiagnostics(sf);
  for (const d of syntax) {
    sink.report(
      codes.syntax,
      ts.flattenDiagnosticMessageText(d.messageText, " "),
      d.start ?? 0,
      (d.start ?? 0) + (d.length ?? 1),
    );
  }
  if (syntax.length > 0) return { graphs: [], sink };

  const mod = scanModule(sf);
  if (mod.functions.length === 0) {
    sink.report(
      codes.noFunction,
      "no function to differentiate: export a function (or an arrow function assigned to a const)",
      0,
    );
    return { graphs: [], sink };
  }
  const graphs: Graph[] = [];
  for (const fn of mod.functions) {
    const g = sink.guard(() => lowerFunction(fn, mod, sf));
    if (g) graphs.push(g);
  }
  return { graphs, sink };
}

/** ts-morph's in-memory file system wants an absolute .ts path; the user's name is kept for messages. */
function virtualPath(fileName: string): string {
  const base = fileName
    .replace(/\\/g, "/")
    .replace(/^(\.\.?\/)+/, "")
    .replace(/^\/+/, "");
  const withExt = /\.(ts|tsx|mts|cts)$/.test(base) ? base : `${base}.ts`;
  return `/${withExt}`;
}
