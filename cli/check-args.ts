/** Reading `adgen check`'s `--at` points and `--length` sizes. */

/** A point as given: some or all parameters by name. */
export type Template = Record<string, unknown>;

/** `a,b=[1,2],c={"x":1}` split at the commas outside brackets, braces and strings. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === "[" || ch === "{") depth++;
    else if (ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** A value: a number as JavaScript reads it (`-.5`, `1e-3`), else JSON (arrays, records, booleans). */
function parseValue(text: string): unknown {
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  return JSON.parse(text) as unknown;
}

/** `name=value,...` as a template, or a message saying what is wrong. */
export function parsePoint(text: string): Template | string {
  const template: Template = {};
  const parts = splitTopLevel(text);
  if (parts.length === 0) return "expected name=value,...";
  for (const part of parts) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z_$][\w$]*$/.test(name)) return `expected name=value, got '${part}'`;
    if (name in template) return `'${name}' is given twice`;
    try {
      template[name] = parseValue(part.slice(eq + 1).trim());
    } catch {
      return `'${part.slice(eq + 1).trim()}' is neither a number nor JSON (arrays as [1,2,3], records as {"x":1})`;
    }
  }
  return template;
}

/** Whether a value given for a parameter of `type` has that type (other types: anything). */
export function fits(value: unknown, type: string): boolean {
  if (type === "number") return typeof value === "number";
  if (type === "boolean") return typeof value === "boolean";
  if (type === "number[]" || type === "Float64Array")
    return Array.isArray(value) && value.every((v) => typeof v === "number");
  return true;
}

/** `--length 4` (every array) or `--length a=4,b=2` (those arrays; others 3). */
export function parseLengths(text: string): { all: number; named: Record<string, number> } | string {
  const whole = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s) : undefined);
  const all = whole(text);
  if (all !== undefined) return { all, named: {} };
  const named: Record<string, number> = {};
  for (const part of text.split(",")) {
    const [name, n] = part.split("=").map((s) => s.trim());
    const length = n === undefined ? undefined : whole(n);
    if (!name || length === undefined) return `--length takes n or name=n,..., got '${text}'`;
    named[name] = length;
  }
  return { all: 3, named };
}
