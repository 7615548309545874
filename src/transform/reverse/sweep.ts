/**
 * The reverse sweep over a whole graph, the entry point of src/transform/reverse: statements
 * visited last to first, the backward pass planned from what is live in it, the forward pass built with the tape pushes the
 * sweep asked for.
 */
import type { Callee, CodeStatement, Expr, Graph, VarRef } from "../../ir.js";
import { c, op, v } from "../../rules/expr.js";
import { forwardCode } from "../forward.js";
import { collectReads, freeReads, liveStatements } from "../../code-live.js";
import { allStatements, mapOwnExprs } from "../../code-walk.js";
import { statementsOf } from "../../ir-walk.js";
import { adoptFirstContributions } from "./adopt.js";
import { SweepLoops } from "./loops.js";
import { type Block, type Differentiated, type Mode } from "./state.js";

export function differentiate(
  graph: Graph,
  wrt: ReadonlySet<string>,
  callees: ReadonlyMap<string, Callee>,
  mode: Mode,
  tapeClass = "Tape",
  moduleNames: Iterable<string> = [],
): Differentiated {
  const first = new Reverser(graph, wrt, callees, mode, tapeClass, moduleNames);
  const result = first.run();
  // Copies that save no tape (elements.ts): the sweep again without them.
  const keep = first.copiesWorthKeeping();
  if (!keep) return result;
  const second = new Reverser(graph, wrt, callees, mode, tapeClass, moduleNames);
  second.allowedCopies = keep;
  return second.run();
}

class Reverser extends SweepLoops {
  /**
   * An array an arm (outside loops) makes and a branch chooses (`weighted_1 = c` at the end of the
   * arm) is, wherever the backward pass reads it (only in that arm's reversal, where the branch
   * chose it), its merge: the backward pass reads it under the merge's name, so the array needs no
   * `let` of its own before the branch, a second name for the chosen array (which f_grad read
   * back could not follow: fixtures/calls/array-helper-written-through-result). The same array,
   * so the same values and length.
   */
  private readChosenAsMerged(backward: CodeStatement[]): void {
    const merged = new Map<string, string>();
    for (const s of statementsOf(this.graph.body)) {
      if (s.kind !== "branch") continue;
      for (const m of s.merges) {
        if (!this.isArray(m.name) || !this.live.has(m.name)) continue;
        for (const [value, arm] of [
          [m.then, s.then],
          [m.else, s.else],
        ] as const)
          if (value.kind === "var" && this.definedIn.get(value.name) === arm && !this.inLoop(arm))
            merged.set(value.name, m.name);
      }
    }
    if (merged.size === 0) return;
    // A merge chosen in turn by an enclosing branch's arm is read as that one's merge.
    const final = (name: string, depth = 0): string =>
      merged.has(name) && depth <= merged.size ? final(merged.get(name)!, depth + 1) : name;
    const rename = (e: Expr): Expr =>
      e.kind === "var" && merged.has(e.name)
        ? v(final(e.name))
        : e.kind === "op"
          ? { ...e, args: e.args.map(rename) }
          : e;
    for (const st of allStatements(backward)) mapOwnExprs(st, rename);
  }

