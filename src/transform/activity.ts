/**
 * Activity analysis: which SSA values need an adjoint, and which forward values must be kept.
 * A value is *varied* if it depends differentiably on a parameter being differentiated, and
 * *useful* if a result depends differentiably on it. Only values that are both get a `grad_`
 * variable (or, for an array, a `grad_` array); everything else has an exact zero gradient and
 * costs nothing. Conditions, sizes and indices never carry derivatives, so a parameter that only
 * reaches them gets an exact 0. Arrays are memory: a store makes its array varied, and an array
 * that is read makes its stores live; loops make all of this a fixpoint.
 */
import type { Graph, Statement } from "../ir.js";
import { differentiableArgs, isDifferentiable } from "../differentiable.js";
import { statementsOf, vars } from "../ir-walk.js";
import { arrayRoots, rootOf } from "../aliases.js";

export interface Activity {
  /** Names (parameters, nodes, merges, loop phis, arrays) that get an adjoint. */
  active: Set<string>;
  /** Names the results depend on through any operation: the forward pass that must be kept. */
  live: Set<string>;
}

export function analyzeActivity(graph: Graph, wrt: ReadonlySet<string>): Activity {
  const varied = new Set<string>(graph.params.map((p) => p.name).filter((p) => wrt.has(p)));
  // A write through a row writes its matrix (src/aliases.ts).
  const roots = arrayRoots(graph);
  const root = (name: string) => rootOf(roots, name);
  let changed = true;
  const mark = (set: Set<string>, name: string) => {
    if (set.has(name)) return;
    set.add(name);
    changed = true;
  };

  // What each statement makes varied; a fixpoint, so the order of the walk does not matter.
  const forward = (s: Statement): void => {
    switch (s.kind) {
      case "node":
        if (isDifferentiable(s) && differentiableArgs(s).some((a) => varied.has(a.name))) mark(varied, s.name);
        break;
      case "store":
        if (s.value.kind === "var" && varied.has(s.value.name)) {
          mark(varied, s.array.name);
          mark(varied, root(s.array.name));
        }
        break;
      case "branch":
        for (const m of s.merges) if (vars([m.then, m.else]).some((a) => varied.has(a.name))) mark(varied, m.name);
        break;
      case "loop":
        for (const c of s.carried) if (vars([c.init, c.next]).some((a) => varied.has(a.name))) mark(varied, c.name);
    }
  };
  while (changed) {
    changed = false;
    for (const s of statementsOf(graph.body)) forward(s);
  }

  const useful = new Set<string>();
  const live = new Set<string>();
  for (const r of vars(graph.results)) {
    useful.add(r.name);
    live.add(r.name);
  }
  const liveAll = (names: string[]) => names.forEach((n) => mark(live, n));
  /** Walks a body backwards; returns whether anything in it is live. */
  const backward = (body: Statement[]): boolean => {
    let any = false;
    for (let i = body.length - 1; i >= 0; i--) {
      const s = body[i]!;
      switch (s.kind) {
        case "node": {
          // A row of a useful matrix is useful: what is written through it reaches the matrix.
          if (s.op === "row" && useful.has(root(s.name))) mark(useful, s.name);
          if (!live.has(s.name)) break;
          any = true;
          liveAll(vars(s.args).map((a) => a.name));
          if (useful.has(s.name) && isDifferentiable(s)) differentiableArgs(s).forEach((a) => mark(useful, a.name));
          break;
        }
        case "store": {
          if (!live.has(s.array.name) && !live.has(root(s.array.name))) break;
          any = true;
          liveAll(vars([s.array, s.index, s.value]).map((a) => a.name));
          if (useful.has(s.array.name) || useful.has(root(s.array.name)))
            vars([s.value]).forEach((a) => mark(useful, a.name));
          break;
        }
        case "branch": {
          const merges = s.merges.filter((m) => live.has(m.name));
          const inner = [backward(s.then), backward(s.else)].some(Boolean);
          if (merges.length === 0 && !inner) break;
          any = true;
          mark(live, s.cond.name);
          for (const m of merges)
            for (const a of vars([m.then, m.else])) {
              mark(live, a.name);
              if (useful.has(m.name)) mark(useful, a.name);
            }
          // A live store inside an arm needs the arm's values: re-walk now that they are marked.
          backward(s.then);
          backward(s.else);
          break;
        }
        case "loop": {
          for (const c of s.carried)
            if (useful.has(c.name)) vars([c.init, c.next]).forEach((a) => mark(useful, a.name));
          const inner = backward(s.body);
          const carriedLive = s.carried.some((c) => live.has(c.name));
          if (!inner && !carriedLive) break;
          any = true;
          // A live loop runs as written: its control and every carried value it keeps are live.
          mark(live, s.cond.name);
          backward(s.head);
          for (const c of s.carried) if (live.has(c.name)) liveAll(vars([c.init, c.next]).map((a) => a.name));
          backward(s.body);
        }
      }
    }
    return any;
  };
  changed = true;
  while (changed) {
    changed = false;
    backward(graph.body);
  }

  const active = new Set<string>();
  for (const name of varied) if (useful.has(name)) active.add(name);
  return { active, live };
}
