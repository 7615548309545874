/**
 * A circuit as Graphviz DOT, laid out left to right as in the lecture: inputs on the left, one
 * node per gate labelled with its operation, and at a point each wire labelled with its forward
 * value (green, above) and its gradient (red, below). A value read by several gates first goes to
 * a branching point (the lecture's "copy" gate): the wire into it carries the value's whole
 * gradient, each wire out of it what one reader sends back — they add up.
 */
import type { Circuit, CircuitNode, Cluster, Wire } from "./build.js";
import type { Evaluation, WireLabel } from "./evaluate.js";
import { formatBoolean, formatValue } from "./format.js";

export const VALUE_COLOR = "#1a7f37";
export const GRADIENT_COLOR = "#cf222e";

const HEADER = [
  "  rankdir=LR;",
  '  graph [fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.45, labeljust=l];',
  '  node [fontname="Helvetica", fontsize=12, shape=circle, width=0.45, fixedsize=false, margin=0.03];',
  '  edge [fontname="Helvetica", fontsize=10, arrowsize=0.6];',
];

/** DOT's quoted string. */
export const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
/** DOT's quoted string of several lines. */
export const quoteLines = (...lines: string[]) => lines.map(quote).join(' + "\\n" + ');
/** Text inside an HTML-like label. */
const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The node a labelled wire passes through: its value above a rule and its gradient below (a
 * condition: its value only). The wire's two halves meet the rule at its ends, so the wire reads
 * as one line with the value above it and the gradient below, as on the lecture's slides.
 */
function wireLabelNode(id: string, l: WireLabel): string {
  const value = html(l.boolean ? formatBoolean(l.value) : formatValue(l.value));
  const gradient = l.gradient === undefined ? " " : html(formatValue(l.gradient));
  return (
    `${id} [shape=none, width=0, height=0, margin=0, label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">` +
    `<tr><td><font color="${VALUE_COLOR}">${value}</font></td></tr><hr/>` +
    `<tr><td><font color="${GRADIENT_COLOR}">${gradient}</font></td></tr></table>>];`
  );
}

function nodeAttributes(n: CircuitNode): string {
  const label = quote(n.label);
  const tooltip = `tooltip=${quote(n.tooltip)}`;
  switch (n.kind) {
    case "input":
    case "output":
      return `label=${label}, shape=plaintext, fontsize=14, ${tooltip}`;
    case "carried":
      return `label=${label}, shape=box, style=rounded, ${tooltip}`;
    case "test":
      return `label=${label}, shape=box, style="rounded,dashed", fontsize=10, ${tooltip}`;
    case "merge":
      return `label=${label}, shape=diamond, fontsize=10, width=0.35, ${tooltip}`;
    case "store":
      return `label=${label}, shape=box, ${tooltip}`;
    default:
      return `label=${label}${n.label.length > 3 ? ", shape=ellipse" : ""}, ${tooltip}`;
  }
}

function clusterAttributes(c: Cluster, evaluation: Evaluation | undefined, ran: boolean, circuit: Circuit): string[] {
  let label = c.label;
  if (evaluation && (c.kind === "then" || c.kind === "else") && !ran) label += " (not taken)";
  if (evaluation && c.kind === "loop") {
    const test = circuit.nodes.find((n) => n.kind === "test" && n.cluster === c.id);
    const runs = evaluation.runs.get(test?.id ?? "") ?? 0;
    const trips = (evaluation.counts.get(test?.id ?? "") ?? 0) - runs;
    const iterations = `${trips} iteration${trips === 1 ? "" : "s"}`;
    label += runs === 0 ? " (not reached)" : runs === 1 ? `, ${iterations}` : `, ${iterations} in ${runs} runs`;
  }
  const style =
    c.kind === "call"
      ? 'style=rounded; color="#0969da";'
      : c.kind === "gate"
        ? 'style="rounded,dashed"; color="#8250df";'
        : c.kind === "loop"
          ? 'style=rounded; color="#57606a";'
          : 'style=dashed; color="#8c959f";';
  return [`label=${quote(label)};`, style, 'fontcolor="#57606a";'];
}

export interface DotOptions {
  /** Values and gradients at a point, to label the wires with. */
  evaluation?: Evaluation;
}

