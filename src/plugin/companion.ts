/**
 * The companion module of one function: the compiler's output for it (which may import
 * `adgen/gates`, resolved by the bundler like any import of the defining file), default-exporting
 * `<name>_grad`, with a source map into the file that defines the function.
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import { compileSync } from "../index.js";
import { restoreFrame } from "./frame.js";
import type { CompanionRequest } from "./id.js";
import { companionMap, type SourceMap } from "./map.js";
import { selectFunction } from "./select.js";

export type CompanionResult =
  { code: string; map: SourceMap } | { diagnostics: Diagnostic[] } | { error: string; start: number; end: number };

/**
 * Compiles the function `request` names from `text`, the content of `request.file`. Paths in the
 * header and in diagnostics are relative to `root` (the compiler reads the files `text` imports
 * relative to it too).
 */
export function buildCompanion(text: string, request: CompanionRequest, root: string): CompanionResult {
  const displayName = displayPath(request.file, root);
  const selection = selectFunction(text, request.file, request.kind, request.name);
  if ("error" in selection) return selection;
  const result = compileSync(selection.source, {
    fileName: displayName,
    readFile: (path) => readText(resolve(root, path)),
    language: "js",
    ...(request.wrt ? { wrt: request.wrt } : {}),
  });
  if (result.diagnostics.length > 0)
    return {
      diagnostics: result.diagnostics.map((d) =>
        // Diagnostics in the file itself quote its blanked copy; those in files it imports, the files.
        d.file === displayName
          ? { ...d, file: request.file, frame: restoreFrame(d.frame, text) }
          : { ...d, file: resolve(root, d.file) },
      ),
    };

  const exportName = `${selection.local}_grad`;
  if (!new RegExp(`^export function ${exportName.replace(/\$/g, "\\$")}\\(`, "m").test(result.code))
    return {
      error: `adgen generated no function ${exportName}`,
      start: selection.node.getStart(selection.sf),
      end: selection.node.end,
    };
  const code = `${result.code}export default ${exportName};\n`;
  return { code, map: companionMap(code, text, request.file, selection.node, selection.sf) };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** `file` relative to `root` with forward slashes, or absolute when outside it. */
export function displayPath(file: string, root: string): string {
  const rel = relative(root, file);
  return (rel.startsWith("..") || rel === "" ? file : rel).replace(/\\/g, "/");
}
