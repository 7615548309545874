/**
 * Resolving the relative import `grad(f)`'s `f` comes from, with the bundler's own resolver
 * (its extensions, aliases and conditions), or Node-style with TypeScript's extension rules
 * where the bundler offers none to plugins.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** The absolute path `specifier` means when imported from `importer`; undefined if none. */
export type Resolver = (specifier: string, importer: string) => Promise<string | undefined>;

interface RollupLikeContext {
  resolve?: (
    source: string,
    importer: string,
    options: { skipSelf: boolean },
  ) => Promise<{ id: string; external?: boolean | string } | null>;
}

interface NativeContext {
  framework: string;
  build?: {
    resolve: (
      path: string,
      options: { kind: "import-statement"; importer: string; resolveDir: string },
    ) => Promise<{ path: string; namespace: string; errors: unknown[] }>;
  };
  loaderContext?: {
    getResolve?: (options: object) => (context: string, request: string) => Promise<string | false>;
  };
}

/** The resolver of the bundler whose hook context is `ctx`. */
export function bundlerResolver(ctx: unknown, framework: string): Resolver {
  const rollup = ctx as RollupLikeContext;
  const native = (ctx as { getNativeBuildContext?: () => NativeContext }).getNativeBuildContext?.();
  let primary: Resolver | undefined;
  if (["rollup", "vite", "rolldown", "unloader"].includes(framework) && typeof rollup.resolve === "function") {
    primary = async (specifier, importer) => {
      const r = await rollup.resolve!(specifier, importer, { skipSelf: true });
      return r && !r.external ? cleanId(r.id) : undefined;
    };
  } else if (native?.framework === "esbuild" && native.build) {
    const build = native.build;
    primary = async (specifier, importer) => {
      const r = await build.resolve(specifier, { kind: "import-statement", importer, resolveDir: dirname(importer) });
      return r.errors.length === 0 && r.namespace === "file" ? r.path : undefined;
    };
  } else if (native?.loaderContext?.getResolve) {
    const resolveEsm = native.loaderContext.getResolve({ dependencyType: "esm" });
    primary = async (specifier, importer) => {
      const r = await resolveEsm(dirname(importer), specifier);
      return typeof r === "string" ? cleanId(r) : undefined;
    };
  }
  return async (specifier, importer) => {
    const viaBundler = primary ? await primary(specifier, importer).catch(() => undefined) : undefined;
    return viaBundler ?? nodeResolve(specifier, importer);
  };
}

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
/** TypeScript's rule: `./model.js` in an import may name `./model.ts`. */
const TS_FOR_JS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};

/** Node-style resolution of a relative specifier, with TypeScript's extension substitution. */
export function nodeResolve(specifier: string, importer: string): string | undefined {
  const base = resolve(dirname(importer), specifier);
  const ext = /\.[cm]?[jt]sx?$/.exec(base)?.[0];
  const candidates = [
    base,
    ...(ext && TS_FOR_JS[ext] ? TS_FOR_JS[ext].map((e) => base.slice(0, -ext.length) + e) : []),
    ...EXTENSIONS.map((e) => base + e),
    ...EXTENSIONS.map((e) => resolve(base, "index" + e)),
  ];
  return candidates.find(isFile);
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** A bundler id without its query: the file on disk. */
export function cleanId(id: string): string {
  return id.replace(/[?#].*$/, "");
}
