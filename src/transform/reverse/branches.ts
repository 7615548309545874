/**
 * The reverse of a branch: a branch on the same recorded decision, what each arm contributes to
 * values from before it collected into one variable per value.
 */
import { vars } from "../../ir-walk.js";
import type { CodeStatement, Expr, VarRef } from "../../ir.js";
import { c, isConst, select, sum, v } from "../../rules/expr.js";
import { SweepNodes } from "./nodes.js";
import { type Block, type BranchStatement } from "./state.js";

export abstract class SweepBranches extends SweepNodes {
  protected branch(s: BranchStatement, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
    const free = this.free(s);
    const arms = (["then", "else"] as const).map((side) => {
      const armBlock = s[side];
      const armOut: CodeStatement[] = [];
      const armFlow = new Map<string, Expr[]>();
      for (const m of s.merges) {
        if (!this.active.has(m.name)) continue;
        const chosen = m[side];
        if (this.isArray(m.name)) {
          // The arm's array receives the merged array's adjoint: shared when the arm made it.
          if (chosen.kind === "var" && this.active.has(chosen.name) && this.aliasOf.get(chosen.name) !== m.name)
            armOut.push({
              kind: "addArray",
              target: this.gradName.get(chosen.name)!,
              source: this.gradName.get(m.name)!,
              counter: this.names.claim("k"),
            });
          continue;
        }
        const grad = this.gradient.get(m.name) ?? c(0);
        for (const a of vars([m[side]])) {
          this.add(a.name, grad, armBlock, armFlow);
          this.consume(a.name, armBlock, armOut);
        }
      }
      this.reverse(armBlock, armOut, armFlow);
      return { block: armBlock, out: armOut, flow: armFlow };
    });
    const [thenArm, elseArm] = arms as [(typeof arms)[number], (typeof arms)[number]];
    const partials: { name: string; then: Expr; else: Expr; target: string }[] = [];
    for (const name of free) {
      const t = sum(thenArm.flow.get(name) ?? []);
      const e = sum(elseArm.flow.get(name) ?? []);
      if (!(isConst(t, 0) && isConst(e, 0)))
        partials.push({ name: this.names.claim(`grad_${name}`), then: t, else: e, target: name });
    }
    // Each arm assigns every partial; inside a loop, what those assignments read from the arm's
    // forward values is taped with the rest of the arm's reads.
    const sets = (side: "then" | "else") =>
      partials.map((p) => ({ kind: "set" as const, name: p.name, expr: p[side] }));
    const [thenSets, elseSets] = [sets("then"), sets("else")];
    const names = partials.map((p) => p.name);
    const thenCode = this.withTape(thenArm.block, [...thenArm.out, ...thenSets], names);
    const elseCode = this.withTape(elseArm.block, [...elseArm.out, ...elseSets], names);
    const cond: VarRef = s.cond;
    if (thenCode.length === thenSets.length && elseCode.length === elseSets.length) {
      // The arms compute nothing but the partials: `const grad_x = cond ? a : b`.
      for (const p of partials) {
        const st = { kind: "const" as const, name: p.name, expr: select(cond, p.then, p.else) };
        out.push(st);
        this.renamable.set(p.name, (to) => (st.name = to));
      }
    } else {
      const lets = partials.map((p) => ({ kind: "let" as const, name: p.name }));
      partials.forEach((p, i) =>
        this.renamable.set(p.name, (to) => {
          lets[i]!.name = to;
          thenSets[i]!.name = to;
          elseSets[i]!.name = to;
        }),
      );
      out.push(...lets, { kind: "if", cond, then: thenCode, else: elseCode });
    }
    const partialOf = new Map(partials.map((p) => [p.target, p.name]));
    for (const name of free) {
      const p = partialOf.get(name);
      if (p) this.add(name, v(p), block, outflow);
      this.consume(name, block, out);
    }
  }
}
