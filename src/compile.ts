/**
 * The pipeline: `compileSync` runs adgen's phases in order, each a function from one IR to the
 * next (docs/ARCHITECTURE.md): parse -> optimise -> transform -> emit; `compile` then formats.
 */
import { codes, type Diagnostic } from "./diagnostics.js";
import type { CodeModule, Graph, Param as IrParam, Origin } from "./ir.js";
import { format, FORMAT_LIMIT, formattedOrigins, printGraph, printModuleLines } from "./emit/index.js";
import { optimise } from "./optimise/index.js";
import { parseProgram, type CompanionRequest, type Host } from "./parser/index.js";
import { readFile } from "./read-file.js";
import { simplify } from "./simplify/index.js";
import { TangentUnsupported, transform, type Mode } from "./transform/index.js";
import { version } from "./version.js";
import type { ModeName } from "./conventions.js";

export interface CompileOptions {
  /** Name of the source file, used in diagnostics and the generated header. Default `input.ts`. */
  fileName?: string;
  /** Differentiate only these of the file's functions (default: its exported ones, or all if none is). */
  functions?: string[];
  /** How the generated header names the input (default: `fileName`), e.g. relative to the output file. */
  header?: string;
  /** prettier options (a project's configuration) for `compile()`'s formatting. */
  prettier?: Record<string, unknown>;
  /** Differentiate only these parameters (default: all). */
  wrt?: string[];
  /** `"code"` (default): the gradient module; `"graph"`: the SSA graph as text. */
  emit?: "code" | "graph";
  /**
   * The companions to generate for each function: `grad` (reverse mode: `f_grad`, or `f_vjp` for
   * a function returning an array), `jvp` (forward mode: `f_jvp`) and `hvp` (Hessian-vector
   * products: `f_hvp`), and built on those, `hessian` (`f_hessian`: value, gradient, Hessian
   * matrix), `hessian_diag` (`f_hessian_diag`: its diagonal) and `jacobian` (`f_jacobian`),
   * each with the companions it calls. Default `["grad"]`.
   */
  modes?: ModeName[];
  /**
   * The optimisation passes to run, in order (default: all, in the pipeline's order; `[]`: none).
   * With `emit: "graph"`, shows what each pass does (`[]` is the parser's graph).
   */
  passes?: string[];
  /** Emit TypeScript (default) or plain JavaScript (no type annotations), e.g. for `new Function`. */
  language?: "ts" | "js";
  /**
   * `compile()` formats with prettier (true), or not (false). By default it formats unless the
   * code has more than 1,000 lines, where prettier would cost many times the compilation; such
   * code is left as printed: well-formed, one statement per line, indented.
   */
  format?: boolean;
  /**
   * `grad()` / `vjp()`: their result types pair `wrt`'s `i`-th name with the `i`-th parameter
   * where the parameters' gradient types differ (see `GradsOf`), so such a `wrt` must keep to
   * the parameters' types in order; one that does not is refused (ADG1003).
   */
  wrtByPosition?: boolean;
  /**
   * Split functions too large for JavaScript engines to optimise into parts (src/simplify/split.ts):
   * `true` (default) above adgen's sizes, `false` never, or the sizes, in its `codeSize` units
   * (`above`: split a function larger than this; `part`: the largest part). `false` also keeps
   * every companion one function of the forms adgen reads back (no `f_hvp`/`f_jvp` kernel, no
   * fused `matmul.jvp`), as a nested request's companion must be.
   */
  split?: boolean | { above?: number; part?: number };
  /** How to read relatively imported modules (default: from disk, relative to the working directory; in a browser, none). */
  readFile?: (path: string) => string | undefined;
}

export interface CompileResult {
  /** The generated text; empty when there are diagnostics (never partial output). */
  code: string;
  /** Everything adgen could not accept, each with its location and code frame. */
  diagnostics: Diagnostic[];
  /** The functions the generated code defines, in output order (none with diagnostics, or for `emit: "graph"`). */
  functions: GeneratedFunction[];
  /**
   * For each line of `code`, the source position it comes from: a statement of the forward or
   * backward pass from the expression that computes its value, the signature, return and braces
   * from the function; `null` for adgen's own lines (header, imports, blank lines).
   */
  lines: (SourcePosition | null)[];
}

