/**
 * The tape plan of a block inside a loop: which values its reversed iteration reads, which of them
 * are recomputed (loop counters, index arithmetic, reads of arrays nothing writes any more) and
 * which are pushed on the tape by the forward pass and popped by the backward one.
 */
import type { Atom, Carried, CodeStatement, Expr, Loop, Node, Store, VarRef } from "../../ir.js";
import { add, c, mul, op, sub, v } from "../../rules/expr.js";
import { nodeExpr } from "../forward.js";
import { collectReads, freeReads, liveStatements } from "../../code-live.js";
import { isCondition, rules } from "../../rules/table.js";
import { SweepCounters } from "./counters.js";
import { rootOf } from "../../aliases.js";
import { rowsOf } from "../../ir-types.js";
import { type Block, CHEAP, definitionsOfBlock } from "./state.js";

/** The names an expression reads, as atoms. */
function readsOf(e: Expr): VarRef[] {
  const names = new Set<string>();
  collectReads([{ kind: "accumulate", name: "", expr: e }], names);
  return [...names].map((name) => ({ kind: "var", name }));
}

export abstract class SweepTape extends SweepCounters {
  /** Per loop: its counters carried backwards (`carriedDelta`), each with the variable holding its value at the end of the reversed iteration. */
  protected readonly carriedBack = new Map<Loop, { phi: string; back: string }[]>();

