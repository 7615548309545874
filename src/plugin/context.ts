/**
 * Everything the plugin does, behind one object per plugin instance: rewrite `grad(f)` calls
 * (`transform`), resolve companion ids (`resolveId`) and generate companions (`load`).
 * core.ts adapts it to unplugin; nothing here knows which bundler runs it but the resolver and
 * the shape of messages.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import MagicString from "magic-string";
import { ts } from "ts-morph";
import { wrongReturnMessage } from "../runtime/modes.js";
import { buildCompanion, displayPath, type CompanionResult } from "./companion.js";
import { companionId, companionSpecifier, parseCompanionId, type CompanionRequest } from "./id.js";
import { problemAt, report } from "./report.js";
import { bundlerResolver, cleanId, nodeResolve } from "./resolve.js";
import { isRelative, PACKAGE, parseModule, scanModule, type AdgenImport, type GradCall } from "./scan.js";

/** What a hook gets as `this`: unplugin's context, plus the bundler's own where it has one. */
export interface HookContext {
  addWatchFile: (file: string) => void;
  error: (message: string | object) => void;
  warn: (message: string | object) => void;
}

export interface TransformResult {
  code: string;
  map?: ReturnType<MagicString["generateMap"]>;
}

export class AdgenContext {
  /** Last companion built per id, with the texts it was built from. */
  private readonly companions = new Map<string, { key: string; result: CompanionResult }>();

  constructor(
    /** `meta.framework` from unplugin: how to resolve and how to shape messages. */
    readonly framework: string,
    /** Where relative paths in headers and messages start. */
    readonly root: string = process.cwd(),
  ) {}

  resolveId(id: string): string | undefined {
    const request = parseCompanionId(id);
    return request && companionId(request);
  }

  /** Replaces `grad(f)`, `vjp(f)`, `jvp(f)`, ... calls with imports of companions; undefined leaves the module as it is. */
  async transform(
    hook: HookContext,
    code: string,
    id: string,
    options: { runtimeFallback?: "error" | "warn" } = {},
  ): Promise<TransformResult | undefined> {
    const file = cleanId(id);
    const scan = scanModule(parseModule(code, file));
    if (scan.calls.length === 0) return undefined;

    const resolve = bundlerResolver(hook, this.framework);
    const s = new MagicString(code);
    const imports = new Map<string, string>(); // companion specifier -> local name
    const leftToRuntime = new Map<string, number>(); // grad binding -> calls not replaced
    let failed = false;

    for (const call of scan.calls) {
      const problem = (message: string) => problemAt(file, code, call.start, call.end, message);
      if (call.problem) {
        report(
          hook,
          this.framework,
          "error",
          problemAt(file, code, call.problem.start, call.problem.end, call.problem.message),
        );
        failed = true;
        continue;
      }
      const request = await this.request(call, file, resolve);
      if ("error" in request) {
        report(hook, this.framework, "error", problem(request.error));
        failed = true;
      } else if ("runtime" in request && options.runtimeFallback === "error") {
        report(
          hook,
          this.framework,
          "error",
          problem(
            `${request.runtime}. Left to the runtime ${call.mode}(), it would bring adgen's compiler (megabytes, and ` +
              `new Function) into this client bundle: pass a function the plugin can find (imported from a relative ` +
              `module or defined in this one), or opt in with adgen({ runtimeFallback: true })`,
          ),
        );
        failed = true;
      } else if ("runtime" in request) {
        report(
          hook,
          this.framework,
          "warn",
          problem(`${request.runtime}, so this call is left to the runtime ${call.mode}()`),
        );
        leftToRuntime.set(call.callee, (leftToRuntime.get(call.callee) ?? 0) + 1);
      } else {
        // `grad` of a vector-valued function (or `vjp`, `jacobian` of a scalar one, `hvp` of a
        // vector-valued one) is the caller's mistake: say so here.
        const built = await this.companion(companionId(request), request);
        if ("result" in built && "wrongMode" in built.result && built.result.wrongMode) {
          const { name, returns } = built.result.wrongMode;
          report(hook, this.framework, "error", problem(wrongReturnMessage(call.mode, name, returns)));
          failed = true;
          continue;
        }
        const specifier = companionSpecifier(request);
        let local = imports.get(specifier);
        if (!local) imports.set(specifier, (local = freshName(code, `__adgen_${request.name}_${call.mode}`, imports)));
        s.overwrite(call.start, call.end, local);
      }
    }
    if (failed) return { code }; // the errors are reported; esbuild needs code to carry them
    if (imports.size === 0) return undefined;

    const prelude = [...imports]
      .map(([specifier, local]) => `import ${local} from ${JSON.stringify(specifier)};`)
      .join(" ");
    const stillUsed = (local: string) => (scan.otherUses.get(local) ?? 0) + (leftToRuntime.get(local) ?? 0) > 0;
    scan.imports.forEach((imp, i) => {
      // The companions' imports go where the first `adgen` import was, on its line.
      const lead = i === 0 ? [prelude] : [];
      if (imp.transforms.every((t) => stillUsed(t.local))) {
        if (i === 0) s.prependLeft(imp.start, `${prelude} `);
        return;
      }
      const text = [...lead, rewriteImport(imp, stillUsed) ?? ""].filter(Boolean).join(" ");
      if (text) s.overwrite(imp.start, imp.end, text);
      else s.remove(imp.start, imp.end);
    });
    return { code: s.toString(), map: s.generateMap({ source: file, includeContent: true, hires: true }) };
  }