  run(): Differentiated {
    const backward: CodeStatement[] = [];
    const result = this.graph.results[0];
    let seed = "";
    const resultIsArray = result?.kind === "var" && this.isArray(result.name);
    if (resultIsArray) seed = this.outSeed;
    this.allocate(this.graph.body, backward, true, resultIsArray ? (result as VarRef).name : undefined, seed);
    // The returned scalar's gradient starts from the seed (1, or a pullback's upstream gradient);
    // when code after its definition also reads it (`a[0] = v; return v`), those contributions
    // are added to the seed, and it is written once the last of them has arrived.
    const returned = !resultIsArray && result?.kind === "var" && this.active.has(result.name) ? result.name : undefined;
    const consumed = returned !== undefined && (this.pending.get(returned) ?? 0) > 0;
    if (!resultIsArray && this.mode === "pullback") {
      seed =
        returned !== undefined && !consumed
          ? this.gradName.get(returned)!
          : this.names.claim(`grad_${this.graph.name}`);
      if (returned !== undefined && consumed) this.terms.set(returned, [v(seed)]);
      else if (returned !== undefined) this.gradient.set(returned, v(seed));
    } else if (returned !== undefined) {
      this.terms.set(returned, [c(1)]);
      if (!consumed) this.finish(returned, backward);
    }
    this.reverse(this.graph.body, backward, new Map());
    adoptFirstContributions(backward, this.adoptable);
    backward.unshift(...this.copyAllocations);

    const grads = this.graph.params
      .filter((p) => this.wrt.has(p.name))
      .map((p) => ({
        param: p.name,
        value: this.isArray(p.name)
          ? this.active.has(p.name)
            ? v(this.gradName.get(p.name)!)
            : this.zeros(p.name)
          : (this.gradient.get(p.name) ?? c(0)),
      }));
    // Keep only what the results need: an entry returns its value, a pullback only gradients.
    const roots = [...grads.map((g) => g.value), ...(this.mode === "entry" ? this.graph.results : [])];
    const read = new Set<string>();
    for (const e of roots) collectReads([{ kind: "accumulate", name: "", expr: e }], read);
    // Values the live part of the backward pass reads from inside forward branch arms (outside
    // loops) must outlive the arm. (Not those an arm recomputes: the backward pass declares them
    // itself.) What is dead the simplify stage removes.
    this.readChosenAsMerged(backward);
    const backwardReads = freeReads(liveStatements(backward, read));
    for (const name of backwardReads) {
      const block = this.definedIn.get(name);
      if (block && this.arms.has(block) && !this.inLoop(block)) this.plan.hoisted.add(name);
      for (const [loop, trips] of this.plan.trips)
        if (trips === name && this.arms.has(this.loopParent(loop)) && !this.inLoop(this.loopParent(loop)))
          this.plan.hoisted.add(name);
    }
    this.plan.backwardReads = backwardReads;
    const forward = forwardCode(this.graph.body, this.live, this.plan, this.graph.results);
    const tapes: CodeStatement[] = [
      ...(this.usesTape
        ? [{ kind: "let" as const, name: this.plan.tape, type: "tape" as const, tapeClass: this.tapeClass }]
        : []),
      ...(this.usesDecisions
        ? [{ kind: "let" as const, name: this.plan.decisions, type: "decisions" as const, tapeClass: this.tapeClass }]
        : []),
      ...(this.usesArrays ? [{ kind: "let" as const, name: this.plan.arrays, type: "arrays" as const }] : []),
    ];
    const release: CodeStatement[] = [
      ...(this.usesTape ? [{ kind: "release" as const, tape: this.plan.tape }] : []),
      ...(this.usesDecisions ? [{ kind: "release" as const, tape: this.plan.decisions }] : []),
    ];
    return {
      forward: [...tapes, ...forward],
      backward: [...backward, ...release],
      grads,
      seed,
      usesTape: this.usesTape || this.usesDecisions,
      gradNames: this.gradName,
    };
  }

  protected reverse(block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
    for (let i = block.length - 1; i >= 0; i--) {
      const s = block[i]!;
      switch (s.kind) {
        case "node":
          if (this.active.has(s.name)) this.node(s, block, out, outflow);
          break;
        case "store":
          if (this.active.has(s.array.name)) this.store(s, block, out, outflow);
          break;
        case "branch":
          this.branch(s, block, out, outflow);
          break;
        case "loop":
          this.loop(s, block, out, outflow);
      }
    }
  }

  /** Allocates the adjoint arrays of the active arrays defined in `block` (at the root, also the parameters'). */
  protected allocate(block: Block, out: CodeStatement[], root: boolean, seeded?: string, seed?: string): void {
    const arrays = [
      ...(root ? this.graph.params.map((p) => p.name) : []),
      ...block.flatMap((s) => (s.kind === "node" ? [s.name] : s.kind === "branch" ? s.merges.map((m) => m.name) : [])),
    ];
    for (const name of arrays) {
      if (!this.isArray(name) || !this.active.has(name) || this.direct.has(name)) continue;
      const merged = this.aliasOf.get(name);
      const row = this.rowOf.get(name);
      const init: Expr =
        name === seeded
          ? op("slice", v(seed!))
          : merged !== undefined && this.active.has(merged)
            ? v(this.gradName.get(merged)!)
            : row !== undefined && this.active.has(row.matrix)
              ? op("row", v(this.gradName.get(row.matrix)!), row.index)
              : this.zeros(name);
      out.push({ kind: "const", name: this.gradName.get(name)!, expr: init });
    }
  }
}
