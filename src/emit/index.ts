/**
 * Phase 3, emit: CodeModule -> TypeScript text (and the graph as text for `--emit graph`).
 */
export { printGraph } from "./graph.js";
export { formattedOrigins } from "./lines.js";
export { printModule, printModuleLines, type ModuleInfo, type PrintedModule } from "./module.js";

/**
 * Formats generated code with prettier's defaults, so it reads like the rest of a TS codebase.
 * prettier is loaded on first use (it is most of the CLI's start-up otherwise), and told the code
 * is a `.ts` file, which spares it a JSX guess whose cost grows with lines × length.
 */
export async function format(code: string, options: Record<string, unknown> = {}): Promise<string> {
  const prettier = await import("prettier");
  return prettier.format(code, { ...options, parser: "typescript", filepath: "gradient.ts" });
}

/** Above this many lines, `compile()` leaves the code as printed unless asked to format it. */
export const FORMAT_LIMIT = 1_000;
