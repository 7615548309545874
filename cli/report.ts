/** How the CLI prints diagnostics: for people (optionally in colour, with a link per code), or as JSON. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Diagnostic } from "../src/diagnostics.js";

/** The package's root: one folder above cli/ (sources) or two above dist/cli/. */
function packageRoot(): string | undefined {
  for (const up of ["../", "../../"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "adgen") return dir;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * Where a code is documented: the package's `homepage` (its docs/DIAGNOSTICS.md) when it has one,
 * else the catalogue shipped in the package.
 */
export function docsUrl(code: string): string {
  const root = packageRoot();
  const anchor = `#${code.toLowerCase()}`;
  if (root) {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { homepage?: string };
    if (pkg.homepage)
      return `${pkg.homepage.replace(/#.*$/, "").replace(/\/$/, "")}/blob/main/docs/DIAGNOSTICS.md${anchor}`;
    const doc = join(root, "docs", "DIAGNOSTICS.md");
    if (existsSync(doc)) return `${pathToFileURL(doc).href}${anchor}`;
  }
  return `docs/DIAGNOSTICS.md${anchor}`;
}

export function colors(on: boolean) {
  const wrap = (open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), cyan: wrap(36, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** tsc's shape: `file:line:col - error ADG####: message`, the code frame, and the code's page. */
export function humanDiagnostic(d: Diagnostic, paint: ReturnType<typeof colors>): string {
  const where = `${paint.cyan(d.file)}:${paint.yellow(String(d.line))}:${paint.yellow(String(d.column))}`;
  const frame = d.frame.replace(/^(\s*\|\s*)(\^+)$/gm, (_, lead: string, carets: string) => lead + paint.red(carets));
  return `${where} - ${paint.red("error")} ${paint.dim(d.code)}: ${d.message}\n\n${frame}\n${paint.dim(`  ${docsUrl(d.code)}`)}\n`;
}

/** One JSON array: code, severity, message, file, start and end (1-based line and column), url. */
export function diagnosticsJson(diagnostics: Diagnostic[]): string {
  return `${JSON.stringify(
    diagnostics.map((d) => ({
      code: d.code,
      severity: "error",
      message: d.message,
      file: d.file,
      start: { line: d.line, column: d.column },
      end: { line: d.endLine, column: d.endColumn },
      url: docsUrl(d.code),
    })),
    null,
    2,
  )}\n`;
}
