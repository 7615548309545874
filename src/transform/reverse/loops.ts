/**
 * The reverse of a loop: a loop over the recorded trip count, carried adjoints carried backwards,
 * what the body contributes to values from before the loop summed in accumulators.
 */
import { vars } from "../../ir-walk.js";
import type { CodeStatement, Expr, Loop } from "../../ir.js";
import { add, c, mul, op, sub, sum, v } from "../../rules/expr.js";
import { SweepBranches } from "./branches.js";
import { type Block } from "./state.js";

export abstract class SweepLoops extends SweepBranches {
  protected loop(loop: Loop, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
    const free = this.free(loop);
    const carried = loop.carried.filter((c) => this.isScalar(c.name));
    // The adjoint of each carried value, carried backwards: at first the gradient of its exit value.
    const carriedGrad = new Map(carried.map((c) => [c.name, this.names.claim(`grad_${c.name}`)]));
    const phis = new Set(loop.carried.map((c) => c.name));
    const clash = carried.some((c) => c.next.kind === "var" && phis.has(c.next.name) && c.next.name !== c.name);

    const bodyOut: CodeStatement[] = [];
    const bodyFlow = new Map<string, Expr[]>();
    for (const c of carried) {
      let seed: Expr = v(carriedGrad.get(c.name)!);
      if (clash) {
        const snapshot = this.names.claim(`${carriedGrad.get(c.name)!}_in`);
        bodyOut.push({ kind: "const", name: snapshot, expr: seed });
        seed = v(snapshot);
      }
      for (const a of vars([c.next])) {
        this.add(a.name, seed, loop.body, bodyFlow);
        this.consume(a.name, loop.body, bodyOut);
      }
    }
    this.reverse(loop.body, bodyOut, bodyFlow);
    const accumulators = free
      .filter((name) => (bodyFlow.get(name) ?? []).length > 0)
      .map((name) => ({ target: name, name: this.names.claim(`grad_${name}`), value: sum(bodyFlow.get(name)!) }));
    // The iteration's updates happen together: accumulators first, since what flows out of the
    // loop may be a carried adjoint itself (`u = x` hands grad_u to x) and must be read before
    // the carried adjoints move on to their values at the start of the iteration.
    const updates: CodeStatement[] = [
      ...accumulators.map((a): CodeStatement => ({ kind: "accumulate", name: a.name, expr: a.value })),
      ...carried.map((c): CodeStatement => ({
        kind: "set",
        name: carriedGrad.get(c.name)!,
        expr: sum(bodyFlow.get(c.name) ?? []),
      })),
    ];
    if (bodyOut.length === 0 && updates.length === 0) {
      for (const name of free) this.consume(name, block, out);
      return;
    }
    // A loop over a counter runs it backwards: `for (let i = last; i >= first; i--)`, the last
    // value from the condition when it can be, else from the trip count; any other loop repeats
    // its trip count: `for (let it = trips; it > 0; it--)`.
    const counter = this.reversedCounter(loop);
    let trips: string | undefined;
    if (!counter?.last) {
      trips = this.names.claim("trips");
      this.plan.trips.set(loop, trips);
      this.definedIn.set(trips, block);
    }
    const it = counter ? undefined : this.names.claim("it");
    const phi = counter && v(counter.carried.name);
    const iteration = counter
      ? counter.step === 1
        ? sub(phi!, counter.carried.init)
        : sub(counter.carried.init, phi!)
      : sub(v(it!), c(1));
    const body = this.withTape(
      loop.body,
      [...bodyOut, ...updates],
      [...carriedGrad.values(), ...accumulators.map((a) => a.name)],
      loop,
      iteration,
      counter?.carried.name,
    );
    const zero = c(0);
    for (const c of carried)
      out.push({ kind: "let", name: carriedGrad.get(c.name)!, init: this.gradient.get(c.name) ?? zero });
    for (const a of accumulators) out.push({ kind: "let", name: a.name, init: c(0) });
    // A counter carried backwards starts from its value after the loop.
    for (const { phi, back } of this.carriedBack.get(loop) ?? []) out.push({ kind: "let", name: back, init: v(phi) });
    if (counter) {
      const { init } = counter.carried;
      const last = counter.last ?? add(init, mul(sub(v(trips!), c(1)), c(counter.step)));
      const cond = counter.step === 1 ? op("ge", phi!, init) : op("le", phi!, init);
      out.push({ kind: "for", counter: counter.carried.name, init: last, cond, step: -counter.step, body });
    } else out.push({ kind: "repeat", counter: it!, from: v(trips!), body });

    // After the loop: what flowed out, to the values from before it.
    const flowing = new Map<string, Expr[]>();
    for (const c of carried)
      for (const a of vars([c.init]))
        flowing.set(a.name, [...(flowing.get(a.name) ?? []), v(carriedGrad.get(c.name)!)]);
    for (const a of accumulators) flowing.set(a.target, [...(flowing.get(a.target) ?? []), v(a.name)]);
    for (const name of free) {
      for (const term of flowing.get(name) ?? []) this.add(name, term, block, outflow);
      this.consume(name, block, out);
    }
  }
}
