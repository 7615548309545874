/**
 * The source files the parser reads: the compiled file, the modules it imports (through the
 * host, relative paths resolved as Node and TypeScript do), and adgen/gates; each parsed once,
 * with its diagnostics in a sink of its own.
 */
import { Project, ts } from "ts-morph";
import { GATES_MODULE } from "../conventions.js";
import { codes, DiagnosticSink, type Diagnostic } from "../diagnostics.js";
import * as builtinGates from "../gates/index.js";
import { scanModule, type ModuleScope } from "./module.js";

/** How the parser reads imported files. */
export interface Host {
  /** The file's text, or undefined if there is no such file. */
  readFile(path: string): string | undefined;
  /**
   * Nested differentiation (src/parser/nested.ts): generates the companion `name_<mode>` of a
   * function of a module, as `compile` would; the generated module's text, or its diagnostics.
   */
  companion?(request: CompanionRequest): { code: string; diagnostics: Diagnostic[]; cycle?: true };
}

/** What `Host.companion` compiles: one function of a module's text, in one mode. */
export interface CompanionRequest {
  source: string;
  fileName: string;
  name: string;
  mode: "grad" | "jvp" | "hvp";
  wrt?: string[];
}

const MODULE_EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".mjs", "/index.ts", "/index.js"];

export class SourceFiles {
  private readonly project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: { noLib: true, noResolve: true, target: ts.ScriptTarget.ES2022, allowJs: true },
  });
  private readonly sinkOf = new Map<string, DiagnosticSink>();
  private readonly loaded = new Map<string, ModuleScope | null>();

  constructor(readonly host: Host) {}

  /** Every module read (without syntax errors). */
  modules(): ModuleScope[] {
    return [...this.loaded.values()].filter((m): m is ModuleScope => m !== null);
  }

  /** One sink per file read. */
  sinks(): DiagnosticSink[] {
    return [...this.sinkOf.values()];
  }

  /** adgen/gates, read the same way as a user's module: from the source of its gate functions. */
  builtins(): ModuleScope | null {
    const cached = this.loaded.get(GATES_MODULE);
    if (cached !== undefined) return cached;
    const lines = [`import { gate } from "${GATES_MODULE}";`];
    for (const [name, value] of Object.entries(builtinGates)) {
      if (typeof value !== "function" || !("backward" in value) || "inputs" in value) continue;
      const g = value as unknown as { forward: Function; backward: Function };
      lines.push(
        `export const ${name} = gate({ forward: ${g.forward.toString()}, backward: ${g.backward.toString()} });`,
      );
    }
    return this.load(GATES_MODULE, lines.join("\n"));
  }

  loadRelative(fromFile: string, spec: string): ModuleScope | null | undefined {
    const dir = fromFile.includes("/") ? fromFile.slice(0, fromFile.lastIndexOf("/")) : ".";
    const base = normalize(`${dir}/${spec}`);
    const stem = base.replace(/\.(m?js|tsx?|mts)$/, "");
    const candidates = /\.(m?js)$/.test(base)
      ? [`${stem}.ts`, `${stem}.mts`, base]
      : [base, ...MODULE_EXTENSIONS.map((e) => `${base}${e}`)];
    for (const path of candidates) {
      if (this.loaded.has(path)) return this.loaded.get(path)!;
      const text = /\.(m?[jt]sx?|mts)$/.test(path) ? this.host.readFile(path) : undefined;
      if (text !== undefined) return this.load(path, text);
    }
    return undefined;
  }

  /** Parses a file once; syntax errors are reported and make it null. */
  load(file: string, text: string): ModuleScope | null {
    const cached = this.loaded.get(file);
    if (cached !== undefined) return cached;
    const sink = this.sink(file, text);
    const sf = this.project.createSourceFile(virtualPath(file, this.loaded.size), text, {
      overwrite: true,
    }).compilerNode;
    const syntax = this.project.getProgram().compilerObject.getSyntacticDiagnostics(sf);
    for (const d of syntax)
      sink.report(
        codes.syntax,
        ts.flattenDiagnosticMessageText(d.messageText, " "),
        d.start ?? 0,
        (d.start ?? 0) + (d.length ?? 1),
      );
    const mod = syntax.length > 0 ? null : scanModule(sf, file);
    this.loaded.set(file, mod);
    return mod;
  }

  sink(file: string, text?: string): DiagnosticSink {
    let s = this.sinkOf.get(file);
    if (!s) {
      s = new DiagnosticSink(file, text ?? "");
      this.sinkOf.set(file, s);
    }
    return s;
  }
}

/** ts-morph's in-memory file system wants distinct absolute paths; messages keep the user's names. */
function virtualPath(file: string, index: number): string {
  const ext = /\.(tsx|mts|js|mjs)$/.exec(file)?.[0] ?? ".ts";
  return `/adgen-${index}${ext === ".mjs" ? ".js" : ext === ".mts" ? ".ts" : ext}`;
}

/** `a/./b/../c` -> `a/c`, keeping a leading `../`. */
function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.replace(/\\/g, "/").split("/")) {
    if (part === "." || part === "") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(part);
  }
  return (path.startsWith("/") ? "/" : "") + out.join("/");
}
