/**
 * Activity analysis: which SSA values need an adjoint.
 * A value is *varied* if it depends differentiably on a parameter being differentiated, and
 * *useful* if a result depends differentiably on it. Only values that are both get a `grad_`
 * variable; everything else has an exact zero gradient and costs nothing. Conditions are never
 * differentiable, so a parameter that only reaches conditions gets an exact 0.
 */
import type { Graph, Node, Statement } from "../ir.js";
import { ruleOf } from "../rules/table.js";
import { vars } from "./walk.js";

export interface Activity {
  /** Names (parameters, nodes, merges) that get an adjoint. */
  active: Set<string>;
  /** Names the results depend on through any operation: the forward pass that must be kept. */
  live: Set<string>;
}

/** Whether a node passes derivatives from its operands to its result. */
export const isDifferentiable = (n: Node): boolean => n.op === "call" || ruleOf(n.op).derivative.kind === "rule";

export function analyzeActivity(graph: Graph, wrt: ReadonlySet<string>): Activity {
  const varied = new Set<string>(graph.params.map((p) => p.name).filter((p) => wrt.has(p)));
  const forward = (body: Statement[]): void => {
    for (const s of body) {
      if (s.kind === "node") {
        if (isDifferentiable(s) && vars(s.args).some((a) => varied.has(a.name))) varied.add(s.name);
        continue;
      }
      forward(s.then);
      forward(s.else);
      for (const m of s.merges) if (vars([m.then, m.else]).some((a) => varied.has(a.name))) varied.add(m.name);
    }
  };
  forward(graph.body);

  const useful = new Set<string>();
  const live = new Set<string>();
  for (const r of vars(graph.results)) {
    useful.add(r.name);
    live.add(r.name);
  }
  const backward = (body: Statement[]): void => {
    for (let i = body.length - 1; i >= 0; i--) {
      const s = body[i]!;
      if (s.kind === "node") {
        if (!live.has(s.name)) continue;
        const passes = useful.has(s.name) && isDifferentiable(s);
        for (const a of vars(s.args)) {
          live.add(a.name);
          if (passes) useful.add(a.name);
        }
        continue;
      }
      const merges = s.merges.filter((m) => live.has(m.name));
      if (merges.length === 0) continue;
      live.add(s.cond.name);
      for (const m of merges)
        for (const a of vars([m.then, m.else])) {
          live.add(a.name);
          if (useful.has(m.name)) useful.add(a.name);
        }
      backward(s.then);
      backward(s.else);
    }
  };
  backward(graph.body);

  const active = new Set<string>();
  for (const name of varied) if (useful.has(name)) active.add(name);
  return { active, live };
}
