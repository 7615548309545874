/**
 * The reverse of a branch: a branch on the same recorded decision, what each arm contributes to
 * values from before it collected into one variable per value.
 */
import { definitionsOf, vars } from "../../ir-walk.js";
import type { Atom, CodeStatement, Expr, VarRef } from "../../ir.js";
import { c, isConst, same, select, sum, v } from "../../rules/expr.js";
import { allStatements } from "../../code-walk.js";
import { SweepNodes } from "./nodes.js";
import { type Block, type BranchStatement } from "./state.js";

export abstract class SweepBranches extends SweepNodes {
  /**
   * A branch's partials (each read once, by what the enclosing arm contributes), with how to make
   * the branch assign an enclosing branch's variable instead: drops the partial's declaration and
   * renames its assignments, returning how to rename them again; undefined if it cannot.
   */
  protected readonly absorbable = new Map<string, (to: string) => ((again: string) => void) | undefined>();

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
          if (grad.kind === "var" && this.definedIn.get(a.name) === armBlock) this.chosen.add(a.name);
          this.add(a.name, grad, armBlock, armFlow);
          this.consume(a.name, armBlock, armOut);
        }
      }
      this.reverse(armBlock, armOut, armFlow);
      return { block: armBlock, out: armOut, flow: armFlow };
    });
    const [thenArm, elseArm] = arms as [(typeof arms)[number], (typeof arms)[number]];
    const partials: { name: string; then: Expr; else: Expr; target: string }[] = [];
    // What both arms contribute alike, from values outside them, is no partial: it flows on as is
    // (a carried adjoint that passes through either arm: no `grad_s_4 = grad_s_3` in each).
    const armNames = new Set<string>([...definitionsOf(s.then), ...definitionsOf(s.else)]);
    collectDeclarations([...thenArm.out, ...elseArm.out], armNames);
    const outside = (e: Expr) => vars(exprAtoms(e)).every((a) => !armNames.has(a.name));
    const common = new Map<string, Expr>();
    for (const name of free) {
      const t = sum(thenArm.flow.get(name) ?? []);
      const e = sum(elseArm.flow.get(name) ?? []);
      if (isConst(t, 0) && isConst(e, 0)) continue;
      if (same(t, e) && outside(t)) common.set(name, t);
      else partials.push({ name: this.names.claim(`grad_${name}`), then: t, else: e, target: name });
    }
    // A partial whose whole contribution in an arm is an inner branch's partial takes it over:
    // the inner branch assigns the outer variable (no `grad_x_2 = grad_x_1` copy, no inner `let`).
    const inherited = partials.map(() => [] as ((to: string) => void)[]);
    const assigns = (side: "then" | "else", i: number) => {
      const p = partials[i]!;
      const flow = arms[side === "then" ? 0 : 1]!.flow.get(p.target) ?? [];
      const only = flow.length === 1 && flow[0]!.kind === "var" ? this.absorbable.get(flow[0]!.name) : undefined;
      const rename = only?.(p.name);
      if (!rename) return true;
      inherited[i]!.push(rename);
      return false;
    };
    // Each arm assigns every partial; inside a loop, what those assignments read from the arm's
    // forward values is taped with the rest of the arm's reads.
    const sets = (side: "then" | "else") =>
      partials.map((p, i) => (assigns(side, i) ? { kind: "set" as const, name: p.name, expr: p[side] } : undefined));
    const [thenSets, elseSets] = [sets("then"), sets("else")];
    const present = (list: typeof thenSets) => list.filter((x) => x !== undefined);
    const names = partials.map((p) => p.name);
    const thenCode = this.withTape(thenArm.block, [...thenArm.out, ...present(thenSets)], names);
    const elseCode = this.withTape(elseArm.block, [...elseArm.out, ...present(elseSets)], names);
    const cond: VarRef = s.cond;
    const simple = partials.every((_, i) => thenSets[i] && elseSets[i]);
    if (simple && thenCode.length === present(thenSets).length && elseCode.length === present(elseSets).length) {
      // The arms compute nothing but the partials: `const grad_x = cond ? a : b`.
      for (const p of partials) {
        let st: CodeStatement & { kind: "const" | "set" } = {
          kind: "const",
          name: p.name,
          expr: select(cond, p.then, p.else),
        };
        out.push(st);
        this.renamable.set(p.name, (to) => (st.name = to));
        this.absorbable.set(p.name, (to) => {
          const at = out.indexOf(st);
          if (at < 0) return undefined;
          st = { kind: "set", name: to, expr: st.expr };
          out[at] = st;
          return (again) => (st.name = again);
        });
      }
    } else {
      const lets = partials.map((p) => ({ kind: "let" as const, name: p.name }));
      const renames = partials.map((_, i) => (to: string) => {
        lets[i]!.name = to;
        for (const set of [thenSets[i], elseSets[i]]) if (set) set.name = to;
        for (const r of inherited[i]!) r(to);
      });
      partials.forEach((p, i) => {
        this.renamable.set(p.name, renames[i]!);
        this.absorbable.set(p.name, (to) => {
          const at = out.indexOf(lets[i]!);
          if (at < 0) return undefined;
          out.splice(at, 1);
          renames[i]!(to);
          return renames[i]!;
        });
      });
      out.push(...lets, { kind: "if", cond, then: thenCode, else: elseCode });
    }
    const partialOf = new Map(partials.map((p) => [p.target, p.name]));
    for (const name of free) {
      const p = partialOf.get(name);
      if (p) this.add(name, v(p), block, outflow);
      const both = common.get(name);
      if (both) this.add(name, both, block, outflow);
      this.consume(name, block, out);
    }
  }
}

/** The atoms of an expression, nested ones included. */
function exprAtoms(e: Expr): Atom[] {
  return e.kind === "op" ? e.args.flatMap(exprAtoms) : [e];
}

/** Adds the names `code` declares (nested statements included) to `into`. */
function collectDeclarations(code: CodeStatement[], into: Set<string>): void {
  for (const s of allStatements(code)) {
    if (s.kind === "const" || s.kind === "let" || s.kind === "pop") into.add(s.name);
    else if (s.kind === "destructure") s.names.forEach((n) => n !== null && into.add(n));
    else if (s.kind === "repeat" || s.kind === "for" || s.kind === "addArray") into.add(s.counter);
  }
}
