/**
 * A picture of a circuit too large to read: the inputs, the output, and one box per part — each
 * call, gate, branch arm and loop at the top level, and the operations outside them — saying
 * how many operations it holds and of which kinds, with the wires between parts counted.
 */
import type { Circuit } from "./build.js";
import { quote, quoteLines } from "./dot.js";

const KIND_NAMES = { call: "call", gate: "gate", then: "arm", else: "arm", loop: "loop" } as const;

export function summaryDot(circuit: Circuit, maxNodes: number): string {
  const parent = new Map(circuit.clusters.map((c) => [c.id, c.parent]));
  const top = (cluster: string | undefined): string | undefined => {
    let c = cluster;
    while (c && parent.get(c)) c = parent.get(c);
    return c;
  };
  // Each node's part: its top-level cluster, `rest` for the operations outside every cluster,
  // or itself for inputs and the output.
  const part = new Map<string, string>();
  const members = new Map<string, string[]>();
  for (const n of circuit.nodes) {
    const p = n.kind === "input" || n.kind === "output" ? n.id : (top(n.cluster) ?? "rest");
    part.set(n.id, p);
    if (p !== n.id) members.set(p, [...(members.get(p) ?? []), n.op ?? n.kind]);
  }
  const gates = circuit.nodes.length;
  const lines = [
    `digraph ${quote(circuit.name)} {`,
    "  rankdir=LR;",
    `  graph [fontname="Helvetica", fontsize=12, labelloc=t, label=${quoteLines(
      `${circuit.name}: ${gates} nodes, more than ${maxNodes}`,
      "a summary: one box per part (a higher maxNodes, --max-nodes, draws every node)",
    )}];`,
    '  node [fontname="Helvetica", fontsize=11, shape=box, style=rounded];',
    '  edge [fontname="Helvetica", fontsize=10, arrowsize=0.6];',
  ];
  for (const n of circuit.nodes)
    if (n.kind === "input" || n.kind === "output") lines.push(`  ${n.id} [label=${quote(n.label)}, shape=plaintext];`);
  for (const [p, labels] of members) {
    const cluster = circuit.clusters.find((c) => c.id === p);
    const title = cluster ? `${KIND_NAMES[cluster.kind]} ${cluster.label}` : "operations";
    lines.push(`  ${p} [label=${quoteLines(title, `${labels.length} nodes: ${histogram(labels)}`)}];`);
  }
  const edges = new Map<string, number>();
  for (const w of circuit.wires) {
    const from = part.get(w.from)!;
    const to = part.get(w.to)!;
    if (from === to) continue;
    edges.set(`${from} -> ${to}`, (edges.get(`${from} -> ${to}`) ?? 0) + 1);
  }
  for (const [e, n] of edges) lines.push(`  ${e}${n > 1 ? ` [label=${quote(`${n} wires`)}]` : ""};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** The most frequent labels with their counts: `120 *, 80 +, 3 exp, ...`. */
function histogram(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = sorted.slice(0, 5).map(([l, n]) => `${n} ${l}`);
  return shown.join(", ") + (sorted.length > 5 ? ", ..." : "");
}
