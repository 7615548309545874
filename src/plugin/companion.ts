/**
 * The companion module of one function: the compiler's output for it (which may import
 * `adgen/gates`, resolved by the bundler like any import of the defining file), default-exporting
 * `<name>_grad` (or `<name>_vjp` for `vjp(f)`, `<name>_jvp` for `jvp(f)`, ...), with a source map
 * into the file that defines the function.
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Diagnostic } from "../diagnostics.js";
import { compileCompanion, wrongReturnMessage } from "../runtime/modes.js";
import { restoreFrame } from "./frame.js";
import type { CompanionRequest } from "./id.js";
import { companionMap, type SourceMap } from "./map.js";
import { nodeResolve } from "./resolve.js";
import { isRelative } from "./scan.js";
import { selectFunction } from "./select.js";

export type CompanionResult =
  | { code: string; map: SourceMap }
  | { diagnostics: Diagnostic[] }
  | {
      error: string;
      start: number;
      end: number;
      /** Set when the function returns the other kind of value: `grad` asked of a vector-valued function, `vjp` of a scalar one, ... */
      wrongMode?: { name: string; returns: "number" | "array" };
    };

/**
 * Compiles the function `request` names from `text`, the content of `request.file`. Paths in the
 * header and in diagnostics are relative to `root` (the compiler reads the files `text` imports
 * relative to it too).
 */
export function buildCompanion(text: string, request: CompanionRequest, root: string): CompanionResult {
  // Follow re-exports to the file that defines the function (a few hops at most).
  let { file, kind, name } = request;
  let selection = selectFunction(text, file, kind, name);
  for (let hops = 0; "reexports" in selection && hops < 8; hops++) {
    const next = selection.reexports
      .map((r) => ({ ...r, file: isRelative(r.specifier) ? nodeResolve(r.specifier, file) : undefined }))
      .map((r) => ({ ...r, text: r.file === undefined ? undefined : readText(r.file) }))
      .find((r) => r.text !== undefined && !("error" in selectFunction(r.text, r.file!, "export", r.name)));
    if (!next) break;
    ({ file, text, name } = { file: next.file!, text: next.text!, name: next.name });
    kind = "export";
    selection = selectFunction(text, file, kind, name);
  }
  if ("reexports" in selection)
    return {
      error: `cannot differentiate export '${name}': no relative module it is re-exported from defines it`,
      start: 0,
      end: 0,
    };
  if ("error" in selection) return selection;

  const displayName = displayPath(file, root);
  const mode = request.mode ?? "grad";
  const options = {
    fileName: displayName,
    readFile: (path: string) => readText(resolve(root, path)),
    language: "js" as const,
    ...(request.wrt ? { wrt: request.wrt } : {}),
  };
  const built = compileCompanion(selection.source, options, selection.local, mode);
  if ("diagnostics" in built)
    return {
      diagnostics: built.diagnostics.map((d) =>
        // Diagnostics in the file itself quote its blanked copy; those in files it imports, the files.
        d.file === displayName
          ? { ...d, file, frame: restoreFrame(d.frame, text) }
          : { ...d, file: resolve(root, d.file) },
      ),
    };
  const at = { start: selection.node.getStart(selection.sf), end: selection.node.end };
  if ("wrongReturn" in built)
    return {
      error: wrongReturnMessage(mode, selection.local, built.wrongReturn),
      ...at,
      wrongMode: { name: selection.local, returns: built.wrongReturn },
    };
  if ("missing" in built) return { error: `adgen: ${built.missing}`, ...at };
  const { result, exportName } = built;
  const code = `${result.code}export default ${exportName};\n`;
  const source = (shown: string) => {
    if (shown === displayName) return { path: file, text };
    const path = resolve(root, shown);
    const imported = readText(path);
    return imported === undefined ? undefined : { path, text: imported };
  };
  return { code, map: companionMap(code, result.lines, source) };
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
