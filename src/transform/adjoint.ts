/**
 * Reverse mode over a graph: one `grad_<name>` per active value, written in reverse order.
 *
 * Statements are visited last to first. Each active node hands every active operand its
 * contribution: from the rule table (`rule(grad, out, args)`), from a gate's own backward, or
 * from a callee's pullback. An operand's `grad_` variable is written the moment its last
 * contribution arrives: a single plain assignment when it has one consumer (add distributes,
 * mul swaps), the sum of contributions when it fans out (copies add).
 *
 * A branch is reversed as a branch on the same recorded decision. Inside an arm, gradients of
 * the arm's own values are ordinary `const`s; what the arm contributes to values from before
 * the branch is collected into one variable per value, assigned in both arms (or chosen with
 * `cond ? a : b` when the arms compute nothing), which then counts as one contribution.
 */
import type { Callee, CodeStatement, Expr, Graph, Node, Statement, VarRef } from "../ir.js";
import { NameAllocator } from "../names.js";
import { c, isConst, select, sum, v } from "../rules/expr.js";
import { ruleOf } from "../rules/table.js";
import { analyzeActivity } from "./activity.js";
import { forwardCode } from "./forward.js";
import { collectReads, prune } from "./prune.js";
import { instantiate } from "./template.js";
import { definitionsOf, vars } from "./walk.js";

export interface Differentiated {
  forward: CodeStatement[];
  backward: CodeStatement[];
  /** The gradient of each differentiated parameter, in parameter order. */
  grads: { param: string; value: Expr }[];
  /** For a pullback: the name of the parameter carrying the upstream gradient. */
  seed: string;
}

export type Mode = "entry" | "pullback";

/** The name a callee's pullback has in generated code. */
export const pullbackName = (key: string): string => `${key}_pullback`;

type Block = Statement[];

export function differentiate(
  graph: Graph,
  wrt: ReadonlySet<string>,
  callees: ReadonlyMap<string, Callee>,
  mode: Mode,
): Differentiated {
  return new Reverser(graph, wrt, callees, mode).run();
}

class Reverser {
  private readonly active: Set<string>;
  private readonly live: Set<string>;
  private readonly names = new NameAllocator();
  private readonly gradName = new Map<string, string>();
  /** The block defining each value (parameters: the body). */
  private readonly definedIn = new Map<string, Block>();
  /** The block containing each arm. */
  private readonly parentOf = new Map<Block, Block>();
  /** Contributions still to come, per value, counted at its defining block. */
  private readonly pending = new Map<string, number>();
  /** Contributions received so far, per value. */
  private readonly terms = new Map<string, Expr[]>();
  /** Finished gradients: a `grad_` variable, or the constant 0. */
  private readonly gradient = new Map<string, Expr>();
  private readonly freeCache = new Map<Statement, string[]>();
  /**
   * Temporaries this sweep introduced (a pullback's results, a branch's outflow), each read
   * exactly once, with how to rename them. When one is a value's only contribution, it takes the
   * value's gradient name instead of being copied into it.
   */
  private readonly renamable = new Map<string, (to: string) => void>();

  constructor(
    private readonly graph: Graph,
    private readonly wrt: ReadonlySet<string>,
    private readonly callees: ReadonlyMap<string, Callee>,
    private readonly mode: Mode,
  ) {
    ({ active: this.active, live: this.live } = analyzeActivity(graph, wrt));
    this.names.reserve("Math");
    for (const key of callees.keys()) {
      this.names.reserve(key);
      this.names.reserve(pullbackName(key));
    }
    for (const p of graph.params) {
      this.names.reserve(p.name);
      this.definedIn.set(p.name, graph.body);
    }
    this.index(graph.body);
    // Claim every gradient's name up front, in definition order, so `grad_x` is x's final one.
    for (const name of [...graph.params.map((p) => p.name), ...definitionsOf(graph.body)])
      if (this.active.has(name)) this.gradName.set(name, this.names.claim(`grad_${name}`));
    this.count(graph.body);
  }

  private index(block: Block): void {
    for (const s of block) {
      if (s.kind === "node") {
        this.names.reserve(s.name);
        this.definedIn.set(s.name, block);
        continue;
      }
      for (const arm of [s.then, s.else]) {
        this.parentOf.set(arm, block);
        this.index(arm);
      }
      for (const m of s.merges) {
        this.names.reserve(m.name);
        this.definedIn.set(m.name, block);
      }
    }
  }

