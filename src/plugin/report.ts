/**
 * Errors and warnings in each bundler's own shape: Rollup and Vite get `loc` and `frame` fields
 * (they print the frame themselves), esbuild a location and the frame in its text, webpack and
 * Rspack one message with `file:line:col` and the frame. Never a stack trace: the problem is in
 * the user's code, not in the plugin.
 */
import { displayPath } from "./companion.js";
import { codeFrame, locate, type Location } from "./frame.js";

export interface Problem extends Location {
  /** Absolute path of the file at fault. */
  file: string;
  message: string;
  /** An adgen diagnostic code (`ADG3003`), for compiler diagnostics. */
  code?: string;
  frame: string;
}

interface MessageContext {
  error: (message: string | object) => void;
  warn: (message: string | object) => void;
}

/** A problem at `[start, end)` of `text`, the content of `file`. */
export function problemAt(file: string, text: string, start: number, end: number, message: string): Problem {
  const at = locate(text, start);
  return { file, message, ...at, frame: codeFrame(text, at, Math.max(1, end - start)) };
}

export function report(ctx: unknown, framework: string, level: "error" | "warn", p: Problem): void {
  const send = (ctx as MessageContext)[level].bind(ctx);
  const title = p.code ? `${p.code}: ${p.message}` : p.message;
  const where = `${displayPath(p.file, process.cwd())}:${p.line}:${p.column}`;
  if (["rollup", "vite", "rolldown", "unloader"].includes(framework)) {
    send({
      message: title,
      id: p.file,
      loc: { file: p.file, line: p.line, column: p.column - 1 },
      frame: p.frame,
      // Replaces the plugin's own stack trace, which Rollup and Vite would otherwise print.
      stack: "",
      ...(p.code ? { pluginCode: p.code } : {}),
    });
  } else if (framework === "esbuild") {
    send({ message: `${title}\n\n${p.frame}\n`, loc: { file: p.file, line: p.line, column: p.column - 1 } });
  } else {
    send({ message: `${where} - ${level === "error" ? "error" : "warning"} ${title}\n\n${p.frame}\n`, stack: "" });
  }
}
