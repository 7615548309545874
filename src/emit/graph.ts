/**
 * `--emit graph`: the SSA graphs as text, one node per line (name, op, inputs), branches
 * indented under their condition, for reading what the parser built.
 */
import type { Atom, Graph, Program, Statement } from "../ir.js";
import { formatNumber, printExpr } from "./expr.js";

const atom = (a: Atom) => (a.kind === "var" ? a.name : (a.text ?? formatNumber(a.value)));

function body(statements: Statement[], indent: string): string[] {
  const lines: string[] = [];
  for (const s of statements) {
    if (s.kind === "node") {
      const op = s.op === "call" ? s.callee : s.op;
      lines.push(`${indent}${s.name} = ${op} ${s.args.map(atom).join(" ")}`.trimEnd());
      continue;
    }
    if (s.kind === "store") {
      lines.push(`${indent}store ${s.array.name} ${atom(s.index)} ${atom(s.value)}`);
      continue;
    }
    if (s.kind === "loop") {
      for (const c of s.carried) lines.push(`${indent}${c.name} = carried ${atom(c.init)}`);
      lines.push(
        `${indent}loop`,
        ...body(s.head, indent + "  "),
        `${indent}  while ${s.cond.name}`,
        ...body(s.body, indent + "  "),
      );
      for (const c of s.carried) lines.push(`${indent}  next ${c.name} = ${atom(c.next)}`);
      continue;
    }
    lines.push(
      `${indent}if ${s.cond.name}`,
      ...body(s.then, indent + "  "),
      `${indent}else`,
      ...body(s.else, indent + "  "),
    );
    for (const m of s.merges) lines.push(`${indent}${m.name} = merge ${atom(m.then)} ${atom(m.else)}`);
  }
  return lines;
}

function graph(g: Graph, title: string): string {
  return [
    `${title} ${g.name}(${g.params.map((p) => p.name).join(", ")})`,
    ...body(g.body, "  "),
    `  return ${g.results.map(atom).join(", ")}`,
  ].join("\n");
}

export function printGraph(program: Program): string {
  const constants = [...program.constants].map(([name, e]) => `const ${name} = ${printExpr(e)}`);
  const parts = [
    ...(constants.length > 0 ? [constants.join("\n")] : []),
    ...program.entries.map((g) => graph(g, "graph")),
  ];
  for (const [key, callee] of program.callees) {
    if (callee.kind === "function") parts.push(graph({ ...callee.graph, name: key }, "function"));
    else if (callee.kind === "gate" && !callee.gate.module)
      parts.push(
        graph({ ...callee.gate.forward, name: key }, "gate"),
        graph({ ...callee.gate.backward, name: `${key}.backward` }, "backward"),
      );
  }
  return parts.join("\n\n") + "\n";
}
