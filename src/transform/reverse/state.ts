/**
 * The state of one reverse sweep and what every part of it uses: where each value is defined, the
 * gradient names, and how contributions add up into a value's gradient (`add`, `consume`,
 * `finish`). The parts live in the files beside this one, each a class in a chain (counting ->
 * tape -> nodes -> branches -> loops -> sweep); what a part needs of a later one is declared here,
 * abstract.
 */
import { pullbackName } from "../../conventions.js";
import { definedBy, definitionsOf, vars } from "../../ir-walk.js";
import { isArray, rowsOf } from "../../ir-types.js";
import { arrayRoots, grownArrays, rootOf } from "../../aliases.js";
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
  Store,
  VarRef,
} from "../../ir.js";
import { NameAllocator } from "../../names.js";
import { c, isConst, op, operationKey, sum, v } from "../../rules/expr.js";
import { ruleOf } from "../../rules/table.js";
import { analyzeActivity } from "../activity.js";
import { emptyPlan, type TapePlan } from "../forward.js";
import type { Adoptable } from "./adopt.js";
import { directAdjoints } from "./direct.js";

export interface Differentiated {
  forward: CodeStatement[];
  backward: CodeStatement[];
  /** The gradient of each differentiated parameter, in parameter order. */
  grads: { param: string; value: Expr }[];
  /** For a pullback or a vector-valued function: the parameter carrying the upstream gradient. */
  seed: string;
  /** Whether the code uses adgen's Tape (to be imported). */
  usesTape: boolean;
  /** The gradient's name of each active value (`s0` -> `grad_s0`). */
  gradNames: ReadonlyMap<string, string>;
}

export type Mode = "entry" | "pullback";

export type Block = Statement[];
export type BranchStatement = Statement & { kind: "branch" };

export abstract class SweepState {
  protected readonly active: Set<string>;
  protected readonly live: Set<string>;
  protected readonly names = new NameAllocator();
  protected readonly gradName = new Map<string, string>();
  /** The block defining each value (parameters: the body). */
  protected readonly definedIn = new Map<string, Block>();
  /** The block containing each arm, loop head and loop body. */
  protected readonly parentOf = new Map<Block, Block>();
  /** Loop bodies and heads; the bodies alone. */
  protected readonly loopBlocks = new Set<Block>();
  protected readonly loopBodies = new Set<Block>();
  /** Arms of branches. */
  protected readonly arms = new Set<Block>();
  /** Scalars still waiting for contributions, counted at their defining block. */
  protected readonly pending = new Map<string, number>();
  /** Contributions received so far, per scalar. */
  protected readonly terms = new Map<string, Expr[]>();
  /** Finished gradients: a `grad_` variable, or the constant 0. */
  protected readonly gradient = new Map<string, Expr>();
  protected readonly freeCache = new Map<Statement, string[]>();
  /**
   * Temporaries this sweep introduced (a pullback's results, a branch's outflow, a write's
   * cleared element), each read exactly once, with how to rename them. When one is a value's
   * only contribution, it takes the value's gradient name instead of being copied into it.
   */
  protected readonly renamable = new Map<string, (to: string) => void>();
  /** Values of an arm that a merge chooses: given only the merge's gradient, they share its name. */
  protected readonly chosen = new Set<string>();
  protected readonly plan: TapePlan;
  protected usesTape = false;
  protected usesDecisions = false;
  protected usesArrays = false;
  /** Every array-valued name with its kind: the graph's, and the snapshots this sweep adds. */
  protected readonly arrayKinds = new Map<string, "Float64Array" | "number[]">();
  /** Program order of each node, for `writtenAfter`. */
  protected readonly positionOf = new Map<Node, number>();
  /** Snapshots made in each block, by the array gate calls there. */
  protected readonly snapshotsIn = new Map<Block, string[]>();
  /** Array merges by name; and an array made directly in an arm to the merge choosing it. */
  protected readonly mergeOf = new Map<string, Merge>();
  protected readonly aliasOf = new Map<string, string>();
  /** The array merges each array flows into: a write through one of them writes the array. */
  protected readonly mergedInto = new Map<string, string[]>();
  protected readonly booleans = new Set<string>();
  protected outSeed = "";
  /** Program order of blocks and of the last write to each array, for `unchangedFrom`. */
  protected readonly position = new Map<Block, number>();
  protected readonly lastStore = new Map<string, number>();
  /** Program order of every write to each array (by its name and its root), and where each block ends. */
  protected readonly storesAt = new Map<string, number[]>();
  /** Each store by its position, with the block it is in. */
  protected readonly storeAt = new Map<number, { store: Store; block: Block }>();
  protected readonly blockEnd = new Map<Block, number>();
  /**
   * Values of a loop's body that are fixed within the loop (tape.ts), handed to the block around
   * the loop: taped there once per iteration (pushed as the expression that computes them).
   */
  protected readonly lifted = new Map<Block, Map<string, Node>>();
  protected counter = 0;
  protected readonly nodeOf = new Map<string, Node>();
  protected readonly carriedOf = new Map<string, Loop>();
  /** Names used directly as array indices. */
  protected readonly indices = new Set<string>();
  /**
   * Names used as an index by a read or store outside every branch arm of their block: the read
   * runs whenever the block does, so (indices being in bounds) the name holds an integer there.
   */
  protected readonly steadyIndices = new Set<string>();
  /** `addArray`s of a gate's fresh result, which may become the adjoint itself (adopt.ts). */
  protected readonly adoptable: Adoptable = new Map();
  /** Arrays whose adjoint is the array their one array gate's backward returns (direct.ts). */
  protected direct = new Set<string>();
  /** Rows of arrays of arrays (src/aliases.ts): each array's root, and a row's matrix and index. */
  protected readonly roots: ReadonlyMap<string, string>;
  /** A row's adjoint is the row of its matrix's adjoint (`grad_r = grad_A[i]`): no copy, no sum. */
  protected readonly rowOf = new Map<string, { matrix: string; index: Node["args"][number] }>();
  /** Arrays written at their own length (push): their length is read, never recomputed. */
  protected readonly grown: ReadonlySet<string>;

