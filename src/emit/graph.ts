/**
 * `--emit graph`: the SSA graph as text, one node per line (name, op, inputs), for reading
 * what the parser built.
 */
import type { Atom, Graph } from "../ir.js";
import { formatNumber } from "./expr.js";

const atom = (a: Atom) => (a.kind === "var" ? a.name : (a.text ?? formatNumber(a.value)));

export function printGraph(graphs: Graph[]): string {
  return graphs
    .map((g) => {
      const lines = [`graph ${g.name}(${g.params.map((p) => p.name).join(", ")})`];
      const width = Math.max(0, ...g.body.map((n) => n.name.length));
      for (const n of g.body) lines.push(`  ${n.name.padEnd(width)} = ${n.op} ${n.args.map(atom).join(" ")}`);
      lines.push(`  return ${atom(g.result)}`);
      return lines.join("\n");
    })
    .join("\n\n")
    .concat("\n");
}