  /** Counts, per active value, the consumers in its own block that will contribute to it. */
  private count(block: Block, arm?: { branch: Statement & { kind: "branch" }; side: "then" | "else" }): void {
    const use = (name: string) => {
      if (this.definedIn.get(name) === block) this.pending.set(name, (this.pending.get(name) ?? 0) + 1);
    };
    if (arm)
      for (const m of arm.branch.merges)
        if (this.active.has(m.name)) for (const a of vars([m[arm.side]])) if (this.active.has(a.name)) use(a.name);
    for (const s of block) {
      if (s.kind === "node") {
        if (this.active.has(s.name)) for (const a of vars(s.args)) if (this.active.has(a.name)) use(a.name);
        continue;
      }
      for (const name of this.free(s)) use(name);
      this.count(s.then, { branch: s, side: "then" });
      this.count(s.else, { branch: s, side: "else" });
    }
  }

  /** Active values from outside a branch that it contributes to, in a fixed order. */
  private free(branch: Statement & { kind: "branch" }): string[] {
    const cached = this.freeCache.get(branch);
    if (cached) return cached;
    const inside = (name: string) => {
      for (let b = this.definedIn.get(name); b; b = this.parentOf.get(b))
        if (b === branch.then || b === branch.else) return true;
      return false;
    };
    const refs = new Set<string>();
    const visit = (block: Block, side?: "then" | "else") => {
      if (side)
        for (const m of branch.merges) if (this.active.has(m.name)) for (const a of vars([m[side]])) refs.add(a.name);
      for (const s of block) {
        if (s.kind === "node") {
          if (this.active.has(s.name)) for (const a of vars(s.args)) refs.add(a.name);
        } else for (const name of this.free(s)) refs.add(name);
      }
    };
    visit(branch.then, "then");
    visit(branch.else, "else");
    const result = [...refs].filter((name) => this.active.has(name) && !inside(name));
    this.freeCache.set(branch, result);
    return result;
  }

  run(): Differentiated {
    const backward: CodeStatement[] = [];
    const result = this.graph.results[0];
    let seed = "";
    if (this.mode === "pullback") {
      seed =
        result?.kind === "var" && this.active.has(result.name)
          ? this.gradName.get(result.name)!
          : this.names.claim(`grad_${this.graph.name}`);
      if (result?.kind === "var" && this.active.has(result.name)) this.gradient.set(result.name, v(seed));
    } else if (result?.kind === "var" && this.active.has(result.name)) {
      this.terms.set(result.name, [c(1)]);
      this.finish(result.name, backward);
    }
    this.reverse(this.graph.body, backward, new Map());
    const grads = this.graph.params
      .filter((p) => this.wrt.has(p.name))
      .map((p) => ({ param: p.name, value: this.gradient.get(p.name) ?? c(0) }));
    // Keep only what the results need: an entry returns its value, a pullback only gradients.
    const read = new Set<string>(
      [...grads.map((g) => g.value), ...(this.mode === "entry" ? this.graph.results : [])].flatMap((e) =>
        e.kind === "var" ? [e.name] : [],
      ),
    );
    const prunedBackward = prune(backward, read);
    // Values the backward pass reads from inside forward branch arms must outlive the arm.
    const hoisted = new Set<string>();
    collectReads(prunedBackward, hoisted);
    const forward = forwardCode(this.graph.body, this.live, hoisted);
    return { forward: prune(forward, read), backward: prunedBackward, grads, seed };
  }

  /** Adds a contribution to `name`: to its own list if defined in `block`, else to the block's outflow. */
  private add(name: string, term: Expr, block: Block, outflow: Map<string, Expr[]>): void {
    if (isConst(term, 0)) return;
    const target = this.definedIn.get(name) === block ? this.terms : outflow;
    const list = target.get(name);
    if (list) list.push(term);
    else target.set(name, [term]);
  }

  /** One consumer of `name` in `block` is done; write its gradient if it was the last. */
  private consume(name: string, block: Block, out: CodeStatement[]): void {
    if (this.definedIn.get(name) !== block) return;
    const left = this.pending.get(name)! - 1;
    this.pending.set(name, left);
    if (left === 0) this.finish(name, out);
  }

  private finish(name: string, out: CodeStatement[]): void {
    const terms = this.terms.get(name) ?? [];
    const only = terms.length === 1 && terms[0]!.kind === "var" ? this.renamable.get(terms[0]!.name) : undefined;
    if (only) {
      only(this.gradName.get(name)!);
      this.gradient.set(name, v(this.gradName.get(name)!));
      return;
    }
    const value = sum(terms);
    if (isConst(value, 0)) {
      this.gradient.set(name, value);
      return;
    }
    const g = this.gradName.get(name)!;
    out.push({ kind: "const", name: g, expr: value });
    this.gradient.set(name, v(g));
  }

  private reverse(block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
    for (let i = block.length - 1; i >= 0; i--) {
      const s = block[i]!;
      if (s.kind === "node") {
        if (this.active.has(s.name)) this.node(s, block, out, outflow);
      } else this.branch(s, block, out, outflow);
    }
  }

