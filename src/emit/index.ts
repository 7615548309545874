/**
 * Phase 3, emit: CodeModule -> TypeScript text (and the graph as text for `--emit graph`).
 */
import * as prettier from "prettier";

export { printGraph } from "./graph.js";
export { printModule, type ModuleInfo } from "./module.js";

/** Formats generated code with prettier's defaults, so it reads like the rest of a TS codebase. */
export function format(code: string): Promise<string> {
  return prettier.format(code, { parser: "typescript" });
}
