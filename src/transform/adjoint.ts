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
 *
 * A loop is reversed as a loop that runs its trip count backwards. The forward loop pushes, at
 * the end of each iteration, the values of that iteration the backward code reads; the reversed
 * loop pops them at the start of each of its iterations. A carried value's adjoint is carried
 * backwards in a `let`; what the body contributes to values from before the loop is summed into
 * an accumulator.
 *
 * Arrays are memory: a read `t = a[i]` adds `grad_t` into `grad_a[i]`; a write `a[i] = v` hands
 * `grad_a[i]` to `v` and clears it, since the value it overwrote no longer reaches the output.
 * An array gate's backward reads its input arrays: one the program writes after the call is
 * copied at the call (a snapshot), and inside a loop the arrays it reads are kept per iteration
 * on a tape of arrays. An array chosen by a branch (`cond ? [a] : [b]`) shares its adjoint with
 * the array of the arm that made it.
 */
import type {
  ArrayGateCallee,
  Callee,
  CodeStatement,
  Expr,
  Graph,
  Loop,
  Merge,
  Node,
  Statement,
  VarRef,
} from "../ir.js";
import { pullbackName } from "../conventions.js";
import { NameAllocator } from "../names.js";
import { add, c, isConst, mul, op, operationKey, select, sub, sum, v } from "../rules/expr.js";
import { isCondition, ruleOf } from "../rules/table.js";
import { analyzeActivity, differentiableArgs } from "./activity.js";
import { emptyPlan, forwardCode, nodeExpr, type TapePlan } from "./forward.js";
import { collectReads, freeReads, prune } from "./prune.js";
import { instantiate } from "./template.js";
import { definitionsOf, vars } from "../ir-walk.js";

export interface Differentiated {
  forward: CodeStatement[];
  backward: CodeStatement[];
  /** The gradient of each differentiated parameter, in parameter order. */
  grads: { param: string; value: Expr }[];
  /** For a pullback or a vector-valued function: the parameter carrying the upstream gradient. */
  seed: string;
  /** Whether the code uses adgen's Tape (to be imported). */
  usesTape: boolean;
}

export type Mode = "entry" | "pullback";

type Block = Statement[];
type BranchStatement = Statement & { kind: "branch" };

export function differentiate(
  graph: Graph,
  wrt: ReadonlySet<string>,
  callees: ReadonlyMap<string, Callee>,
  mode: Mode,
  tapeClass = "Tape",
  moduleNames: Iterable<string> = [],
): Differentiated {
  return new Reverser(graph, wrt, callees, mode, tapeClass, moduleNames).run();
}