  private node(n: Node, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
    const grad = this.gradient.get(n.name) ?? c(0);
    const contributions = isConst(grad, 0) ? [] : this.contributions(n, grad, out);
    n.args.forEach((a, i) => {
      if (a.kind !== "var" || !this.active.has(a.name)) return;
      const term = contributions[i];
      if (term) this.add(a.name, term, block, outflow);
      this.consume(a.name, block, out);
    });
  }

  /** Each operand's contribution `grad * ∂out/∂operand`, writing any statements it needs. */
  private contributions(n: Node, grad: Expr, out: CodeStatement[]): (Expr | undefined)[] {
    if (n.op !== "call") {
      const d = ruleOf(n.op).derivative;
      if (d.kind !== "rule") return [];
      const ctx = { grad, out: v(n.name), args: n.args, x: n.args[0]!, y: n.args[1] ?? c(0) };
      return n.args.map((a, i) => (a.kind === "var" && this.active.has(a.name) ? d.d(ctx, i) : undefined));
    }
    const callee = this.callees.get(n.callee!)!;
    if (callee.kind === "gate") return instantiate(callee.gate.backward, grad, v(n.name), n.args);
    // A call to a function: its pullback returns every parameter's gradient.
    const names = n.args.map((a) =>
      a.kind === "var" && this.active.has(a.name) ? this.names.claim(`grad_${a.name}`) : null,
    );
    const call: Expr = { kind: "op", op: "call", callee: pullbackName(n.callee!), args: [...n.args, grad] };
    if (names.length === 1) {
      const st = { kind: "const" as const, name: names[0]!, expr: call };
      out.push(st);
      this.renamable.set(st.name, (to) => (st.name = to));
    } else {
      const st = { kind: "destructure" as const, names, expr: call };
      out.push(st);
      names.forEach((name, i) => name !== null && this.renamable.set(name, (to) => (st.names[i] = to)));
    }
    return names.map((name) => (name === null ? undefined : v(name)));
  }

  private branch(
    s: Statement & { kind: "branch" },
    block: Block,
    out: CodeStatement[],
    outflow: Map<string, Expr[]>,
  ): void {
    const free = this.free(s);
    const merges = s.merges.filter((m) => this.active.has(m.name));
    if (free.length === 0) return;
    const arms = (["then", "else"] as const).map((side) => {
      const armBlock = s[side];
      const armOut: CodeStatement[] = [];
      const armFlow = new Map<string, Expr[]>();
      for (const m of merges) {
        const grad = this.gradient.get(m.name) ?? c(0);
        for (const a of vars([m[side]]))
          if (this.active.has(a.name)) {
            this.add(a.name, grad, armBlock, armFlow);
            this.consume(a.name, armBlock, armOut);
          }
      }
      this.reverse(armBlock, armOut, armFlow);
      return { out: armOut, flow: armFlow };
    });
    const [thenArm, elseArm] = arms as [(typeof arms)[number], (typeof arms)[number]];
    const partials: { name: string; then: Expr; else: Expr; target: string }[] = [];
    for (const name of free) {
      const t = sum(thenArm.flow.get(name) ?? []);
      const e = sum(elseArm.flow.get(name) ?? []);
      if (!(isConst(t, 0) && isConst(e, 0)))
        partials.push({ name: this.names.claim(`grad_${name}`), then: t, else: e, target: name });
    }
    const cond: VarRef = s.cond;
    if (thenArm.out.length === 0 && elseArm.out.length === 0) {
      for (const p of partials) {
        const st = { kind: "const" as const, name: p.name, expr: select(cond, p.then, p.else) };
        out.push(st);
        this.renamable.set(p.name, (to) => (st.name = to));
      }
    } else if (partials.length > 0) {
      const sets = (side: "then" | "else") =>
        partials.map((p) => ({ kind: "set" as const, name: p.name, expr: p[side] }));
      const lets = partials.map((p) => ({ kind: "let" as const, name: p.name }));
      const [thenSets, elseSets] = [sets("then"), sets("else")];
      partials.forEach((p, i) =>
        this.renamable.set(p.name, (to) => {
          lets[i]!.name = to;
          thenSets[i]!.name = to;
          elseSets[i]!.name = to;
        }),
      );
      out.push(...lets, { kind: "if", cond, then: [...thenArm.out, ...thenSets], else: [...elseArm.out, ...elseSets] });
    }
    const partialOf = new Map(partials.map((p) => [p.target, p.name]));
    for (const name of free) {
      const p = partialOf.get(name);
      if (p) this.add(name, v(p), block, outflow);
      this.consume(name, block, out);
    }
  }
}
