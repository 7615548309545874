/**
 * The circuit picture of the chosen function (src/picture: Graphviz DOT, drawn to SVG by
 * Graphviz compiled to WebAssembly), with every wire's value and gradient at the typed inputs.
 */
import type { GeneratedFunction } from "../../src/index.js";
import { circuit, renderSvg } from "../../src/index.js";
import { parseValue } from "./run.js";

let latest = 0;

/**
 * Draws `primal`'s circuit into `container`; at the typed values when every parameter is a number
 * with a value (the picture labels scalar circuits only), else without values. Returns what it
 * could not do, or "".
 */
export async function drawPicture(
  container: HTMLElement,
  source: string,
  primal: string,
  fn: GeneratedFunction,
  texts: Record<string, string>,
): Promise<string> {
  const run = ++latest;
  const scalar = fn.params.every((p) => p.type === "number");
  const values = fn.params.map((p) => parseValue(p.type, texts[p.name] ?? ""));
  const at =
    scalar && values.every((v) => v !== undefined)
      ? Object.fromEntries(fn.params.map((p, i) => [p.name, values[i] as number]))
      : undefined;
  try {
    const result = circuit(source, { function: primal, readFile: () => undefined, ...(at ? { at } : {}) });
    if (result.diagnostics.length > 0) throw new Error(result.diagnostics[0]!.message);
    const svg = await renderSvg(result.dot);
    if (run !== latest) return "";
    container.innerHTML = svg;
    return at
      ? ""
      : scalar
        ? "values appear once every input is a number"
        : "values are drawn for functions of numbers";
  } catch (e) {
    if (run === latest) container.replaceChildren();
    return e instanceof Error ? e.message : String(e);
  }
}