class Reverser {
  private readonly active: Set<string>;
  private readonly live: Set<string>;
  private readonly names = new NameAllocator();
  private readonly gradName = new Map<string, string>();
  /** The block defining each value (parameters: the body). */
  private readonly definedIn = new Map<string, Block>();
  /** The block containing each arm, loop head and loop body. */
  private readonly parentOf = new Map<Block, Block>();
  /** Loop bodies and heads. */
  private readonly loopBlocks = new Set<Block>();
  /** Arms of branches. */
  private readonly arms = new Set<Block>();
  /** Scalars still waiting for contributions, counted at their defining block. */
  private readonly pending = new Map<string, number>();
  /** Contributions received so far, per scalar. */
  private readonly terms = new Map<string, Expr[]>();
  /** Finished gradients: a `grad_` variable, or the constant 0. */
  private readonly gradient = new Map<string, Expr>();
  private readonly freeCache = new Map<Statement, string[]>();
  /**
   * Temporaries this sweep introduced (a pullback's results, a branch's outflow, a write's
   * cleared element), each read exactly once, with how to rename them. When one is a value's
   * only contribution, it takes the value's gradient name instead of being copied into it.
   */
  private readonly renamable = new Map<string, (to: string) => void>();
  private readonly plan: TapePlan;
  private usesTape = false;
  private usesDecisions = false;
  private usesArrays = false;
  /** Every array-valued name with its kind: the graph's, and the snapshots this sweep adds. */
  private readonly arrayKinds: Map<string, "Float64Array" | "number[]">;
  /** Program order of each node, for `writtenAfter`. */
  private readonly positionOf = new Map<Node, number>();
  /** Snapshots made in each block, by the array gate calls there. */
  private readonly snapshotsIn = new Map<Block, string[]>();
  /** Array merges by name; and an array made directly in an arm to the merge choosing it. */
  private readonly mergeOf = new Map<string, Merge>();
  private readonly aliasOf = new Map<string, string>();
  /** The array merges each array flows into: a write through one of them writes the array. */
  private readonly mergedInto = new Map<string, string[]>();
  private readonly booleans = new Set<string>();
  private outSeed = "";
  /** Program order of blocks and of the last write to each array, for `unchangedFrom`. */
  private readonly position = new Map<Block, number>();
  private readonly lastStore = new Map<string, number>();
  private counter = 0;
  private readonly nodeOf = new Map<string, Node>();
  private readonly carriedOf = new Map<string, Loop>();
  /** Top-level forward values by the operation that computed them, for `reuse`. */
  private readonly computed = new Map<string, string>();
  /** Names used directly as array indices. */
  private readonly indices = new Set<string>();

  constructor(
    private readonly graph: Graph,
    private readonly wrt: ReadonlySet<string>,
    private readonly callees: ReadonlyMap<string, Callee>,
    private readonly mode: Mode,
    private readonly tapeClass: string,
    moduleNames: Iterable<string>,
  ) {
    ({ active: this.active, live: this.live } = analyzeActivity(graph, wrt));
    this.arrayKinds = new Map(graph.arrays);
    this.names.reserve("Math");
    // Module constants the generated code reads by name: no generated name (`tape`, `it`,
    // `grad_x`) may hide one.
    for (const name of moduleNames) this.names.reserve(name);
    for (const key of callees.keys()) {
      this.names.reserve(key);
      this.names.reserve(pullbackName(key));
    }
    for (const p of graph.params) {
      this.names.reserve(p.name);
      this.definedIn.set(p.name, graph.body);
    }
    this.index(graph.body);
    this.plan = emptyPlan(this.booleans, this.arrayKinds);
    this.plan.tape = this.names.claim("tape");
    this.plan.decisions = this.names.claim("decisions");
    this.plan.arrays = this.names.claim("arrays");
    // A vector-valued function's upstream gradient is the parameter `grad_out`.
    const result = graph.results[0];
    if (result?.kind === "var" && graph.arrays.has(result.name)) this.outSeed = this.names.claim("grad_out");
    // Claim every gradient's name up front, in definition order, so `grad_x` is x's final one.
    for (const name of [...graph.params.map((p) => p.name), ...definitionsOf(graph.body)])
      if (this.active.has(name)) this.gradName.set(name, this.names.claim(`grad_${name}`));
    this.count(graph.body);
  }

  private isArray(name: string): boolean {
    return this.arrayKinds.has(name);
  }

  /** Active scalars: the values whose gradients flow through `pending` and `terms`. */
  private isScalar(name: string): boolean {
    return this.active.has(name) && !this.isArray(name);
  }

