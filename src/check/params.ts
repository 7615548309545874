/** Reading a function's parameter names from its source text (types already stripped or not). */

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;

/**
 * The names of `f`'s parameters, in order, from `f.toString()`; undefined where the text does not
 * show them plainly (a destructured parameter, native code).
 */
export function parameterNames(f: Function): string[] | undefined {
  const text = Function.prototype.toString.call(f).trim();
  const bare = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(text);
  if (bare) return [bare[1]!];
  const open = text.indexOf("(");
  if (open < 0) return undefined;
  // The top-level commas of the parameter list (types and defaults may hold brackets and strings).
  const parts: string[] = [];
  let depth = 0;
  let start = open + 1;
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if ("([{<".includes(ch)) depth++;
    else if (ch === ">" && text[i - 1] !== "=") depth--;
    else if (")]}".includes(ch)) {
      if (depth === 0) {
        parts.push(text.slice(start, i));
        break;
      }
      depth--;
    } else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const names: string[] = [];
  for (const part of parts) {
    const p = part.replace(/\/\*[^]*?\*\/|\/\/.*$/gm, "").trim();
    if (p === "") continue; // a trailing comma
    const name = IDENTIFIER.exec(p.replace(/^\.\.\./, ""))?.[0];
    if (!name) return undefined;
    names.push(name);
  }
  return names;
}
