/**
 * The pipeline: `compileSync` runs adgen's phases in order, each a function from one IR to the
 * next (docs/ARCHITECTURE.md): parse -> optimise -> transform -> emit; `compile` then formats.
 */
import { readFileSync } from "node:fs";
import { codes, type Diagnostic } from "./diagnostics.js";
import { format, FORMAT_LIMIT, printGraph, printModule } from "./emit/index.js";
import { optimise } from "./optimise/index.js";
import { parseProgram, type Host } from "./parser/index.js";
import { transform } from "./transform/index.js";
import { version } from "./version.js";

export interface CompileOptions {
  /** Name of the source file, used in diagnostics and the generated header. Default `input.ts`. */
  fileName?: string;
  /** Differentiate only these parameters (default: all). */
  wrt?: string[];
  /** `"code"` (default): the gradient module; `"graph"`: the SSA graph as text. */
  emit?: "code" | "graph";
  /** Emit TypeScript (default) or plain JavaScript (no type annotations), e.g. for `new Function`. */
  language?: "ts" | "js";
  /**
   * `compile()` formats with prettier (true), or not (false). By default it formats unless the
   * code has more than 1,000 lines, where prettier would cost many times the compilation; such
   * code is left as printed: well-formed, one statement per line, indented.
   */
  format?: boolean;
  /** How to read relatively imported modules (default: from disk, relative to the working directory). */
  readFile?: (path: string) => string | undefined;
}

/** Reads imported files from disk; a missing file is `undefined`. */
const nodeHost: Host = {
  readFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
};

export interface CompileResult {
  /** The generated text; empty when there are diagnostics (never partial output). */
  code: string;
  /** Everything adgen could not accept, each with its location and code frame. */
  diagnostics: Diagnostic[];
}

/** Compiles without formatting: well-formed code, one statement per line. Synchronous. */
export function compileSync(source: string, options: CompileOptions = {}): CompileResult {
  const fileName = options.fileName ?? "input.ts";
  const host: Host = options.readFile ? { readFile: options.readFile } : nodeHost;
  const { program, sinks } = parseProgram(source, fileName, host);
  const diagnostics = () => sinks.flatMap((s) => s.diagnostics);
  if (diagnostics().length > 0) return { code: "", diagnostics: diagnostics() };
  optimise(program);
  if (options.emit === "graph") return { code: printGraph(program), diagnostics: [] };

  const wrt = options.wrt;
  if (wrt) {
    const known = new Set(program.entries.flatMap((g) => g.params.map((p) => p.name)));
    const sink = sinks[0]!;
    for (const name of wrt.filter((w) => !known.has(w)))
      sink.report(
        codes.unknownWrt,
        `--wrt '${name}' is not a parameter of ${program.entries.map((g) => `'${g.name}'`).join(", ")}`,
        program.entries[0]!.pos,
      );
    if (diagnostics().length > 0) return { code: "", diagnostics: diagnostics() };
  }
  const module = transform(program, (g) => new Set(wrt ?? g.params.map((p) => p.name)));
  return { code: printModule(module, { fileName, version, types: options.language !== "js" }), diagnostics: [] };
}

/** Compiles TypeScript source to its gradient module, formatted with prettier. */
export async function compile(source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const result = compileSync(source, options);
  if (result.diagnostics.length > 0 || options.emit === "graph") return result;
  const large = result.code.split("\n").length > FORMAT_LIMIT;
  if (options.format === false || (large && options.format !== true)) return result;
  return { code: await format(result.code), diagnostics: [] };
}