/** The circuit in DOT. */
export function circuitDot(circuit: Circuit, options: DotOptions = {}): string {
  const { evaluation } = options;
  const fanned = fanOut(circuit.wires);
  // A node's statements, and each cluster's, by where they are drawn.
  const byCluster = new Map<string | undefined, string[]>();
  const add = (cluster: string | undefined, line: string) => {
    const list = byCluster.get(cluster) ?? [];
    list.push(line);
    byCluster.set(cluster, list);
  };
  const clusterOf = new Map(circuit.nodes.map((n) => [n.id, n.cluster]));
  for (const n of circuit.nodes) add(n.cluster, `${n.id} [${nodeAttributes(n)}];`);
  for (const id of fanned) {
    add(clusterOf.get(id), `${id}_fan [shape=point, width=0.05, label=""];`);
  }

  // The lowest cluster holding both ends: where a wire's label node goes.
  const parentOf = new Map(circuit.clusters.map((c) => [c.id, c.parent]));
  const chain = (c: string | undefined): (string | undefined)[] => (c ? [c, ...chain(parentOf.get(c))] : [undefined]);
  const common = (a: string, b: string) => {
    const outer = new Set(chain(clusterOf.get(b)));
    return chain(clusterOf.get(a)).find((c) => outer.has(c));
  };

  const edges: string[] = [];
  /** A wire from `from` to `to`, through a label node when it carried a value. */
  const wire = (
    name: string,
    from: string,
    to: string,
    label: WireLabel | undefined,
    style: string[],
    arrow: boolean,
  ) => {
    const attributes = (extra: string[]) => {
      const all = [...style, ...extra];
      return all.length > 0 ? ` [${all.join(", ")}]` : "";
    };
    const head = arrow ? [] : ["arrowhead=none"];
    if (!label) return edges.push(`${from} -> ${to}${attributes(head)};`);
    add(common(from.replace(/_fan$/, ""), to.replace(/_fan$/, "")), wireLabelNode(name, label));
    edges.push(`${from} -> ${name}:w${attributes(["arrowhead=none"])};`, `${name}:e -> ${to}${attributes(head)};`);
  };
  for (const id of fanned) wire(`${id}_stem`, id, `${id}_fan`, evaluation?.nodes.get(id), [], false);
  for (const w of circuit.wires) {
    const style = [
      ...(w.control ? ["style=dashed", 'color="#8c959f"'] : []),
      ...(w.back ? ["constraint=false", 'color="#8c959f"'] : []),
    ];
    wire(`w${w.id}`, fanned.has(w.from) ? `${w.from}_fan` : w.from, w.to, evaluation?.wires.get(w.id), style, true);
  }

  const ran = (c: Cluster): boolean =>
    circuit.nodes.some((n) => n.cluster === c.id && (evaluation?.counts.get(n.id) ?? 0) > 0) ||
    circuit.clusters.some((k) => k.parent === c.id && ran(k));
  const lines: string[] = [`digraph ${quote(circuit.name)} {`, ...HEADER];
  const emit = (cluster: string | undefined, indent: string) => {
    for (const c of circuit.clusters.filter((k) => k.parent === cluster)) {
      lines.push(`${indent}subgraph ${c.id} {`);
      for (const a of clusterAttributes(c, evaluation, ran(c), circuit)) lines.push(`${indent}  ${a}`);
      emit(c.id, indent + "  ");
      lines.push(`${indent}}`);
    }
    for (const line of byCluster.get(cluster) ?? []) lines.push(indent + line);
  };
  emit(undefined, "  ");
  const inputs = circuit.inputs.map((i) => i.node);
  // The inputs on the left, top to bottom in parameter order (an invisible chain keeps the order).
  if (inputs.length === 1) lines.push(`  { rank=source; ${inputs[0]}; }`);
  if (inputs.length > 1) lines.push(`  { rank=source; ${inputs.join(" -> ")} [style=invis]; }`);
  lines.push(`  { rank=sink; ${circuit.output.node}; }`);
  for (const e of edges) lines.push(`  ${e}`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** Nodes whose value more than one wire reads (back edges included). */
function fanOut(wires: Wire[]): Set<string> {
  const uses = new Map<string, number>();
  for (const w of wires) uses.set(w.from, (uses.get(w.from) ?? 0) + 1);
  return new Set([...uses].filter(([, n]) => n > 1).map(([id]) => id));
}
