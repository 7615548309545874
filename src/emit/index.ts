/**
 * Phase 3, emit: CodeModule -> TypeScript text (and the graph as text for `--emit graph`).
 */
import type { Plugin } from "prettier";

export { printGraph } from "./graph.js";
export { formattedOrigins } from "./lines.js";
export { printModule, printModuleLines, type ModuleInfo, type PrintedModule } from "./module.js";

/**
 * Formats generated code with prettier's defaults, so it reads like the rest of a TS codebase.
 * prettier is loaded on first use (it is most of the CLI's start-up otherwise), and told the code
 * is a `.ts` file, which spares it a JSX guess whose cost grows with lines × length. The parser's
 * plugins are passed in, so that prettier's standalone build (what a browser bundle gets, through
 * prettier's `browser` field), which has none built in, formats the same.
 */
export async function format(code: string, options: Record<string, unknown> = {}): Promise<string> {
  const [prettier, typescript, estree] = await Promise.all([
    import("prettier"),
    import("prettier/plugins/typescript"),
    import("prettier/plugins/estree"),
  ]);
  const plugins = [typescript, estree, ...((options.plugins as (string | Plugin)[] | undefined) ?? [])];
  return prettier.format(code, { ...options, plugins, parser: "typescript", filepath: "gradient.ts" });
}

/** Above this many lines, `compile()` leaves the code as printed unless asked to format it. */
export const FORMAT_LIMIT = 1_000;