  constructor(
    protected readonly graph: Graph,
    protected readonly wrt: ReadonlySet<string>,
    protected readonly callees: ReadonlyMap<string, Callee>,
    protected readonly mode: Mode,
    protected readonly tapeClass: string,
    moduleNames: Iterable<string>,
  ) {
    ({ active: this.active, live: this.live } = analyzeActivity(graph, wrt));
    this.roots = arrayRoots(graph);
    this.grown = grownArrays(graph);
    for (const [name, t] of graph.types) {
      if (isArray(t)) this.arrayKinds.set(name, t.storage);
      else if (t.kind === "boolean") this.booleans.add(name);
    }
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
    this.direct = directAdjoints(graph, callees, this.active, this.arrayKinds, this.definedIn);
    // A row's gradient goes into its matrix's adjoint, never into an array of its own.
    for (const name of this.rowOf.keys()) this.direct.delete(name);
    this.plan = emptyPlan(this.booleans, this.arrayKinds);
    this.plan.tape = this.names.claim("tape");
    this.plan.decisions = this.names.claim("decisions");
    this.plan.arrays = this.names.claim("arrays");
    // A vector-valued function's upstream gradient is the parameter `grad_out`.
    const result = graph.results[0];
    if (result?.kind === "var" && this.isArray(result.name)) this.outSeed = this.names.claim("grad_out");
    // Claim every gradient's name up front, in definition order, so `grad_x` is x's final one.
    for (const name of [...graph.params.map((p) => p.name), ...definitionsOf(graph.body)])
      if (this.active.has(name)) this.gradName.set(name, this.names.claim(`grad_${name}`));
    this.count(graph.body);
  }

  protected isArray(name: string): boolean {
    return this.arrayKinds.has(name);
  }

  /** Active scalars: the values whose gradients flow through `pending` and `terms`. */
  protected isScalar(name: string): boolean {
    return this.active.has(name) && !this.isArray(name);
  }

