/**
 * Activity analysis: which SSA values need an adjoint.
 * A value is *varied* if it depends differentiably on a parameter being differentiated, and
 * *useful* if the result depends differentiably on it. Only values that are both get a `grad_`
 * variable; everything else has an exact zero gradient and costs nothing.
 */
import type { Graph } from "../ir.js";
import { ruleOf } from "../rules/table.js";

export interface Activity {
  /** Names (parameters and nodes) that get an adjoint. */
  active: Set<string>;
  /** Nodes the result depends on through any operation: the forward pass that must be kept. */
  live: Set<string>;
}

export function analyzeActivity(graph: Graph, wrt: ReadonlySet<string>): Activity {
  const varied = new Set<string>(graph.params.map((p) => p.name).filter((p) => wrt.has(p)));
  for (const n of graph.body) {
    if (ruleOf(n.op).derivative.kind !== "rule") continue;
    if (n.args.some((a) => a.kind === "var" && varied.has(a.name))) varied.add(n.name);
  }

  const useful = new Set<string>();
  const live = new Set<string>();
  if (graph.result.kind === "var") {
    useful.add(graph.result.name);
    live.add(graph.result.name);
  }
  for (let i = graph.body.length - 1; i >= 0; i--) {
    const n = graph.body[i]!;
    if (!live.has(n.name)) continue;
    const differentiable = useful.has(n.name) && ruleOf(n.op).derivative.kind === "rule";
    for (const a of n.args) {
      if (a.kind !== "var") continue;
      live.add(a.name);
      if (differentiable) useful.add(a.name);
    }
  }

  const active = new Set<string>();
  for (const name of varied) if (useful.has(name)) active.add(name);
  return { active, live };
}
