/**
 * Keeps each generated line's origin through formatting. prettier moves and wraps lines but keeps
 * the statements and their order, so the code before and after it has the same statements in
 * the same order: a formatted line takes the origin of the innermost statement it belongs to,
 * read where that statement starts in the code as printed. (Blank lines come from nothing.)
 */
import { ts } from "ts-morph";

/** Per statement, in document order: its first and last line (0-based). */
function statementLines(code: string): { start: number; end: number }[] {
  const sf = ts.createSourceFile("gradient.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const spans: { start: number; end: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStatement(node) || ts.isFunctionDeclaration(node))
      spans.push({
        start: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line,
        end: sf.getLineAndCharacterOfPosition(node.getEnd()).line,
      });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return spans;
}

/** What `formatted`'s lines come from, given what `printed`'s do (the same code before prettier). */
export function formattedOrigins<T>(printed: string, origins: (T | null)[], formatted: string): (T | null)[] {
  const lines = formatted.split("\n");
  const out: (T | null)[] = lines.map(() => null);
  const before = statementLines(printed);
  const after = statementLines(formatted);
  if (before.length !== after.length) return out;
  for (const [i, span] of after.entries())
    for (let line = span.start; line <= span.end; line++) out[line] = origins[before[i]!.start] ?? null;
  for (const [i, line] of lines.entries()) if (line.trim() === "") out[i] = null;
  return out;
}
