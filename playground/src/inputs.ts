/** The run panel: one editable input per parameter of the chosen gradient function, its gradient beside it. */
import type { GeneratedFunction } from "../../src/index.js";
import type { Evaluation } from "./run.js";

/** Four significant digits, as a person reads them (0.7311, -0.1966). */
export const show = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(4).replace(/\.?0+$/, ""));

const showGrad = (g: number | number[] | undefined): string =>
  g === undefined ? "" : typeof g === "number" ? show(g) : `[${g.map(show).join(", ")}]`;

/**
 * Rebuilds the table for `fn` (keeping the typed texts, by parameter name); `onInput` runs when a
 * value is edited.
 */
export function renderInputs(
  table: HTMLTableElement,
  fn: GeneratedFunction,
  texts: Record<string, string>,
  onInput: () => void,
): void {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const title of ["parameter", "value", "gradient"])
    head.appendChild(document.createElement("th")).textContent = title;
  const body = table.createTBody();
  for (const p of fn.params) {
    const row = body.insertRow();
    row.dataset.param = p.name;
    row.insertCell().textContent = `${p.name}: ${p.type}`;
    const input = row.insertCell().appendChild(document.createElement("input"));
    input.name = p.name;
    input.value = texts[p.name] ?? (p.type === "number" ? "1" : "1, 2, 3");
    texts[p.name] = input.value;
    input.spellcheck = false;
    input.addEventListener("input", () => {
      texts[p.name] = input.value;
      onInput();
    });
    row.insertCell().className = "grad";
  }
  const foot = table.createTFoot().insertRow();
  foot.insertCell().textContent = "value";
  const value = foot.insertCell();
  value.colSpan = 2;
  value.className = "value";
}

/** Writes the value and the gradients of an evaluation into the table. */
export function showEvaluation(table: HTMLTableElement, evaluation: Evaluation | undefined): void {
  for (const row of table.tBodies[0]?.rows ?? [])
    row.cells[2]!.textContent = showGrad(evaluation?.grad[row.dataset.param!]);
  const value = table.tFoot?.querySelector(".value");
  if (value) value.textContent = evaluation ? show(evaluation.value) : "";
}
