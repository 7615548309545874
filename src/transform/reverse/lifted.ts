/**
 * Values fixed within an inner loop (`xc[i]` in `for (j) out[j] += l[li] * xc[i]`), which the block
 * around the loop tapes once per iteration of its own (tape.ts's `lifted`): which values qualify,
 * and the expression the forward pass pushes for them at the end of that block.
 */
import type { Atom, Expr, Loop, Node, VarRef } from "../../ir.js";
import { c, op, select } from "../../rules/expr.js";
import { nodeExpr } from "../forward.js";
import { constantValue } from "../../rules/evaluate.js";
import { rules } from "../../rules/table.js";
import { rootOf } from "../../aliases.js";
import { SweepElements } from "./elements.js";

/**
 * Operations whose partials are finite wherever their operands are: a value fixed within an inner
 * loop made by one of these may be computed even when that loop does not run. Not an element read:
 * where the loop does not run its index may be past the end (`a[i + 1]` at the last i), the read
 * gives undefined, and f_grad differentiated again adds into that element of the array's adjoint
 * (a number[] grows by a NaN: fixtures/tape/lifted-past-end).
 */
const FINITE_PARTIALS = new Set(["add", "sub", "mul", "neg"]);

export abstract class SweepLifted extends SweepElements {
  /** Lifted values pushed only when their loop runs (`<entry condition> ? expr : 0`). */
  private readonly guarded = new Set<string>();

  /**
   * Whether node `n` of `loop`'s body has one value in every iteration of the loop, so that the
   * block around the loop can tape it once per iteration of its own (when that block is itself
   * inside a loop; outside loops nothing is taped there). Its operands come from outside the loop
   * (not the loop's phis), it is a pure operation on numbers (no call, no condition, no array),
   * and a read `a[i]` needs no write to `a` from the start of the loop to the end of the block
   * around it, where the forward pass pushes it by its expression.
   */
  protected fixedWithin(n: Node, loop: Loop): boolean {
    const around = this.loopParent(loop);
    // The block around plans a tape only if it is a loop body or an arm (not a loop's head).
    if (!(this.loopBodies.has(around) || this.arms.has(around))) return false;
    if (!this.inLoop(around) || n.op === "call" || this.isArray(n.name) || this.booleans.has(n.name)) return false;
    const rule = rules[n.op];
    if (!rule || (n.op !== "index" && (rule.derivative.kind === "memory" || rule.boolean || rule.array))) return false;
    const outside = n.args.every(
      (a) =>
        a.kind === "const" || (!this.inside(a.name, [loop.head, loop.body]) && this.carriedOf.get(a.name) !== loop),
    );
    if (!outside) return false;
    if (n.op !== "index") return true;
    const array = (n.args[0] as VarRef).name;
    return !this.writtenBetween(array, this.position.get(loop.head)!, this.blockEnd.get(around)!);
  }

  /**
   * Whether `loop` runs at least once, from the values it starts with: its head with each phi read
   * as its initial value (`0 < m` for `for (let k = 0; k < m; k++)`), `true` when that is a
   * constant that holds, undefined when the head reads something else of the loop or an array
   * element. The expression is evaluated at the end of the block around the loop.
   */
  protected entryCondition(loop: Loop): Expr | true | undefined {
    if (loop.head.some((s) => s.kind !== "node")) return undefined;
    const head = new Map(loop.head.flatMap((s) => (s.kind === "node" ? [[s.name, s] as const] : [])));
    const init = new Map(loop.carried.map((x) => [x.name, x.init] as const));
    const inLoop = (name: string) => this.inside(name, [loop.head, loop.body]);
    const build = (a: Atom): Expr | undefined => {
      if (a.kind === "const") return a;
      const start = init.get(a.name);
      if (start) return start.kind === "var" && (inLoop(start.name) || init.has(start.name)) ? undefined : start;
      const n = head.get(a.name);
      if (!n) return inLoop(a.name) ? undefined : a;
      if (n.callee !== undefined || !rules[n.op]) return undefined;
      // Read again at the end of the block around, after the loop: no element (the loop may have
      // written it), and no length but that of an array that never grows and is no row (a row's
      // length may grow through another name of the row).
      const array = n.args[0]?.kind === "var" ? n.args[0].name : undefined;
      const fixedLength =
        n.op === "length" && array !== undefined && !this.grown.has(array) && rootOf(this.roots, array) === array;
      if (rules[n.op]!.derivative.kind === "memory" && !fixedLength) return undefined;
      const args = n.args.map(build);
      return args.every((x) => x !== undefined) ? op(n.op, ...(args as Expr[])) : undefined;
    };
    const cond = build(loop.cond);
    if (!cond) return undefined;
    const value = constantValue(cond);
    if (value === undefined) return cond;
    return value !== 0 ? true : undefined;
  }

  /**
   * Whether `n`, fixed within `loop`, can be pushed once per iteration of the block around it. A
   * value lifted into `loop`'s body from an inner loop that may not run, and so pushed there under
   * that loop's entry condition, stays there: the condition reads values of `loop`'s iteration
   * (`0 < m_1`, m_1 carried by `loop`), and `loop`'s own entry condition (`0 < 2`) does not imply it.
   */
  protected liftable(n: Node, loop: Loop): boolean {
    if (this.guarded.has(n.name)) return false;
    return this.fixedWithin(n, loop) && (FINITE_PARTIALS.has(n.op) || this.entryCondition(loop) !== undefined);
  }

  /**
   * What the block around `loop` pushes for `n`. The push runs whether or not the loop did: an
   * operation whose partials may be infinite or NaN (Math.sqrt(x) at x < 0) is computed only when
   * it does, or f_grad differentiated again meets 0 · NaN where the loop runs zero times
   * (fixtures/tape/grad-hoist, `skipped`).
   */
  protected liftedPush(n: Node, loop: Loop): Expr {
    const entry = this.entryCondition(loop);
    if (FINITE_PARTIALS.has(n.op) || entry === true) return nodeExpr(n);
    this.guarded.add(n.name);
    return select(entry!, nodeExpr(n), c(0));
  }
}
