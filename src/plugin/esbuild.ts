/**
 * adgen's build-time `grad()` for esbuild. See docs/PLUGIN.md.
 *
 * unplugin hands esbuild a message's file, line and column but not the line's text, so esbuild
 * would print an empty code frame; and a diagnostic in a function that several companions
 * differentiate (`grad(loss)` and `grad(loss, { wrt })`) would be reported once per companion.
 * Here each message gets its line's text, and is reported once per build.
 */
import { readFileSync } from "node:fs";
import type { OnLoadResult, OnResolveResult, PartialMessage, PluginBuild } from "esbuild";
import { unplugin } from "./core.js";
import type { AdgenPluginOptions, EsbuildLikePlugin } from "./options.js";

export type { AdgenPluginOptions } from "./options.js";

export default function adgen(options?: AdgenPluginOptions): EsbuildLikePlugin {
  const base = unplugin.esbuild(options);
  return {
    name: base.name,
    setup(build: PluginBuild) {
      const seen = new Set<string>();
      build.onStart(() => seen.clear());
      const lines = new Map<string, string[] | undefined>();
      const lineText = (file: string, line: number): string => {
        if (!lines.has(file)) {
          let text: string[] | undefined;
          try {
            text = readFileSync(file, "utf8").split(/\r?\n/);
          } catch {
            text = undefined;
          }
          lines.set(file, text);
        }
        return lines.get(file)?.[line - 1] ?? "";
      };
      const fix = (messages: PartialMessage[] | undefined): PartialMessage[] | undefined =>
        messages
          ?.filter((m) => {
            const key = JSON.stringify([m.text, m.location?.file, m.location?.line, m.location?.column]);
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          })
          .map((m) =>
            m.location && !m.location.lineText && m.location.file
              ? { ...m, location: { ...m.location, lineText: lineText(m.location.file, m.location.line ?? 0) } }
              : m,
          );
      const fixed = <R extends OnLoadResult | OnResolveResult>(result: R | null | undefined) => {
        if (!result) return result;
        const errors = fix(result.errors);
        const warnings = fix(result.warnings);
        return { ...result, ...(errors ? { errors } : {}), ...(warnings ? { warnings } : {}) };
      };
      const onLoad: PluginBuild["onLoad"] = (opts, cb) => build.onLoad(opts, async (args) => fixed(await cb(args)));
      const onResolve: PluginBuild["onResolve"] = (opts, cb) =>
        build.onResolve(opts, async (args) => fixed(await cb(args)));
      // esbuild's build object is a plain object of functions: a copy with two of them wrapped.
      const wrapped: PluginBuild = { ...build, onLoad, onResolve };
      return base.setup(wrapped);
    },
  };
}