  /** Which companion a call needs, or why it gets none. */
  private async request(
    call: GradCall,
    file: string,
    resolve: (specifier: string, importer: string) => Promise<string | undefined>,
  ): Promise<CompanionRequest | { error: string } | { runtime: string }> {
    const wrt = call.wrt ? { wrt: call.wrt } : {};
    const mode = call.mode === "grad" ? {} : { mode: call.mode };
    const t = call.target;
    if (t.kind === "unknown") return { runtime: t.reason };
    if (t.kind === "local") return { ...mode, kind: "local", name: t.name, ...wrt, file };
    const resolved = await resolve(t.specifier, file);
    if (!resolved) return { error: `cannot resolve '${t.specifier}' from ${displayPath(file, this.root)}` };
    return { ...mode, kind: "export", name: t.name, ...wrt, file: resolved };
  }

  /**
   * The companion `id` names, compiled or taken from the cache (keyed by the texts of the file and
   * of the files it imports relatively), or why the file cannot be read.
   */
  private async companion(
    id: string,
    request: CompanionRequest,
  ): Promise<{ result: CompanionResult; text: string; deps: [string, string][] } | { readError: string }> {
    let text: string;
    try {
      text = await readFile(request.file, "utf8");
    } catch (e) {
      return { readError: `adgen: cannot read ${request.file}: ${(e as Error).message}` };
    }
    const deps = relativeImports(request.file, text);
    // The compiler reads the imported files too (helpers, gates): they are part of the key.
    const key = [text, ...deps.map(([, t]) => t)].join("\0");
    const cached = this.companions.get(id);
    const result = cached?.key === key ? cached.result : buildCompanion(text, request, this.root);
    this.companions.set(id, { key, result });
    return { result, text, deps };
  }

  /** The companion module for a resolved id; undefined for ids that are not companions. */
  async load(hook: HookContext, id: string): Promise<TransformResult | undefined> {
    const request = parseCompanionId(id);
    if (!request) return undefined;
    const failure = { code: "export default undefined;\n" }; // after the errors are reported
    const built = await this.companion(id, request);
    if ("readError" in built) {
      hook.error({ message: built.readError });
      return failure;
    }
    const { result, text, deps } = built;
    hook.addWatchFile(request.file);
    for (const [dep] of deps) hook.addWatchFile(dep);

    if ("diagnostics" in result) {
      for (const d of result.diagnostics) report(hook, this.framework, "error", d);
      return failure;
    }
    if ("error" in result) {
      report(hook, this.framework, "error", problemAt(request.file, text, result.start, result.end, result.error));
      return failure;
    }
    return { code: result.code, map: result.map as TransformResult["map"] };
  }
}

/** The import statement with only the `grad` bindings that are still used; undefined when nothing of it is left. */
function rewriteImport(imp: AdgenImport, stillUsed: (local: string) => boolean): string | undefined {
  const transforms = imp.transforms.filter((t) => stillUsed(t.local));
  const namespace = transforms.find((t) => t.namespace);
  const named = [...transforms.filter((t) => !t.namespace).map((t) => t.text), ...imp.named];
  const clauses = [
    ...(imp.defaultName ? [imp.defaultName] : []),
    ...(namespace ? [namespace.text] : named.length > 0 ? [`{ ${named.join(", ")} }`] : []),
  ];
  return clauses.length > 0 ? `import ${clauses.join(", ")} from "${PACKAGE}";` : undefined;
}

/** `base`, or `base_2`, ... : a name that occurs nowhere in the module and is not yet taken. */
function freshName(code: string, base: string, taken: Map<string, string>): string {
  const used = new Set(taken.values());
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    if (!used.has(name) && !code.includes(name)) return name;
  }
}

/** The files `file` imports relatively, transitively (its helpers may live there), with their texts. */
function relativeImports(file: string, text: string): [string, string][] {
  const seen = new Set<string>([file]);
  const queue: [string, string][] = [[file, text]];
  const out: [string, string][] = [];
  while (queue.length > 0) {
    const [from, source] = queue.shift()!;
    for (const ref of ts.preProcessFile(source, true, false).importedFiles) {
      if (!isRelative(ref.fileName)) continue;
      const dep = nodeResolve(ref.fileName, from);
      if (!dep || seen.has(dep)) continue;
      seen.add(dep);
      let depText = "";
      try {
        depText = readFileSync(dep, "utf8");
      } catch {
        // unreadable now: still worth watching
      }
      out.push([dep, depText]);
      queue.push([dep, depText]);
    }
  }
  return out;
}