  /**
   * The backward code of an arm or loop body: allocations and, inside loops, the values of this
   * block the code reads. Each is recomputed where that is cheap and exact (a loop counter from the
   * reversed counter, index arithmetic, a read of an array nothing writes any more); the rest are
   * popped from the tape, which the forward pass fills at the end of the block.
   */
  protected withTape(
    block: Block,
    code: CodeStatement[],
    keep: Iterable<string>,
    loop?: Loop,
    iteration?: Expr,
    counterPhi?: string,
  ): CodeStatement[] {
    const allocations: CodeStatement[] = [];
    this.allocate(block, allocations, false);
    // Recomputed values first: an allocation may read one (`new Array(t1)` for t1 = q.length).
    if (!this.inLoop(block)) return [...this.recomputeInArm(block, [...allocations, ...code]), ...allocations, ...code];
    const live = new Set<string>(keep);
    collectReads(code, live);
    const reads = freeReads([...allocations, ...liveStatements(code, live)]);
    // A loop body's own values include its phis: their values at the start of the iteration.
    // (The counter of a reversed `for` is that loop's own variable.)
    const phis = loop ? loop.carried.map((c) => c.name).filter((name) => name !== counterPhi) : [];
    // Values of inner loops fixed within them (below) are this block's too: taped once per iteration here.
    const lifted = this.lifted.get(block) ?? new Map<string, Node>();
    const own = [
      ...phis,
      ...definitionsOfBlock(block),
      ...(this.snapshotsIn.get(block) ?? []),
      ...[...this.plan.trips].filter(([l]) => this.loopParent(l) === block).map(([, t]) => t),
      ...lifted.keys(),
    ];
    const ownSet = new Set(own);
    const backwards: { phi: string; back: string }[] = [];
    const nodes = new Map([...block.flatMap((s) => (s.kind === "node" ? [[s.name, s] as const] : [])), ...lifted]);
    // What is fixed within this loop and not recomputed: handed to the block around the loop.
    const liftedOut = new Set<string>();

    // What can be recomputed: memoised, so each name is decided once.
    const recompute = new Map<string, Expr | null>();
    const available = (a: Atom): boolean =>
      a.kind === "const" || !ownSet.has(a.name) || recomputed(a.name) !== null || liftedOut.has(a.name);
    const recomputed = (name: string): Expr | null => {
      if (recompute.has(name)) return recompute.get(name)!;
      recompute.set(name, null); // a cycle recomputes nothing
      let expr: Expr | null = null;
      const carried = loop?.carried.find((c) => c.name === name);
      const step = carried && iteration ? this.inductionStep(carried, loop!) : undefined;
      const delta = carried && step === undefined ? this.carriedDelta(carried, loop!) : undefined;
      // The value of an inner loop's counter after it: its start plus its step times the trip count.
      const inner = block.find((s): s is Loop => s.kind === "loop" && s.carried.some((x) => x.name === name));
      const setRow = block.find(
        (s): s is Store => s.kind === "store" && s.value.kind === "var" && s.value.name === name && this.isArray(name),
      );
      const exit =
        inner &&
        this.innerExit(
          inner.carried.find((x) => x.name === name)!,
          inner,
        );
      if (step !== undefined) {
        // The value at the start of forward iteration number `iteration` (from 0): init + iteration * step.
        expr = add(carried!.init, mul(iteration!, c(step)));
      } else if (delta && readsOf(delta).every(available)) {
        // Carried backwards: its value at the end of the iteration minus what the iteration added.
        const back = this.names.claim(`${name}_end`);
        backwards.push({ phi: name, back });
        expr = sub(v(back), delta);
      } else if (exit && readsOf(exit).every(available)) {
        expr = exit;
      } else if (setRow && available(setRow.array) && available(setRow.index)) {
        // A new array this block sets as a row of a matrix (`M[i] = r`, each row set once, never
        // replaced): that row of the matrix, not a reference on the tape of arrays.
        expr = op("row", setRow.array, setRow.index);
      } else {
        const n = nodes.get(name);
        // A row is the same array whenever it is read again (rows are never replaced); the
        // length of an array that grows is not.
        const read = n?.op === "index" && available(n.args[1]!);
        const stored = read ? this.storedElement(n) : undefined;
        if (n && (CHEAP.has(n.op) || n.op === "row") && !this.grownLength(n) && n.args.every(available))
          expr = nodeExpr(n);
        else if (n && read && this.unchangedFrom(n)) expr = nodeExpr(n);
        else if (stored && readsOf(stored).every(available)) expr = stored;
        else if (n && read && this.elementRead(n)) expr = this.elementRead(n)!;
        // A row of a matrix the reversed iteration has, at an index it pops: the index (a number)
        // is taped rather than the row (a reference, which f_grad read back could not follow).
        else if (n?.op === "row" && available(n.args[0]!)) expr = nodeExpr(n);
        else if (n && loop && this.liftable(n, loop)) liftedOut.add(name);
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
      if (!e) {
        if (liftedOut.has(name)) {
          const around = this.loopParent(loop!);
          const n = nodes.get(name)!;
          this.lifted.set(around, (this.lifted.get(around) ?? new Map<string, Node>()).set(name, n));
          this.plan.pushedAs.set(name, this.liftedPush(n, loop!));
        }
        return;
      }
      const args = new Set<string>();
      collectReads([{ kind: "accumulate", name: "", expr: e }], args);
      args.forEach(need);
    };
    for (const name of own) if (reads.has(name)) need(name);
    // `+ - *` of values the reversed iteration has anyway (popped or recomputed) is computed
    // again rather than taped: `t = a * b` with `a` popped costs no push. So is a row of a matrix
    // taped (rebuilt, below) at an index it has.
    for (const name of own) {
      const n = nodes.get(name);
      const cheap = n && (CHEAP.has(n.op) || n.op === "row");
      if (!needed.has(name) || recompute.get(name) || liftedOut.has(name) || !cheap) continue;
      if (this.grownLength(n) || lifted.has(name)) continue;
      const has = (a: Atom) =>
        a.kind === "const" || !ownSet.has(a.name) || (needed.has(a.name) && !liftedOut.has(a.name));
      if (n.args.every(has)) recompute.set(name, nodeExpr(n));
    }
    const taped = own.filter((name) => needed.has(name) && !recompute.get(name) && !liftedOut.has(name));
    // In the order their reads need (a counter carried backwards reads the bounds of an inner loop).
    const recomputes: CodeStatement[] = [];
    const emitted = new Set<string>();
    const emit = (name: string) => {
      const expr = recompute.get(name);
      if (!expr || !needed.has(name) || emitted.has(name)) return;
      emitted.add(name);
      const args = new Set<string>();
      collectReads([{ kind: "accumulate", name: "", expr }], args);
      args.forEach(emit);
      recomputes.push({ kind: "const", name, expr });
      this.countCopyRead(expr);
    };
    own.forEach(emit);
    const carriedBack = backwards.filter((b) => emitted.has(b.phi));
    if (loop && carriedBack.length > 0) this.carriedBack.set(loop, carriedBack);
    for (const { phi, back } of carriedBack) recomputes.push({ kind: "set", name: back, expr: v(phi) });
    if (taped.length > 0) this.plan.pushes.set(block, taped);
    const matrices = taped.filter((name) => this.arrayKinds.has(name) && rowsOf(this.graph.types.get(name)));
    const pops = [...taped].reverse().flatMap((name): CodeStatement[] => {
      const array = this.arrayKinds.get(name);
      if (array) {
        this.usesArrays = true;
        if (matrices.includes(name)) return [];
        if (this.rowOf.has(name)) this.plan.rowCopies.add(name);
        return [{ kind: "pop", tape: this.plan.arrays, name, cast: array }];
      }
      const decision = this.booleans.has(name);
      if (decision) this.usesDecisions = true;
      else this.usesTape = true;
      return [{ kind: "pop", tape: decision ? this.plan.decisions : this.plan.tape, name }];
    });
    const rebuilt = [...matrices].reverse().flatMap((name) => this.rebuiltMatrix(name));
    return [...this.elementPops(block), ...pops, ...rebuilt, ...recomputes, ...allocations, ...code];
  }

  /**
   * A matrix made in a loop body and taped, as the reversed iteration rebuilds it: a new array of
   * its row count (popped) whose rows are copies of the rows popped from the tape of arrays. The
   * forward pass pushes the count and a copy of each row, the last first (forward.ts): copies,
   * since a tape of arrays, read back as adgen input, holds arrays of numbers, each a new one
   * (src/parser/lower/stacks.ts); copied again as they are popped, since a row of the tape cannot
   * be a row of the matrix too. The copies are of the rows as they are at the end of the iteration,
   * as the reversed iteration sees them.
   */
  private rebuiltMatrix(name: string): CodeStatement[] {
    const rows = rowsOf(this.graph.types.get(name))!;
    const count = this.names.claim(`${name}_rows`);
    const counter = this.names.claim("k");
    const row = this.names.claim(`${name}_row`);
    this.plan.matrices.set(name, { counter });
    this.usesTape = true;
    return [
      { kind: "pop", tape: this.plan.tape, name: count },
      { kind: "const", name, expr: op(rows === "Float64Array" ? "float64Rows" : "rows", v(count)) },
      {
        kind: "for",
        counter,
        init: c(0),
        cond: op("lt", v(counter), v(count)),
        step: 1,
        body: [
          { kind: "pop", tape: this.plan.arrays, name: row, cast: rows },
          { kind: "store", array: name, index: v(counter), expr: op("slice", v(row)) },
        ],
      },
    ];
  }

  /**
   * The values of an arm (outside loops) that its backward code reads and that are exact and
   * cheap to compute again from what is in scope there: conditions and `+ - *`. Recomputed, they
   * need no variable declared before the branch (the rest are hoisted, see sweep.ts).
   */
  protected recomputeInArm(block: Block, code: CodeStatement[]): CodeStatement[] {
    const nodes = new Map(block.flatMap((s) => (s.kind === "node" ? [[s.name, s] as const] : [])));
    const cheap = (n: Node) =>
      n.op !== "call" && (CHEAP.has(n.op) || n.op === "row" || isCondition(n.op)) && !this.grownLength(n);
    const wanted = new Set<string>();
    const want = (name: string) => {
      const n = nodes.get(name);
      if (!n || !cheap(n) || wanted.has(name)) return;
      wanted.add(name);
      for (const a of n.args) if (a.kind === "var") want(a.name);
    };
    freeReads(code).forEach(want);
    return block.flatMap((s): CodeStatement[] =>
      s.kind === "node" && wanted.has(s.name) ? [{ kind: "const", name: s.name, expr: nodeExpr(s) }] : [],
    );
  }

  /** Whether the read `n` (`a[i]`) can be done again: nothing writes `a` from the start of the outermost loop around it on. */
  protected unchangedFrom(n: Node): boolean {
    const array = (n.args[0] as VarRef).name;
    // An array made inside a loop does not exist in the reversed iteration (unless taped: a
    // reference per iteration keeps the whole array alive, more than the values read from it).
    if (this.inLoop(this.madeIn(array))) return false;
    let outermost: Block | undefined;
    for (let b = this.definedIn.get(n.name); b; b = this.parentOf.get(b)) if (this.loopBlocks.has(b)) outermost = b;
    const start = outermost ? this.position.get(outermost)! : 0;
    return this.lastWrite(array) < start;
  }

  /** The position of the last write to `array`, directly, through a row, or through a merge that chose it; -1 if none. */
  protected lastWrite(array: string): number {
    return Math.max(
      this.lastStore.get(array) ?? -1,
      this.lastStore.get(rootOf(this.roots, array)) ?? -1,
      ...(this.mergedInto.get(array) ?? []).map((m) => this.lastWrite(m)),
    );
  }
}
