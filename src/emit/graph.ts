/**
 * `--emit graph`: the SSA graphs as text, one node per line (name, op, inputs), branches
 * indented under their condition, for reading what the parser built.
 */
import type { Atom, Graph, Program, Statement, Type } from "../ir.js";
import { formatNumber, printExpr } from "./expr.js";

const atom = (a: Atom) => (a.kind === "var" ? a.name : (a.text ?? formatNumber(a.value)));

/** A type as the graph text shows it: `integer`, `boolean`, `Float64Array`, `number[]`. */
const typeName = (t: Type): string => (t.kind === "array" ? t.storage : t.kind);

function body(g: Graph, statements: Statement[], indent: string): string[] {
  /** A definition's name with its type; numbers, the common case, go unmarked. */
  const def = (name: string) => {
    const t = g.types.get(name);
    return t && t.kind !== "number" ? `${name}: ${typeName(t)}` : name;
  };
  const lines: string[] = [];
  for (const s of statements) {
    if (s.kind === "node") {
      const op = s.op === "call" ? s.callee : s.op;
      lines.push(`${indent}${def(s.name)} = ${op} ${s.args.map(atom).join(" ")}`.trimEnd());
      continue;
    }
    if (s.kind === "store") {
      lines.push(`${indent}store ${s.array.name} ${atom(s.index)} ${atom(s.value)}`);
      continue;
    }
    if (s.kind === "loop") {
      for (const c of s.carried) lines.push(`${indent}${def(c.name)} = carried ${atom(c.init)}`);
      lines.push(
        `${indent}loop`,
        ...body(g, s.head, indent + "  "),
        `${indent}  while ${s.cond.name}`,
        ...body(g, s.body, indent + "  "),
      );
      for (const c of s.carried) lines.push(`${indent}  next ${c.name} = ${atom(c.next)}`);
      continue;
    }
    lines.push(
      `${indent}if ${s.cond.name}`,
      ...body(g, s.then, indent + "  "),
      `${indent}else`,
      ...body(g, s.else, indent + "  "),
    );
    for (const m of s.merges) lines.push(`${indent}${def(m.name)} = merge ${atom(m.then)} ${atom(m.else)}`);
  }
  return lines;
}

function graph(g: Graph, title: string): string {
  return [
    `${title} ${g.name}(${g.params.map((p) => (p.type === "number" ? p.name : `${p.name}: ${p.type}`)).join(", ")})`,
    ...body(g, g.body, "  "),
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
