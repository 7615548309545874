/**
 * Running a user's TypeScript module, for `adgen check`: each file is transpiled to CommonJS by
 * TypeScript (types dropped, nothing checked) and evaluated with `new Function`, with a `require`
 * that maps `adgen/gates` (and `adgen`) to this adgen's own modules, relative imports to files
 * (`./helper.js` may name `helper.ts`, as TypeScript allows), and anything else to Node's
 * `require` from the file's folder. Besides its exports, a module hands back the top-level names
 * asked for, so a function the file does not export can still be checked.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, resolve } from "node:path";
import { ts } from "ts-morph";
import * as api from "../src/index.js";
import * as gates from "../src/gates/index.js";

export interface LoadedModule {
  exports: Record<string, unknown>;
  /** The top-level bindings asked for (undefined where the module has no such name). */
  locals: Record<string, unknown>;
}

/** Thrown when a module cannot be found or fails while it runs. */
export class LoadError extends Error {}

const BUILT_IN: Record<string, unknown> = { "adgen/gates": gates, adgen: api };
const TS_FOR_JS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
  ".jsx": [".tsx"],
};
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/** The file a relative import names, as TypeScript's bundler resolution finds it. */
function resolveFile(spec: string, from: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const ext = extname(base);
  const candidates = [
    base,
    ...(TS_FOR_JS[ext] ?? []).map((e) => base.slice(0, -ext.length) + e),
    ...EXTENSIONS.map((e) => base + e),
    ...EXTENSIONS.map((e) => resolve(base, `index${e}`)),
  ];
  return candidates.find(isFile);
}

/**
 * Runs the module at `path` (its text `text`, when given, instead of the file's: a generated
 * module that exists only in memory) and returns its exports and the top-level `names`.
 */
export function loadModule(path: string, options: { text?: string; names?: readonly string[] } = {}): LoadedModule {
  const cache = new Map<string, LoadedModule>();
  return load(path, options.text, options.names ?? [], cache);
}

function load(path: string, text: string | undefined, names: readonly string[], cache: Map<string, LoadedModule>) {
  const cached = cache.get(path);
  if (cached) return cached;
  const source = text ?? readFileSync(path, "utf8");
  const js = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      jsx: ts.JsxEmit.React,
    },
  }).outputText;
  const module: { exports: Record<string, unknown> } = { exports: {} };
  const loaded: LoadedModule = { exports: module.exports, locals: {} };
  cache.set(path, loaded);
  const nodeRequire = createRequire(path);
  const require = (spec: string): unknown => {
    if (spec in BUILT_IN) return BUILT_IN[spec];
    if (spec.startsWith(".") || spec.startsWith("/")) {
      const file = resolveFile(spec, path);
      if (!file) throw new LoadError(`cannot find '${spec}', imported by ${path}`);
      if (/\.(ts|tsx|mts|cts)$/.test(file)) return load(file, undefined, [], cache).exports;
    }
    return nodeRequire(spec);
  };
  const locals = names.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  const tail = `\n;return { ${locals.map((n) => `${JSON.stringify(n)}: typeof ${n} === "undefined" ? undefined : ${n}`).join(", ")} };`;
  const run = new Function("exports", "require", "module", "__filename", "__dirname", js + tail) as (
    ...args: unknown[]
  ) => Record<string, unknown>;
  loaded.locals = run(module.exports, require, module, path, dirname(path));
  loaded.exports = module.exports;
  return loaded;
}
