/**
 * How `compile()` reads a relatively imported module when no `readFile` option is given: from
 * disk, relative to the working directory. A browser build gets `read-file.browser.ts` instead
 * (package.json's `browser` field; playground/vite.config.ts for the sources).
 */
import { readFileSync } from "node:fs";

/** The file's text, or undefined if there is no such file. */
export function readFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