/** A position in a source file: 1-based line and column, as in diagnostics. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A function of the generated module. */
export interface GeneratedFunction {
  /** Its name in the generated code (`f_grad`, `g_pullback`, `g`). */
  name: string;
  /** `grad`, `vjp` and `jvp` are the exported companions; `pullback` and `primal` serve them; a `part` is a piece of a function too large to optimise, split (src/simplify/split.ts). */
  kind: "grad" | "vjp" | "jvp" | "hvp" | "hessian" | "hessian_diag" | "jacobian" | "pullback" | "primal" | "part";
  /** Its parameters and their types, in order. */
  params: IrParam[];
}

/** Compiles without formatting: well-formed code, one statement per line. Synchronous. */
export function compileSync(source: string, options: CompileOptions = {}): CompileResult {
  const fileName = options.fileName ?? "input.ts";
  const host: Host = { readFile: options.readFile ?? readFile, companion: (r) => nestedCompanion(r, options) };
  const { program, sinks } = parseProgram(source, fileName, host, options.functions);
  const diagnostics = () => sinks.flatMap((s) => s.diagnostics);
  if (diagnostics().length > 0) return { code: "", diagnostics: diagnostics(), functions: [], lines: [] };
  optimise(program, options.passes);
  if (options.emit === "graph") return { code: printGraph(program), diagnostics: [], functions: [], lines: [] };

  const wrt = options.wrt;
  if (wrt) {
    const known = new Set(program.entries.flatMap((g) => g.params.map((p) => p.path?.[0] ?? p.name)));
    const sink = sinks[0]!;
    for (const name of wrt.filter((w) => !known.has(w)))
      sink.report(
        codes.unknownWrt,
        `--wrt '${name}' is not a parameter of ${program.entries.map((g) => `'${g.name}'`).join(", ")}`,
        program.entries[0]!.pos,
      );
    if (wrt.length === 0)
      sink.report(codes.unknownWrt, "--wrt lists no parameter: name at least one", program.entries[0]!.pos);
    // A function none of whose parameters is listed would get an empty gradient.
    if (diagnostics().length === 0)
      for (const g of program.entries)
        if (!g.params.some((p) => wrt.includes(p.path?.[0] ?? p.name)))
          sink.report(
            codes.unknownWrt,
            `--wrt ${wrt.map((w) => `'${w}'`).join(", ")} names no parameter of '${g.name}' (${g.params.map((p) => p.name).join(", ") || "none"}), which would get an empty gradient; pick the functions to differentiate with --function`,
            g.pos,
          );
    // `Data<T>` says a parameter gets no gradient: a wrt that names it contradicts that.
    for (const g of program.entries)
      for (const p of g.params.filter((p) => p.data && wrt.includes(p.name)))
        sink.report(
          codes.unknownWrt,
          `--wrt '${p.name}' names a parameter of '${g.name}' declared Data<...>, which gets no gradient; remove Data<> to differentiate it`,
          g.pos,
        );
    if (options.wrtByPosition)
      for (const g of program.entries) {
        const message = wrtTypeMismatch(g.name, g.params, wrt);
        if (message) sink.report(codes.unknownWrt, message, g.pos);
      }
    if (diagnostics().length > 0) return { code: "", diagnostics: diagnostics(), functions: [], lines: [] };
  }
  if (!wrt) {
    const sink = sinks[0]!;
    for (const g of program.entries)
      if (g.params.length > 0 && g.params.every((p) => p.data))
        sink.report(
          codes.unknownWrt,
          `every parameter of '${g.name}' is declared Data<...>, so its gradient would be empty; differentiate at least one`,
          g.pos,
        );
    if (diagnostics().length > 0) return { code: "", diagnostics: diagnostics(), functions: [], lines: [] };
  }
  const modes = (options.modes ?? ["grad"]).map((m): Mode => (m === "jvp" ? "forward" : m === "grad" ? "reverse" : m));
  let module: CodeModule;
  try {
    // Without wrt, every parameter but those declared `Data<T>`.
    // A record parameter named in `wrt` is all its leaves.
    const wrtOf = (g: Graph) =>
      new Set(g.params.filter((p) => (wrt ? wrt.includes(p.path?.[0] ?? p.name) : !p.data)).map((p) => p.name));
    module = transform(program, wrtOf, [...new Set(modes)]);
  } catch (e) {
    if (!(e instanceof TangentUnsupported)) throw e;
    const sink = (e.file !== undefined && sinks.find((s) => s.file === e.file)) || sinks[0]!;
    sink.report(e.code ?? codes.forwardMode, e.message, e.pos);
    return { code: "", diagnostics: diagnostics(), functions: [], lines: [] };
  }
  simplify(module, options.split);
  const printed = printModuleLines(module, {
    fileName: options.header ?? fileName,
    version,
    types: options.language !== "js",
  });
  const position = (o: Origin | null): SourcePosition | null => {
    const starts = o && program.lineStarts.get(o.file);
    if (!o || !starts) return null;
    // The last line starting at or before the position (a binary search: a scan from the first
    // line per generated line was quadratic, 2 s of compileSync at 30,000 operations).
    let line = 0;
    for (let hi = starts.length - 1; line < hi;) {
      const mid = (line + hi + 1) >> 1;
      if (starts[mid]! <= o.pos) line = mid;
      else hi = mid - 1;
    }
    return { file: o.file, line: line + 1, column: o.pos - starts[line]! + 1 };
  };
  return {
    code: printed.code,
    lines: printed.lines.map(position),
    diagnostics: [],
    functions: module.functions.map((f) => ({
      name: f.name,
      kind: f.kind === "entry" ? f.companion! : f.kind,
      params: f.params,
    })),
  };
}