  protected index(block: Block): void {
    this.position.set(block, this.counter++);
    for (const s of block) {
      this.counter++;
      if (s.kind === "store") {
        this.storeAt.set(this.counter, { store: s, block });
        this.lastStore.set(s.array.name, this.counter);
        this.lastStore.set(rootOf(this.roots, s.array.name), this.counter);
        for (const name of new Set([s.array.name, rootOf(this.roots, s.array.name)]))
          this.storesAt.set(name, [...(this.storesAt.get(name) ?? []), this.counter]);
        if (s.value.kind === "var" && this.isArray(s.value.name))
          this.rowOf.set(s.value.name, { matrix: s.array.name, index: s.index });
      }
      if (s.kind === "node" && s.op === "row")
        this.rowOf.set(s.name, { matrix: (s.args[0] as VarRef).name, index: s.args[1]! });
      if (s.kind === "node") {
        this.nodeOf.set(s.name, s);
        this.positionOf.set(s, this.counter);
      }
      if (s.kind === "node" && s.op === "index" && s.args[1]!.kind === "var") this.indices.add(s.args[1]!.name);
      if (s.kind === "store" && s.index.kind === "var") this.indices.add(s.index.name);
      const used = s.kind === "node" && s.op === "index" ? s.args[1]! : s.kind === "store" ? s.index : undefined;
      if (used?.kind === "var" && !this.arms.has(block)) this.steadyIndices.add(used.name);
      if (s.kind === "loop") for (const c of s.carried) this.carriedOf.set(c.name, s);
      if (s.kind === "node") {
        this.names.reserve(s.name);
        this.definedIn.set(s.name, block);
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
        }
      } else if (s.kind === "loop") {
        for (const c of s.carried) {
          this.names.reserve(c.name);
          this.definedIn.set(c.name, block);
        }
        this.loopBodies.add(s.body);
        for (const inner of [s.head, s.body]) {
          this.parentOf.set(inner, block);
          this.loopBlocks.add(inner);
          this.index(inner);
        }
      }
    }
    this.blockEnd.set(block, this.counter);
  }

  /** The block that makes the memory of array `name` (a row's: its matrix's). */
  protected madeIn(name: string): Block | undefined {
    return this.definedIn.get(rootOf(this.roots, name));
  }

  protected inLoop(block: Block | undefined): boolean {
    for (let b = block; b; b = this.parentOf.get(b)) if (this.loopBlocks.has(b)) return true;
    return false;
  }

  protected inside(name: string, blocks: Block[]): boolean {
    for (let b = this.definedIn.get(name); b; b = this.parentOf.get(b)) if (blocks.includes(b)) return true;
    return false;
  }

  protected loopParent(loop: Loop): Block {
    return this.parentOf.get(loop.body)!;
  }

  /** A zero array the size and kind of `name` (for an array of arrays, of the same shape). */
  protected zeros(name: string): Expr {
    const rows = rowsOf(this.graph.types.get(name));
    if (rows) return op(rows === "Float64Array" ? "float64ZerosLike" : "zerosLike", v(name));
    return op(this.arrayKinds.get(name) === "Float64Array" ? "newFloat64Array" : "zeros", this.size(name));
  }

  /** The length of array `name`, from how it was made. */
  protected size(name: string): Expr {
    if (this.graph.params.some((p) => p.name === name) || this.grown.has(name)) return op("length", v(name));
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
    // An allocation's size is its argument; anything else (a row, 'A[i]') has its own length.
    if (node.op === "newFloat64Array" || node.op === "zeros") return node.args[0]!;
    return op("length", v(name));
  }

  /** Adds a contribution to scalar `name`: to its own list if defined in `block`, else to the block's outflow. */
  protected add(name: string, term: Expr, block: Block, outflow: Map<string, Expr[]>): void {
    if (isConst(term, 0) || !this.isScalar(name)) return;
    const target = this.definedIn.get(name) === block ? this.terms : outflow;
    const list = target.get(name);
    if (list) list.push(term);
    else target.set(name, [term]);
  }

  /** One consumer of `name` in `block` is done; write its gradient if it was the last. */
  protected consume(name: string, block: Block, out: CodeStatement[]): void {
    if (!this.isScalar(name) || this.definedIn.get(name) !== block) return;
    const left = this.pending.get(name)! - 1;
    this.pending.set(name, left);
    if (left === 0) this.finish(name, out);
  }

  protected finish(name: string, out: CodeStatement[]): void {
    const terms = this.terms.get(name) ?? [];
    // A value chosen by a merge, with no other use, has the merge's gradient: no copy.
    if (terms.length === 1 && terms[0]!.kind === "var" && this.chosen.has(name)) {
      this.gradient.set(name, terms[0]!);
      return;
    }
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

  // ---- implemented by the parts of the sweep, in the files beside this one
  protected abstract count(block: Block, seeds?: string[]): void;
  protected abstract mergeSeeds(s: BranchStatement, side: "then" | "else"): string[];
  protected abstract carriedSeeds(loop: Loop): string[];
  protected abstract free(s: BranchStatement | Loop): string[];
  protected abstract withTape(
    block: Block,
    code: CodeStatement[],
    keep: Iterable<string>,
    loop?: Loop,
    iteration?: Expr,
    counterPhi?: string,
  ): CodeStatement[];
  protected abstract inductionStep(c: Loop["carried"][number], loop: Loop): number | undefined;
  protected abstract isInteger(a: Node["args"][number], seen?: Set<string>): boolean;
  protected abstract unchangedFrom(n: Node): boolean;
  protected abstract lastWrite(array: string): number;
  protected abstract node(n: Node, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void;
  protected abstract arrayGateCall(
    n: Node,
    gate: ArrayGateCallee,
    block: Block,
    out: CodeStatement[],
    outflow: Map<string, Expr[]>,
  ): void;
  protected abstract writtenAfter(array: string, n: Node, block: Block): boolean;
  protected abstract snapshot(array: string, n: Node, block: Block): VarRef;
  protected abstract store(
    s: Statement & { kind: "store" },
    block: Block,
    out: CodeStatement[],
    outflow: Map<string, Expr[]>,
  ): void;
  protected abstract contributions(n: Node, grad: Expr, block: Block, out: CodeStatement[]): (Expr | undefined)[];
  protected abstract branch(s: BranchStatement, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void;
  protected abstract loop(loop: Loop, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void;
  protected abstract run(): Differentiated;
  protected abstract reverse(block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void;
  protected abstract allocate(block: Block, out: CodeStatement[], root: boolean, seeded?: string, seed?: string): void;
}

/** Pure, cheap operations the reversed loop recomputes rather than popping from the tape. */
export const CHEAP = new Set(["add", "sub", "mul", "neg", "length"]);

/** The names a block itself defines (not its arms' or loops' insides), in order. */
export function definitionsOfBlock(block: Block): string[] {
  return block.flatMap(definedBy);
}
