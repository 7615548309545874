/**
 * The bundler plugin, on unplugin: one factory, adapted to every bundler by the entries beside this
 * file (`adgen/vite`, `adgen/rollup`, `adgen/esbuild`, `adgen/webpack`, `adgen/rspack`). The work
 * is done by AdgenContext (context.ts); this file only wires its methods to hooks and filters.
 */
import { createUnplugin, type FilterPattern, type UnpluginInstance } from "unplugin";
import { AdgenContext, type HookContext } from "./context.js";
import { COMPANION_ID } from "./id.js";

export interface AdgenPluginOptions {
  /** Modules to look at for `grad` and `vjp` calls (default: `.ts`, `.tsx`, `.mts`, `.js`, `.jsx`, `.mjs`). */
  include?: FilterPattern;
  /** Modules never to look at (default: anything under `node_modules`). */
  exclude?: FilterPattern;
}

const SCRIPTS = /\.(?:[cm]?ts|tsx|jsx?|mjs)(?:\?.*)?$/;
const NODE_MODULES = /[\\/]node_modules[\\/]/;
/** A module that may import from `adgen`: the only ones parsed. */
const MENTIONS_ADGEN = /["']adgen["']/;

export const unplugin: UnpluginInstance<AdgenPluginOptions | undefined, false> = createUnplugin(
  (options = {}, meta) => {
    const context = new AdgenContext(meta.framework);
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
          return context.transform(this as unknown as HookContext, code, id);
        },
      },
      vite: {
        // The runtime `grad` (the compiler) is for Node; the plugin removes its imports, so Vite
        // must not pre-bundle `adgen` for the browser on its own.
        config: () => ({ optimizeDeps: { exclude: ["adgen"] } }),
      },
      esbuild: {
        onResolveFilter: /^adgen\/(?:grad|vjp):/,
        // Only candidate modules and companions reach JavaScript.
        onLoadFilter: options.include ? /.*/ : /\.(?:[cm]?ts|tsx|jsx?|mjs)$|\?adgen-(?:grad|vjp)=/,
      },
    };
  },
);

function toArray<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

export default unplugin;