/** The derivative requests being compiled (`file#g:grad:*`), outermost first: one met again is a cycle. */
const nesting: string[] = [];

/**
 * Nested differentiation (src/parser/nested.ts): `grad(g)` inside a differentiated function is
 * read as `g_grad`, generated here like any companion, with the outer compilation's file reader.
 */
function nestedCompanion(
  request: CompanionRequest,
  outer: CompileOptions,
): { code: string; diagnostics: Diagnostic[]; cycle?: true } {
  const key = `${request.fileName}#${request.name}:${request.mode}:${request.wrt?.join(",") ?? "*"}`;
  if (nesting.includes(key)) return { code: "", diagnostics: [], cycle: true };
  nesting.push(key);
  try {
    return compileSync(request.source, {
      fileName: request.fileName,
      functions: [request.name],
      modes: [request.mode],
      format: false,
      // The companion is read back and inlined as a helper: one function, never parts.
      split: false,
      ...(request.wrt ? { wrt: request.wrt } : {}),
      ...(outer.readFile ? { readFile: outer.readFile } : {}),
      ...(outer.passes ? { passes: outer.passes } : {}),
    });
  } finally {
    nesting.pop();
  }
}

const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th"}`;

/**
 * Why `wrt` cannot be typed by position (see `GradsOf`) for a function with these parameters:
 * its `i`-th name has another type than the `i`-th parameter while the types differ. Else undefined.
 */
function wrtTypeMismatch(fname: string, leaves: IrParam[], wrt: string[]): string | undefined {
  // A record parameter is one parameter, whose type is its shape.
  const params: { name: string; type: string }[] = [];
  for (const p of leaves.filter((q) => !q.data)) {
    if (!p.path) params.push(p);
    else if (params.at(-1)?.name !== p.path[0])
      params.push({ name: p.path[0]!, type: `{ ${p.path.slice(1).join(".")}: ${p.type} }` });
    else params.at(-1)!.type = `${params.at(-1)!.type.slice(0, -2)}; ${p.path.slice(1).join(".")}: ${p.type} }`;
  }
  if (new Set(params.map((p) => p.type)).size < 2) return undefined;
  for (const [i, name] of wrt.entries()) {
    const named = params.find((p) => p.name === name);
    const at = params[i];
    if (!named || !at || named.type === at.type) continue;
    return (
      `wrt lists '${name}' (${named.type}) ${ordinal(i + 1)}, but '${fname}''s ${ordinal(i + 1)} parameter is '${at.name}' (${at.type}): ` +
      `TypeScript cannot see parameter names, so the types of grad(), jvp() and the others take wrt's names to be '${fname}''s parameters in order. ` +
      `List them in that order from the first (${params.map((p) => p.name).join(", ")}), or put the parameters to differentiate first`
    );
  }
  return undefined;
}

/** Compiles TypeScript source to its gradient module, formatted with prettier. */
export async function compile(source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const result = compileSync(source, options);
  if (result.diagnostics.length > 0 || options.emit === "graph") return result;
  const large = result.code.split("\n").length > FORMAT_LIMIT;
  if (options.format === false || (large && options.format !== true)) return result;
  const code = await format(result.code, options.prettier);
  return { ...result, code, lines: formattedOrigins(result.code, result.lines, code) };
}
