/**
 * adgen: source-to-source reverse-mode automatic differentiation for TypeScript.
 * `compile` runs the three phases in order: parse -> transform -> emit.
 */
import { codes, type Diagnostic } from "./diagnostics.js";
import { format, printGraph, printModule } from "./emit/index.js";
import type { GradProgram } from "./ir.js";
import { parse } from "./parser/index.js";
import { differentiate } from "./transform/index.js";
import { version } from "./version.js";

export { codes, formatDiagnostic, type Diagnostic, type DiagnosticCode } from "./diagnostics.js";
export type * from "./ir.js";
export { version } from "./version.js";

export interface CompileOptions {
  /** Name of the source file, used in diagnostics and the generated header. Default `input.ts`. */
  fileName?: string;
  /** Differentiate only these parameters (default: all). */
  wrt?: string[];
  /** `"code"` (default): the gradient module; `"graph"`: the SSA graph as text. */
  emit?: "code" | "graph";
  /** Emit TypeScript (default) or plain JavaScript (no type annotations), e.g. for `new Function`. */
  language?: "ts" | "js";
}

export interface CompileResult {
  /** The generated text; empty when there are diagnostics (never partial output). */
  code: string;
  /** Everything adgen could not accept, each with its location and code frame. */
  diagnostics: Diagnostic[];
}

/** Compiles without formatting: well-formed code, one statement per line. Synchronous. */
export function compileSync(source: string, options: CompileOptions = {}): CompileResult {
  const fileName = options.fileName ?? "input.ts";
  const { graphs, sink } = parse(source, fileName);
  if (sink.diagnostics.length > 0) return { code: "", diagnostics: sink.diagnostics };
  if (options.emit === "graph") return { code: printGraph(graphs), diagnostics: [] };

  const wrt = options.wrt;
  if (wrt) {
    const known = new Set(graphs.flatMap((g) => g.params.map((p) => p.name)));
    for (const name of wrt.filter((w) => !known.has(w)))
      sink.report(
        codes.unknownWrt,
        `--wrt '${name}' is not a parameter of ${graphs.map((g) => `'${g.name}'`).join(", ")}`,
        graphs[0]!.pos,
      );
    if (sink.diagnostics.length > 0) return { code: "", diagnostics: sink.diagnostics };
  }
  const programs: GradProgram[] = graphs.map((g) => differentiate(g, new Set(wrt ?? g.params.map((p) => p.name))));
  return { code: printModule(programs, { fileName, version, types: options.language !== "js" }), diagnostics: [] };
}

/** Compiles TypeScript source to its gradient module, formatted with prettier. */
export async function compile(source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const result = compileSync(source, options);
  if (result.diagnostics.length > 0 || options.emit === "graph") return result;
  return { code: await format(result.code), diagnostics: [] };
}
