/**
 * The bundler plugin, on unplugin: one factory, adapted to every bundler by the entries beside this
 * file (`adgen/vite`, `adgen/rollup`, `adgen/esbuild`, `adgen/webpack`, `adgen/rspack`). The work
 * is done by AdgenContext (context.ts); this file only wires its methods to hooks and filters.
 */
import { createUnplugin, type UnpluginInstance } from "unplugin";
import type { AdgenPluginOptions } from "./options.js";
import { AdgenContext, type HookContext } from "./context.js";
import { COMPANION_ID, COMPANION_QUERY, COMPANION_SPECIFIER } from "./id.js";

export type { AdgenPluginOptions } from "./options.js";

type Target = "client" | "server";

/** Whether a webpack/Rspack `target` is a browser's (webpack's default, `web`, `browserslist`). */
function webTarget(target: unknown): Target {
  const list = Array.isArray(target) ? target : [target];
  return list.some((t) => t === undefined || t === false || /^(web|browserslist)/.test(String(t)))
    ? "client"
    : "server";
}

const SCRIPTS = /\.(?:[cm]?ts|tsx|jsx?|mjs)(?:\?.*)?$/;
const NODE_MODULES = /[\\/]node_modules[\\/]/;
/** A module that may import from `adgen`: the only ones parsed. */
const MENTIONS_ADGEN = /["']adgen["']/;

export const unplugin: UnpluginInstance<AdgenPluginOptions | undefined, false> = createUnplugin(
  (options = {}, meta) => {
    const context = new AdgenContext(meta.framework);
    /** Whether the build is for a browser, as far as the bundler says: undefined when it does not. */
    let target: Target | undefined;
    return {
      name: "adgen",
      enforce: "pre",
      resolveId: {
        filter: { id: COMPANION_ID },
        handler(id) {
          return context.resolveId(id);
        },
      },
      load: {
        filter: { id: COMPANION_ID },
        handler(id) {
          return context.load(this as unknown as HookContext, id);
        },
      },
      transform: {
        filter: {
          id: {
            include: options.include ?? SCRIPTS,
            exclude: [COMPANION_ID, /^\0/, ...toArray(options.exclude ?? NODE_MODULES)],
          },
          code: MENTIONS_ADGEN,
        },
        handler(code, id) {
          // Vite 6+: each environment (client, ssr) transforms on its own.
          const consumer = (this as { environment?: { config?: { consumer?: string } } }).environment?.config?.consumer;
          const client = consumer ? consumer === "client" : target === "client";
          return context.transform(this as unknown as HookContext, code, id, {
            runtimeFallback: client && options.runtimeFallback !== true ? "error" : "warn",
          });
        },
      },
      vite: {
        // The runtime `grad` (the compiler) is for Node; the plugin removes its imports, so Vite
        // must not pre-bundle `adgen` for the browser on its own.
        config: () => ({ optimizeDeps: { exclude: ["adgen"] } }),
        configResolved(config) {
          target = config.build.ssr ? "server" : "client";
        },
      },
      webpack(compiler) {
        target = webTarget(compiler.options.target);
      },
      rspack(compiler) {
        target = webTarget(compiler.options.target);
      },
      esbuild: {
        onResolveFilter: COMPANION_SPECIFIER,
        config(build) {
          target = build.platform === "node" || build.platform === "neutral" ? "server" : "client";
        },
        // Only candidate modules and companions reach JavaScript.
        onLoadFilter: options.include ? /.*/ : new RegExp(`\\.(?:[cm]?ts|tsx|jsx?|mjs)$|${COMPANION_QUERY.source}`),
      },
    };
  },
);

function toArray<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

export default unplugin;
