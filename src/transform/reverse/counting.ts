/**
 * How many contributions each active scalar waits for before its gradient is written, and which
 * values from outside a branch or loop it contributes to.
 */
import { vars } from "../../ir-walk.js";
import type { Loop } from "../../ir.js";
import { differentiableArgs } from "../../differentiable.js";
import { SweepState, type Block, type BranchStatement } from "./state.js";

export abstract class SweepCounting extends SweepState {
  /** Counts, per active scalar, the consumers in its own block that will contribute to it. */
  protected count(block: Block, seeds: string[] = []): void {
    const use = (name: string) => {
      if (this.isScalar(name) && this.definedIn.get(name) === block)
        this.pending.set(name, (this.pending.get(name) ?? 0) + 1);
    };
    seeds.forEach(use);
    for (const s of block) {
      switch (s.kind) {
        case "node":
          if (this.active.has(s.name)) differentiableArgs(s).forEach((a) => use(a.name));
          break;
        case "store":
          if (this.active.has(s.array.name)) vars([s.value]).forEach((a) => use(a.name));
          break;
        case "branch":
          this.free(s).forEach(use);
          this.count(s.then, this.mergeSeeds(s, "then"));
          this.count(s.else, this.mergeSeeds(s, "else"));
          break;
        case "loop":
          this.free(s).forEach(use);
          this.count(s.body, this.carriedSeeds(s));
      }
    }
  }

  protected mergeSeeds(s: BranchStatement, side: "then" | "else"): string[] {
    return s.merges.filter((m) => this.active.has(m.name)).flatMap((m) => vars([m[side]]).map((a) => a.name));
  }

  protected carriedSeeds(loop: Loop): string[] {
    return loop.carried.filter((c) => this.isScalar(c.name)).flatMap((c) => vars([c.next]).map((a) => a.name));
  }

  /** Active scalars from outside a branch or loop that it contributes to, in a fixed order. */
  protected free(s: BranchStatement | Loop): string[] {
    const cached = this.freeCache.get(s);
    if (cached) return cached;
    const blocks = s.kind === "branch" ? [s.then, s.else] : [s.body, s.head];
    const refs = new Set<string>();
    const visit = (block: Block) => {
      for (const t of block) {
        if (t.kind === "node") {
          if (this.active.has(t.name)) for (const a of differentiableArgs(t)) refs.add(a.name);
        } else if (t.kind === "store") {
          if (this.active.has(t.array.name)) for (const a of vars([t.value])) refs.add(a.name);
        } else for (const name of this.free(t)) refs.add(name);
      }
    };
    if (s.kind === "branch") {
      for (const side of ["then", "else"] as const) {
        this.mergeSeeds(s, side).forEach((n) => refs.add(n));
        visit(s[side]);
      }
    } else {
      this.carriedSeeds(s).forEach((n) => refs.add(n));
      for (const c of s.carried) if (this.isScalar(c.name)) vars([c.init]).forEach((a) => refs.add(a.name));
      visit(s.body);
    }
    const phis = s.kind === "loop" ? new Set(s.carried.map((c) => c.name)) : new Set<string>();
    const result = [...refs].filter((name) => this.isScalar(name) && !phis.has(name) && !this.inside(name, blocks));
    this.freeCache.set(s, result);
    return result;
  }
}
