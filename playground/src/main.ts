/**
 * The page: the source editor, the generated module beside it (recompiled as you type), adgen's
 * diagnostics inline, and the chosen gradient function run on editable inputs.
 */
import { formatDiagnostic, type GeneratedFunction } from "../../src/index.js";
import { outputView, replaceDoc, showDiagnostics, sourceEditor } from "./editors.js";
import { checkFunction } from "./check.js";
import { examples } from "./examples.js";
import { renderInputs, showEvaluation } from "./inputs.js";
import { drawPicture } from "./picture.js";
import { livePrimals } from "./primal.js";
import { compileSource, evaluate, liveFunctions } from "./run.js";
import "./style.css";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const exampleSelect = $<HTMLSelectElement>("example");
const functionSelect = $<HTMLSelectElement>("function");
const status = $<HTMLElement>("status");
const diagnosticList = $<HTMLUListElement>("diagnostics");
const inputs = $<HTMLTableElement>("inputs");
const runError = $<HTMLElement>("run-error");
const check = $<HTMLElement>("check");
const picture = $<HTMLElement>("picture");
const pictureNote = $<HTMLElement>("picture-note");

/** The typed values, by parameter name, kept across edits of the source. */
let texts: Record<string, string> = {};
let functions: GeneratedFunction[] = [];
let live = new Map<string, Function>();
/** The source's own functions, by name, for the check. */
let primals = new Map<string, Function>();
let latest = 0;

const source = sourceEditor($("source"), "", () => schedule());
const output = outputView($("output"));

for (const e of examples) exampleSelect.add(new Option(e.title, e.id));
exampleSelect.addEventListener("change", () => open(exampleSelect.value));
functionSelect.addEventListener("change", () => showFunction());

function open(id: string): void {
  const example = examples.find((e) => e.id === id) ?? examples[0]!;
  exampleSelect.value = example.id;
  texts = { ...example.inputs };
  replaceDoc(source, example.source);
  void update();
}

let timer: ReturnType<typeof setTimeout> | undefined;
function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void update(), 150);
}

/** Compiles the current source and shows everything that follows from it. */
async function update(): Promise<void> {
  const run = ++latest;
  const text = source.state.doc.toString();
  const { result, ms } = await compileSource(text);
  if (run !== latest) return; // the source changed meanwhile
  showDiagnostics(
    source,
    result.diagnostics.filter((d) => d.file === "input.ts"),
  );
  diagnosticList.replaceChildren(
    ...result.diagnostics.map((d) => {
      const li = document.createElement("li");
      li.textContent = `${d.code} (${d.line}:${d.column}) ${d.message}`;
      return li;
    }),
  );
  replaceDoc(
    output,
    result.diagnostics.length > 0 ? result.diagnostics.map((d) => formatDiagnostic(d)).join("\n\n") : result.code,
  );
  document.body.dataset.state = result.diagnostics.length > 0 ? "diagnostics" : "compiled";
  document.body.dataset.compiles = String(run);
  status.textContent = `compiled in ${ms.toFixed(1)} ms`;
  status.dataset.ms = String(ms);

  functions = result.functions.filter((f) => f.kind === "grad");
  try {
    live = result.diagnostics.length > 0 ? new Map() : liveFunctions(text);
    primals = result.diagnostics.length > 0 ? new Map() : livePrimals(text, functions.map(primalName));
    runError.textContent =
      result.diagnostics.length > 0
        ? "Nothing to run until the diagnostics are fixed."
        : functions.length === 0
          ? "The page runs the gradients of functions that return a number; this file has none (a vector-valued function gets an f_vjp)."
          : "";
  } catch (e) {
    live = new Map();
    primals = new Map();
    runError.textContent = e instanceof Error ? e.message : String(e);
  }
  const chosen = functionSelect.value;
  functionSelect.replaceChildren(...functions.map((f) => new Option(f.name, f.name)));
  if (functions.some((f) => f.name === chosen)) functionSelect.value = chosen;
  showFunction();
}

/** Builds the inputs of the chosen gradient function and runs it. */
function showFunction(): void {
  const fn = functions.find((f) => f.name === functionSelect.value);
  if (!fn) {
    inputs.replaceChildren();
    return;
  }
  renderInputs(inputs, fn, texts, () => evaluateChosen());
  evaluateChosen();
}

function evaluateChosen(): void {
  const fn = functions.find((f) => f.name === functionSelect.value);
  const f = fn && live.get(fn.name);
  if (!fn || !f) {
    showCheck(undefined);
    picture.replaceChildren();
    pictureNote.textContent = "";
    return showEvaluation(inputs, undefined);
  }
  const evaluation = evaluate(f, fn, texts);
  if ("error" in evaluation) {
    runError.textContent = evaluation.error;
    showEvaluation(inputs, undefined);
  } else {
    runError.textContent = "";
    showEvaluation(inputs, evaluation);
  }
  const primal = primals.get(primalName(fn));
  showCheck(primal && checkFunction(primal, f, fn, texts));
  void showPicture(fn);
}

/** Draws the chosen function's circuit at the typed values. */
async function showPicture(fn: GeneratedFunction): Promise<void> {
  const text = source.state.doc.toString();
  pictureNote.textContent = await drawPicture(picture, text, primalName(fn), fn, texts);
}

/** The check's report, or nothing to show. */
function showCheck(result: { text: string; ok: boolean } | undefined): void {
  check.textContent = result?.text ?? "";
  if (result) check.dataset.ok = String(result.ok);
  else delete check.dataset.ok;
}

/** The function a generated `f_grad` differentiates. */
const primalName = (fn: GeneratedFunction) => fn.name.replace(/_grad$/, "");

/** The editors, for the console and the end-to-end test (which reads whole documents, not the visible lines). */
Object.assign(window, { playground: { source, output } });

open(new URLSearchParams(location.search).get("example") ?? "neuron");
