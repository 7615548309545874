/** What the runtime `grad(f)`, `jvp(f)`, ... tests share. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GradError } from "../../src/index.js";
import type { Fixture } from "./fixtures.js";

/**
 * The runtime sees only `f.toString()`, so it refuses a function that uses a name defined elsewhere
 * in its module (a constant, a helper, an import): the names it reports must be exactly such names.
 */
export function refusedForInvisibleNames(e: unknown, fixture: Fixture): boolean {
  if (!(e instanceof GradError) || e.diagnostics.length === 0) return false;
  const input = readFileSync(join(fixture.dir, "input.ts"), "utf8");
  return e.diagnostics.every((d) => {
    // `'g'`, or `'unit(...)'` / `'ns.unit(...)'` for calls (a module runner renames imports).
    const name = /'(?:[\w$]+\.)?([\w$]+)(?:\(\.\.\.\))?'/.exec(d.message)?.[1];
    const topLevel = new RegExp(`^(export )?(const|function|import|class)\\b.*\\b${name}\\b`, "m");
    const imported = d.message.includes("__vite_ssr_import_"); // a binding the module runner rewrote
    return ["ADG3001", "ADG3002"].includes(d.code) && name !== undefined && (imported || topLevel.test(input));
  });
}

/**
 * The runtime sees `f.toString()` with its types erased: `new Array<Float64Array>(n)` (a matrix
 * whose rows the function sets) reads as `new Array(n)`, which adgen refuses (ADG2002).
 */
export function refusedForErasedTypes(e: unknown, fixture: Fixture): boolean {
  if (!(e instanceof GradError) || e.diagnostics.length === 0) return false;
  const input = readFileSync(join(fixture.dir, "input.ts"), "utf8");
  return (
    /new Array<(Float64Array|number\[\])>\(/.test(input) &&
    e.diagnostics.every((d) => d.code === "ADG2002" && d.message.startsWith("'new Array' is not supported"))
  );
}