  private index(block: Block): void {
    this.position.set(block, this.counter++);
    for (const s of block) {
      this.counter++;
      if (s.kind === "store") this.lastStore.set(s.array.name, this.counter);
      if (s.kind === "node") {
        this.nodeOf.set(s.name, s);
        this.positionOf.set(s, this.counter);
      }
      // Values of the body's top level, visible to the whole backward pass, by what they compute.
      if (
        s.kind === "node" &&
        block === this.graph.body &&
        s.op !== "index" &&
        !(s.op !== "call" && ruleOf(s.op).array)
      ) {
        const key = operationKey(s.op, s.callee, s.args);
        if (!this.computed.has(key)) this.computed.set(key, s.name);
      }
      if (s.kind === "node" && s.op === "index" && s.args[1]!.kind === "var") this.indices.add(s.args[1]!.name);
      if (s.kind === "store" && s.index.kind === "var") this.indices.add(s.index.name);
      if (s.kind === "loop") for (const c of s.carried) this.carriedOf.set(c.name, s);
      if (s.kind === "node") {
        this.names.reserve(s.name);
        this.definedIn.set(s.name, block);
        if (s.op !== "call" && isCondition(s.op)) this.booleans.add(s.name);
      } else if (s.kind === "branch") {
        for (const arm of [s.then, s.else]) {
          this.parentOf.set(arm, block);
          this.arms.add(arm);
          this.index(arm);
        }
        for (const m of s.merges) {
          this.names.reserve(m.name);
          this.definedIn.set(m.name, block);
          if (this.isArray(m.name)) {
            this.mergeOf.set(m.name, m);
            for (const a of vars([m.then, m.else]))
              this.mergedInto.set(a.name, [...(this.mergedInto.get(a.name) ?? []), m.name]);
            // An arm's own array is only reachable through the merge after the branch: one adjoint.
            for (const [side, arm] of [
              [m.then, s.then],
              [m.else, s.else],
            ] as const)
              if (side.kind === "var" && this.definedIn.get(side.name) === arm) this.aliasOf.set(side.name, m.name);
          }
          if (
            m.then.kind === "var" ? this.booleans.has(m.then.name) : m.then.text === "true" || m.then.text === "false"
          )
            this.booleans.add(m.name);
        }
      } else if (s.kind === "loop") {
        for (const c of s.carried) {
          this.names.reserve(c.name);
          this.definedIn.set(c.name, block);
          if (
            c.init.kind === "var" ? this.booleans.has(c.init.name) : c.init.text === "true" || c.init.text === "false"
          )
            this.booleans.add(c.name);
        }
        for (const inner of [s.head, s.body]) {
          this.parentOf.set(inner, block);
          this.loopBlocks.add(inner);
          this.index(inner);
        }
      }
    }
  }

  private inLoop(block: Block | undefined): boolean {
    for (let b = block; b; b = this.parentOf.get(b)) if (this.loopBlocks.has(b)) return true;
    return false;
  }

  private inside(name: string, blocks: Block[]): boolean {
    for (let b = this.definedIn.get(name); b; b = this.parentOf.get(b)) if (blocks.includes(b)) return true;
    return false;
  }

  // ---- counting contributions ------------------------------------------------------------

