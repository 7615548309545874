/**
 * Circuit pictures: a function's computational graph as Graphviz DOT (and SVG, through Graphviz
 * compiled to WebAssembly), at a point labelled with every wire's value and gradient, as the
 * lecture draws the neuron. Used by `adgen graph` and the playground; nothing here needs Node.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { Graph } from "../ir.js";
import { optimise } from "../optimise/index.js";
import { parseProgram } from "../parser/index.js";
import { buildCircuit } from "./build.js";
import { circuitDot } from "./dot.js";
import { evaluateCircuit, PictureError } from "./evaluate.js";
import { summaryDot } from "./summary.js";

export { PictureError } from "./evaluate.js";
export { formatValue } from "./format.js";

/** Above this many nodes, a picture is a summary (`maxNodes` changes it). */
export const MAX_NODES = 300;

export interface CircuitOptions {
  /** Name of the source file, for diagnostics. Default `input.ts`. */
  fileName?: string;
  /** The function to draw (default: the file's first function to differentiate). */
  function?: string;
  /** Label the wires with values and gradients at this point: a number per parameter, by name. */
  at?: Record<string, number>;
  /** Draw each gate (`sigmoid`) as the primitive operations of its forward. */
  expandGates?: boolean;
  /** Draw a summary instead above this many nodes (default 300). */
  maxNodes?: number;
  /** How to read relatively imported modules (default: none can be read). */
  readFile?: (path: string) => string | undefined;
}

export interface CircuitResult {
  /** The picture in Graphviz DOT; empty when there are diagnostics. */
  dot: string;
  diagnostics: Diagnostic[];
  /** The function drawn. */
  function?: string;
  /** The functions `function` could name: the file's functions to differentiate. */
  functions?: string[];
  /** With `at`: the function's value and its parameters' gradients there. */
  value?: number;
  gradients?: Record<string, number>;
  /** Whether the graph had more than `maxNodes` nodes and the picture is a summary. */
  summary?: boolean;
}

/**
 * The computational graph of a function in `source`, as DOT. Throws a `PictureError` for options
 * that do not fit the function (an unknown or missing parameter in `at`, `at` for a function of arrays).
 */
export function circuit(source: string, options: CircuitOptions = {}): CircuitResult {
  const fileName = options.fileName ?? "input.ts";
  const host = { readFile: options.readFile ?? (() => undefined) };
  const only = options.function ? [options.function] : undefined;
  const { program, sinks } = parseProgram(source, fileName, host, only);
  const diagnostics = sinks.flatMap((s) => s.diagnostics);
  if (diagnostics.length > 0) return { dot: "", diagnostics };
  optimise(program);
  const graph = program.entries.find((g) => !options.function || g.name === options.function) ?? program.entries[0]!;
  const built = buildCircuit(graph, program, { expandGates: options.expandGates ?? false });
  const at = options.at ? pointFor(graph, options.at) : undefined;
  const evaluation = at ? evaluateCircuit(built, program, at) : undefined;
  const large = built.nodes.length > (options.maxNodes ?? MAX_NODES);
  const dot = large
    ? summaryDot(built, options.maxNodes ?? MAX_NODES)
    : circuitDot(built, evaluation ? { evaluation } : {});
  return {
    dot,
    diagnostics: [],
    function: graph.name,
    functions: program.entries.map((g) => g.name),
    ...(evaluation ? { value: evaluation.value, gradients: evaluation.gradients } : {}),
    ...(large ? { summary: true } : {}),
  };
}

/** `at` checked against the function's parameters. */
function pointFor(graph: Graph, at: Record<string, number>): Record<string, number> {
  const names = graph.params.map((p) => p.name);
  const unknown = Object.keys(at).filter((k) => !names.includes(k));
  if (unknown.length > 0)
    throw new PictureError(
      `${unknown.map((u) => `'${u}'`).join(", ")} ${unknown.length === 1 ? "is not a parameter" : "are not parameters"} of '${graph.name}' (${names.join(", ") || "none"})`,
    );
  const missing = graph.params.filter((p) => p.type === "number" && !(p.name in at)).map((p) => p.name);
  if (missing.length > 0)
    throw new PictureError(
      `give every parameter of '${graph.name}' a value: ${missing.map((m) => `'${m}'`).join(", ")} missing`,
    );
  return at;
}

let viz: Promise<{ renderString: (dot: string, options: { format: string }) => string }> | undefined;

/** The picture as SVG, drawn by Graphviz compiled to WebAssembly (`@viz-js/viz`). */
export async function renderSvg(dot: string): Promise<string> {
  viz ??= import("@viz-js/viz").then((m) => m.instance());
  return (await viz).renderString(dot, { format: "svg" });
}
