/** Source positions for messages: 1-based line and column of an offset, and a code frame. */

export interface Location {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export function locate(text: string, offset: number): Location {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  return { line, column: offset - lineStart + 1 };
}

/** The lines around `line`, the span underlined: the same layout as the compiler's diagnostics. */
export function codeFrame(text: string, { line, column }: Location, length = 1): string {
  const lines = text.split(/\r?\n/);
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const src = lines[n - 1]!;
    out.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} |${src ? " " + src : ""}`);
    if (n === line) {
      const span = Math.max(1, Math.min(length, src.length - column + 1));
      out.push(`  ${" ".repeat(width)} | ${src.slice(0, column - 1).replace(/[^\t]/g, " ")}${"^".repeat(span)}`);
    }
  }
  return out.join("\n");
}

/**
 * A frame the compiler printed from a copy of `text` whose characters were blanked in place
 * (same offsets, same lines) and which had a line appended, with each quoted line put back as the
 * user wrote it and the appended one left out.
 */
export function restoreFrame(frame: string, text: string): string {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const out: string[] = [];
  for (const row of frame.split("\n")) {
    const m = /^([> ] +(\d+) \|)/.exec(row);
    if (!m) out.push(row);
    else if (Number(m[2]) <= lines.length)
      out.push(`${m[1]}${lines[Number(m[2]) - 1] ? " " + lines[Number(m[2]) - 1] : ""}`);
  }
  return out.join("\n");
}