  /** Counts, per active scalar, the consumers in its own block that will contribute to it. */
  private count(block: Block, seeds: string[] = []): void {
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

  private mergeSeeds(s: BranchStatement, side: "then" | "else"): string[] {
    return s.merges.filter((m) => this.active.has(m.name)).flatMap((m) => vars([m[side]]).map((a) => a.name));
  }

  private carriedSeeds(loop: Loop): string[] {
    return loop.carried.filter((c) => this.isScalar(c.name)).flatMap((c) => vars([c.next]).map((a) => a.name));
  }

  /** Active scalars from outside a branch or loop that it contributes to, in a fixed order. */
  private free(s: BranchStatement | Loop): string[] {
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

  // ---- the sweep ---------------------------------------------------------------------------

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
    const prunedBackward = prune(backward, read);
    // Values the backward pass reads from inside forward branch arms (outside loops) must outlive the arm.
    const backwardReads = new Set<string>();
    collectReads(prunedBackward, backwardReads);
    for (const name of backwardReads) {
      const block = this.definedIn.get(name);
      if (block && this.arms.has(block) && !this.inLoop(block)) this.plan.hoisted.add(name);
      for (const [loop, trips] of this.plan.trips)
        if (trips === name && this.arms.has(this.loopParent(loop)) && !this.inLoop(this.loopParent(loop)))
          this.plan.hoisted.add(name);
    }
    const forward = forwardCode(this.graph.body, this.live, this.plan);
    const tapes: CodeStatement[] = [
      ...(this.usesTape
        ? [{ kind: "let" as const, name: this.plan.tape, type: "tape" as const, tapeClass: this.tapeClass }]
        : []),
      ...(this.usesDecisions ? [{ kind: "let" as const, name: this.plan.decisions, type: "decisions" as const }] : []),
      ...(this.usesArrays ? [{ kind: "let" as const, name: this.plan.arrays, type: "arrays" as const }] : []),
    ];
    const release: CodeStatement[] = this.usesTape ? [{ kind: "release", tape: this.plan.tape }] : [];
    return {
      forward: [...tapes, ...prune(forward, read)],
      backward: [...prunedBackward, ...release],
      grads,
      seed,
      usesTape: this.usesTape,
    };
  }

  private loopParent(loop: Loop): Block {
    return this.parentOf.get(loop.body)!;
  }

  /** A zero array the size and kind of `name`. */
  private zeros(name: string): Expr {
    return op(this.arrayKinds.get(name) === "Float64Array" ? "newFloat64Array" : "zeros", this.size(name));
  }

  /** The length of array `name`, from how it was made. */
  private size(name: string): Expr {
    if (this.graph.params.some((p) => p.name === name)) return op("length", v(name));
    const merge = this.mergeOf.get(name);
    if (merge) {
      // Both arms' arrays of one constant length: that length; else the chosen array's.
      const [a, b] = [merge.then, merge.else].map((x): Expr => (x.kind === "var" ? this.size(x.name) : x));
      return a!.kind === "const" && b!.kind === "const" && a!.value === b!.value ? a! : op("length", v(name));
    }
    const node = this.nodeOf.get(name);
    if (!node) return op("length", v(name));
    if (node.op === "arrayOf") return c(node.args.length);
    if (node.op === "call") return op("length", v(name));
    if (node.op === "slice") return this.size((node.args[0] as VarRef).name);
    return node.args[0]!;
  }

  /** Allocates the adjoint arrays of the active arrays defined in `block` (at the root, also the parameters'). */
  private allocate(block: Block, out: CodeStatement[], root: boolean, seeded?: string, seed?: string): void {
    const arrays = [
      ...(root ? this.graph.params.map((p) => p.name) : []),
      ...block.flatMap((s) => (s.kind === "node" ? [s.name] : s.kind === "branch" ? s.merges.map((m) => m.name) : [])),
    ];
    for (const name of arrays) {
      if (!this.isArray(name) || !this.active.has(name)) continue;
      const merged = this.aliasOf.get(name);
      const init: Expr =
        name === seeded
          ? op("slice", v(seed!))
          : merged !== undefined && this.active.has(merged)
            ? v(this.gradName.get(merged)!)
            : this.zeros(name);
      out.push({ kind: "const", name: this.gradName.get(name)!, expr: init });
    }
  }

  /** Adds a contribution to scalar `name`: to its own list if defined in `block`, else to the block's outflow. */
  private add(name: string, term: Expr, block: Block, outflow: Map<string, Expr[]>): void {
    if (isConst(term, 0) || !this.isScalar(name)) return;
    const target = this.definedIn.get(name) === block ? this.terms : outflow;
    const list = target.get(name);
    if (list) list.push(term);
    else target.set(name, [term]);
  }

  /** One consumer of `name` in `block` is done; write its gradient if it was the last. */
  private consume(name: string, block: Block, out: CodeStatement[]): void {
    if (!this.isScalar(name) || this.definedIn.get(name) !== block) return;
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

  private node(n: Node, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
    const callee = n.op === "call" ? this.callees.get(n.callee!) : undefined;
    if (callee?.kind === "arrayGate") return this.arrayGateCall(n, callee, block, out, outflow);
    if (n.op === "index") {
      // t = a[i]: grad_a[i] += grad_t.
      const grad = this.gradient.get(n.name) ?? c(0);
      if (!isConst(grad, 0))
        out.push({
          kind: "store",
          array: this.gradName.get((n.args[0] as VarRef).name)!,
          index: n.args[1]!,
          expr: grad,
          add: true,
        });
      return;
    }
    if (n.op === "slice") {
      const source = (n.args[0] as VarRef).name;
      if (this.active.has(source))
        out.push({
          kind: "addArray",
          target: this.gradName.get(source)!,
          source: this.gradName.get(n.name)!,
          counter: this.names.claim("k"),
        });
      return;
    }
    if (n.op === "arrayOf") {
      n.args.forEach((a, j) => {
        if (a.kind !== "var" || !this.isScalar(a.name)) return;
        this.add(a.name, op("index", v(this.gradName.get(n.name)!), c(j)), block, outflow);
        this.consume(a.name, block, out);
      });
      return;
    }
    const grad = this.gradient.get(n.name) ?? c(0);
    const contributions = isConst(grad, 0) ? [] : this.contributions(n, grad, block, out);
    n.args.forEach((a, i) => {
      if (a.kind !== "var" || !this.isScalar(a.name)) return;
      const term = contributions[i];
      if (term) this.add(a.name, term, block, outflow);
      this.consume(a.name, block, out);
    });
  }

  /**
   * y = gate(...): the gate's own backward returns each input's gradient; arrays are added into
   * their adjoint arrays, numbers become contributions.
   */
  private arrayGateCall(
    n: Node,
    gate: ArrayGateCallee,
    block: Block,
    out: CodeStatement[],
    outflow: Map<string, Expr[]>,
  ): void {
    const grad: Expr = gate.output === "array" ? v(this.gradName.get(n.name)!) : (this.gradient.get(n.name) ?? c(0));
    const differentiated = (a: Node["args"][number], i: number) =>
      a.kind === "var" && this.active.has(a.name) && gate.inputs[i] !== "size" && !isConst(grad, 0);
    const names = n.args.map((a, i) => (differentiated(a, i) ? this.names.claim(`grad_${(a as VarRef).name}`) : null));
    if (names.some((name) => name !== null)) {
      // The backward reads the arrays as they were at the call: a copy of any written after it.
      const asAtCall = (a: Node["args"][number], i: number): Node["args"][number] =>
        a.kind === "var" && gate.reads.includes(i) && this.writtenAfter(a.name, n, block)
          ? this.snapshot(a.name, n, block)
          : a;
      const call: Expr = {
        kind: "op",
        op: "call",
        callee: `${n.callee!}.backward`,
        args: [grad, v(n.name), ...n.args.map(asAtCall)],
      };
      const st = { kind: "destructure" as const, names, expr: call };
      out.push(st);
      n.args.forEach((a, i) => {
        const name = names[i] ?? null;
        if (name === null || a.kind !== "var") return;
        if (this.isArray(a.name))
          out.push({
            kind: "addArray",
            target: this.gradName.get(a.name)!,
            source: name,
            counter: this.names.claim("k"),
          });
        else {
          this.renamable.set(name, (to) => (st.names[i] = to));
          this.add(a.name, v(name), block, outflow);
        }
      });
    }
    for (const a of n.args) if (a.kind === "var") this.consume(a.name, block, out);
  }

  /**
   * Whether the program may write `array` after node `n` reads it: a write later in program order,
   * or anywhere in a loop around `n` that `array` outlives (a later iteration writes after `n`).
   */
  private writtenAfter(array: string, n: Node, block: Block): boolean {
    let from = this.positionOf.get(n)!;
    const made = this.definedIn.get(array);
    const encloses = (outer: Block) => {
      for (let b = made; b; b = this.parentOf.get(b)) if (b === outer) return true;
      return false;
    };
    for (let b: Block | undefined = block; b; b = this.parentOf.get(b))
      if (this.loopBlocks.has(b) && !encloses(b)) from = this.position.get(b)!;
    return this.lastWrite(array) > from;
  }

  /** A copy of `array` made right after node `n` (once per call and array), for its backward. */
  private snapshot(array: string, n: Node, block: Block): VarRef {
    const copies = this.plan.snapshots.get(n) ?? [];
    let copy = copies.find((x) => x.array === array);
    if (!copy) {
      copy = { name: this.names.claim(`${array}_copy`), array };
      copies.push(copy);
      this.plan.snapshots.set(n, copies);
      this.arrayKinds.set(copy.name, this.arrayKinds.get(array)!);
      this.definedIn.set(copy.name, block);
      this.snapshotsIn.set(block, [...(this.snapshotsIn.get(block) ?? []), copy.name]);
    }
    return v(copy.name);
  }

  /**
   * A backward formula with every operation the forward pass already computed (outside loops and
   * branches, so still in scope) replaced by that value: `grad * Math.cos(theta)` reads the
   * forward's `t1` when `t1 = Math.cos(theta)`.
   */
  private reuse(e: Expr): Expr {
    if (e.kind !== "op") return e;
    const args = e.args.map((a) => this.reuse(a));
    if (args.every((a) => a.kind !== "op")) {
      const key = operationKey(e.op, e.callee, args);
      const name = this.computed.get(key);
      if (name !== undefined && this.live.has(name)) return v(name);
    }
    return { ...e, args };
  }

  /** a[i] = v: v receives grad_a[i], which is then cleared (the old a[i] no longer reaches the output). */
  private store(
    s: Statement & { kind: "store" },
    block: Block,
    out: CodeStatement[],
    outflow: Map<string, Expr[]>,
  ): void {
    const gradArray = this.gradName.get(s.array.name)!;
    const value = s.value.kind === "var" && this.isScalar(s.value.name) ? s.value.name : undefined;
    if (value) {
      const st = {
        kind: "const" as const,
        name: this.names.claim(`grad_${value}`),
        expr: op("index", v(gradArray), s.index),
      };
      out.push(st);
      this.renamable.set(st.name, (to) => (st.name = to));
      this.add(value, v(st.name), block, outflow);
    }
    out.push({ kind: "store", array: gradArray, index: s.index, expr: c(0) });
    if (value) this.consume(value, block, out);
  }

  /** Each operand's contribution `grad * ∂out/∂operand`, writing any statements it needs. */
  private contributions(n: Node, grad: Expr, block: Block, out: CodeStatement[]): (Expr | undefined)[] {
    if (n.op !== "call") {
      const d = ruleOf(n.op).derivative;
      if (d.kind !== "rule") return [];
      const ctx = { grad, out: v(n.name), args: n.args, x: n.args[0]!, y: n.args[1] ?? c(0) };
      // Inside a loop, names stand for the iteration's values, not the top level's: no reuse there.
      const reuse = (e: Expr) => (this.inLoop(block) ? e : this.reuse(e));
      return n.args.map((a, i) => (a.kind === "var" && this.isScalar(a.name) ? reuse(d.d(ctx, i)) : undefined));
    }
    const callee = this.callees.get(n.callee!)!;
    if (callee.kind === "gate") return instantiate(callee.gate.backward, grad, v(n.name), n.args);
    // A call to a function: its pullback returns every parameter's gradient.
    const names = n.args.map((a) =>
      a.kind === "var" && this.isScalar(a.name) ? this.names.claim(`grad_${a.name}`) : null,
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

  /**
   * The backward code of an arm or loop body: allocations and, inside loops, the values of this
   * block the code reads. Each is recomputed where that is cheap and exact (a loop counter from the
   * reversed counter, index arithmetic, a read of an array nothing writes any more); the rest are
   * popped from the tape, which the forward pass fills at the end of the block.
   */
  private withTape(
    block: Block,
    code: CodeStatement[],
    keep: Iterable<string>,
    loop?: Loop,
    counter?: string,
  ): CodeStatement[] {
    const allocations: CodeStatement[] = [];
    this.allocate(block, allocations, false);
    if (!this.inLoop(block)) return [...allocations, ...code];
    const live = new Set<string>(keep);
    collectReads(code, live);
    const pruned = prune(code, live);
    const reads = freeReads([...allocations, ...pruned]);
    // A loop body's own values include its phis: their values at the start of the iteration.
    const phis = loop ? loop.carried.map((c) => c.name) : [];
    const own = [
      ...phis,
      ...definitionsOfBlock(block),
      ...(this.snapshotsIn.get(block) ?? []),
      ...[...this.plan.trips].filter(([l]) => this.loopParent(l) === block).map(([, t]) => t),
    ];
    const ownSet = new Set(own);
    const nodes = new Map(block.flatMap((s) => (s.kind === "node" ? [[s.name, s] as const] : [])));

    // What can be recomputed: memoised, so each name is decided once.
    const recompute = new Map<string, Expr | null>();
    const recomputed = (name: string): Expr | null => {
      if (recompute.has(name)) return recompute.get(name)!;
      recompute.set(name, null); // a cycle recomputes nothing
      let expr: Expr | null = null;
      const carried = loop?.carried.find((c) => c.name === name);
      const step = carried && counter ? this.inductionStep(carried, loop!) : undefined;
      if (step !== undefined) {
        // The value at the start of forward iteration `counter - 1`: init + (counter - 1) * step.
        expr = add(carried!.init, mul(sub(v(counter!), c(1)), c(step)));
      } else {
        const n = nodes.get(name);
        const available = (a: Node["args"][number]) =>
          a.kind === "const" || !ownSet.has(a.name) || recomputed(a.name) !== null;
        if (n && CHEAP.has(n.op) && n.args.every(available)) expr = nodeExpr(n);
        else if (n && n.op === "index" && this.unchangedFrom(n.args[0] as VarRef, block) && available(n.args[1]!))
          expr = nodeExpr(n);
      }
      recompute.set(name, expr);
      return expr;
    };
    // Everything the code needs, with what its recomputations need in turn.
    const needed = new Set<string>();
    const need = (name: string) => {
      // An array of this block (made here, or a snapshot) is taped too: the reversed iteration
      // cannot see the forward iteration's array otherwise.
      if (!ownSet.has(name) || needed.has(name)) return;
      needed.add(name);
      const e = recomputed(name);
      if (!e) return;
      const args = new Set<string>();
      collectReads([{ kind: "accumulate", name: "", expr: e }], args);
      args.forEach(need);
    };
    for (const name of own) if (reads.has(name)) need(name);
    const taped = own.filter((name) => needed.has(name) && !recompute.get(name));
    const recomputes = own
      .filter((name) => needed.has(name) && recompute.get(name))
      .map((name): CodeStatement => ({ kind: "const", name, expr: recompute.get(name)! }));
    if (taped.length > 0) this.plan.pushes.set(block, taped);
    const pops = [...taped].reverse().map((name): CodeStatement => {
      const array = this.arrayKinds.get(name);
      if (array) {
        this.usesArrays = true;
        return { kind: "pop", tape: this.plan.arrays, name, cast: array };
      }
      const decision = this.booleans.has(name);
      if (decision) this.usesDecisions = true;
      else this.usesTape = true;
      return decision
        ? { kind: "pop", tape: this.plan.decisions, name, array: true }
        : { kind: "pop", tape: this.plan.tape, name };
    });
    return [...pops, ...recomputes, ...allocations, ...pruned];
  }

  /** The step of a loop counter `c = init, c + step, ...` with integer init and step, else undefined. */
  private inductionStep(c: Loop["carried"][number], loop: Loop): number | undefined {
    // A counter used as an array index holds integers in every iteration that reads an element.
    if (c.next.kind !== "var" || !(this.isInteger(c.init) || this.indices.has(c.name))) return undefined;
    const n = loop.body.find((s): s is Node => s.kind === "node" && s.name === (c.next as VarRef).name);
    if (!n || (n.op !== "add" && n.op !== "sub")) return undefined;
    const [a, b] = n.args;
    const isPhi = (x: Node["args"][number] | undefined) => x?.kind === "var" && x.name === c.name;
    const k =
      isPhi(a) && b?.kind === "const"
        ? b.value
        : n.op === "add" && isPhi(b) && a?.kind === "const"
          ? a.value
          : undefined;
    if (k === undefined || !Number.isInteger(k)) return undefined;
    return n.op === "sub" ? -k : k;
  }

  /** Whether a value is an integer for sure (so counting from it is exact). */
  private isInteger(a: Node["args"][number], seen = new Set<string>()): boolean {
    if (a.kind === "const") return Number.isInteger(a.value);
    if (seen.has(a.name)) return false;
    seen.add(a.name);
    const n = this.nodeOf.get(a.name);
    if (n?.op === "length") return true;
    if (n && (n.op === "add" || n.op === "sub" || n.op === "mul")) return n.args.every((x) => this.isInteger(x, seen));
    const loop = this.carriedOf.get(a.name);
    const c = loop?.carried.find((x) => x.name === a.name);
    return c !== undefined && this.inductionStep(c, loop!) !== undefined;
  }

  /** Whether nothing writes `array` from the start of the outermost loop around `block` onwards. */
  private unchangedFrom(array: VarRef, block: Block): boolean {
    // An array made inside a loop does not exist in the reversed iteration.
    if (this.inLoop(this.definedIn.get(array.name))) return false;
    let outermost: Block | undefined;
    for (let b: Block | undefined = block; b; b = this.parentOf.get(b)) if (this.loopBlocks.has(b)) outermost = b;
    const start = outermost ? this.position.get(outermost)! : 0;
    return this.lastWrite(array.name) < start;
  }

  /** The position of the last write to `array`, directly or through a merge that chose it; -1 if none. */
  private lastWrite(array: string): number {
    return Math.max(
      this.lastStore.get(array) ?? -1,
      ...(this.mergedInto.get(array) ?? []).map((m) => this.lastWrite(m)),
    );
  }

  private branch(s: BranchStatement, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
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

  private loop(loop: Loop, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
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
    const trips = this.names.claim("trips");
    this.plan.trips.set(loop, trips);
    this.definedIn.set(trips, block);
    const counter = this.names.claim("it");
    const body = this.withTape(
      loop.body,
      [...bodyOut, ...updates],
      [...carriedGrad.values(), ...accumulators.map((a) => a.name)],
      loop,
      counter,
    );
    const zero = c(0);
    for (const c of carried)
      out.push({ kind: "let", name: carriedGrad.get(c.name)!, init: this.gradient.get(c.name) ?? zero });
    for (const a of accumulators) out.push({ kind: "let", name: a.name, init: c(0) });
    out.push({ kind: "repeat", counter, from: v(trips), body });

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

/** Pure, cheap operations the reversed loop recomputes rather than popping from the tape. */
const CHEAP = new Set(["add", "sub", "mul", "neg", "length"]);

/** The names a block itself defines (not its arms' or loops' insides), in order. */
function definitionsOfBlock(block: Block): string[] {
  return block.flatMap((s) =>
    s.kind === "node"
      ? [s.name]
      : s.kind === "branch"
        ? s.merges.map((m) => m.name)
        : s.kind === "loop"
          ? s.carried.map((c) => c.name)
          : [],
  );
}
