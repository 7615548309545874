/**
 * The tape plan of a block inside a loop: which values its reversed iteration reads, which of them
 * are recomputed (loop counters, index arithmetic, reads of arrays nothing writes any more) and
 * which are pushed on the tape by the forward pass and popped by the backward one.
 */
import type { Atom, Carried, CodeStatement, Expr, Loop, Node, Store, VarRef } from "../../ir.js";
import { add, c, isConst, mul, op, sub, v } from "../../rules/expr.js";
import { nodeExpr } from "../forward.js";
import { collectReads, freeReads, liveStatements } from "../../code-live.js";
import { isCondition, rules } from "../../rules/table.js";
import { SweepStored } from "./stored.js";
import { rootOf } from "../../aliases.js";
import { rowsOf } from "../../ir-types.js";
import { type Block, CHEAP, definitionsOfBlock } from "./state.js";

/** The names an expression reads, as atoms. */
function readsOf(e: Expr): VarRef[] {
  const names = new Set<string>();
  collectReads([{ kind: "accumulate", name: "", expr: e }], names);
  return [...names].map((name) => ({ kind: "var", name }));
}

export abstract class SweepTape extends SweepStored {
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

  /**
   * How a loop is reversed as a `for` loop over its own counter (a carried integer stepped by 1 or
   * -1): from its last value back to its first. The last value is known from the condition when
   * that is `i < n` (`i <= n`, `i > n`, `i >= n`) for a bound from outside the loop, and nothing
   * else ends the loop: `n - 1`, or `Math.ceil(n) - 1` for a bound that may not be an integer;
   * otherwise it comes from the trip count (`last` undefined).
   */
  protected reversedCounter(loop: Loop): { carried: Carried; step: 1 | -1; last?: Expr } | undefined {
    const counter = loop.carried.find((x) => {
      const step = this.inductionStep(x, loop);
      return (step === 1 || step === -1) && this.isInteger(x.init);
    });
    if (!counter) return undefined;
    const step = this.inductionStep(counter, loop) as 1 | -1;
    const head = new Map(loop.head.flatMap((s) => (s.kind === "node" ? [[s.name, s] as const] : [])));
    const cond = head.get(loop.cond.name);
    if (!cond || loop.head.some((s) => s.kind !== "node") || cond.args.length !== 2) return { carried: counter, step };
    const [a, b] = cond.args as [Atom, Atom];
    const isPhi = (x: Atom) => x.kind === "var" && x.name === counter.name;
    // The comparison as `i op bound`.
    const flipped: Record<string, string> = { lt: "gt", gt: "lt", le: "ge", ge: "le" };
    const [op_, bound] = isPhi(a) ? [cond.op, b] : isPhi(b) ? [flipped[cond.op], a] : [undefined, a];
    if (op_ === undefined || !(op_ in flipped)) return { carried: counter, step };
    // The bound: from outside the loop, or the length of an array from outside it (for...of).
    let boundExpr: Expr | undefined;
    const inLoop = (x: Atom) => x.kind === "var" && this.inside(x.name, [loop.head, loop.body]);
    if (!inLoop(bound) && !loop.carried.some((x) => isPhi(bound) || (bound.kind === "var" && x.name === bound.name)))
      boundExpr = bound;
    else if (bound.kind === "var") {
      const n = head.get(bound.name);
      if (n?.op === "length" && !inLoop(n.args[0]!) && !this.grownLength(n)) boundExpr = nodeExpr(n);
    }
    if (!boundExpr) return { carried: counter, step };
    const integer =
      boundExpr.kind === "const" ? Number.isInteger(boundExpr.value) : boundExpr.kind === "op" || this.isInteger(bound);
    const ceil = (e: Expr) => (integer ? e : op("ceil", e));
    const floor = (e: Expr) => (integer ? e : op("floor", e));
    // Counting up, the last value below (or at) the bound; counting down, the last above (or at) it.
    const last =
      step === 1 && op_ === "lt"
        ? sub(ceil(boundExpr), c(1))
        : step === 1 && op_ === "le"
          ? floor(boundExpr)
          : step === -1 && op_ === "gt"
            ? add(floor(boundExpr), c(1))
            : step === -1 && op_ === "ge"
              ? ceil(boundExpr)
              : undefined;
    return last ? { carried: counter, step, last } : { carried: counter, step };
  }

  /**
   * What iteration of `loop` adds to a counter carried across loops (`li`, stepped in an inner
   * loop), as an expression of the iteration's own values, or undefined. The counter's value at
   * the end of the iteration is built from its value at the start by adding integer constants and
   * running inner loops (statements of the body) that step it by an integer constant: such a loop
   * adds its step times its trip count, known when the loop is reversed over a counter with a last
   * value. Subtracting the sum again gives the value at the start exactly when the counter holds
   * integers: it starts at an integer for sure, or every value a step is added to was first used
   * as an index by a read that runs (`steadyIndices`): the iteration's start value, or, when all
   * steps are inner loops, each inner loop's own counter (an inner loop that runs reads its start
   * value before stepping it; one that does not run adds nothing). A read in a branch arm proves
   * nothing: it may never run, and `1e-20 + 8 - 8` is 0.
   */
  protected carriedDelta(carried: Carried, loop: Loop): Expr | undefined {
    let constantSteps = false;
    const inners: string[] = [];
    const delta = (a: Atom, depth: number): Expr | undefined => {
      if (a.kind !== "var" || depth > 16) return undefined;
      if (a.name === carried.name) return c(0);
      const n = loop.body.find((s): s is Node => s.kind === "node" && s.name === a.name);
      if (n) {
        const [x, k] = n.args;
        if ((n.op !== "add" && n.op !== "sub") || k?.kind !== "const" || !Number.isInteger(k.value)) return undefined;
        constantSteps = true;
        const inner = delta(x!, depth + 1);
        return inner && add(inner, c(n.op === "add" ? k.value : -k.value));
      }
      const inner = loop.body.find((s): s is Loop => s.kind === "loop" && s.carried.some((x) => x.name === a.name));
      const x = inner?.carried.find((y) => y.name === a.name);
      const added = x && this.innerAdds(x, inner!);
      const before = added && delta(x!.init, depth + 1);
      inners.push(a.name);
      return before && add(before, added!);
    };
    const result = delta(carried.next, 0);
    const integers =
      this.isInteger(carried.init) ||
      this.steadyIndices.has(carried.name) ||
      (!constantSteps && inners.length > 0 && inners.every((name) => this.steadyIndices.has(name)));
    return result && integers ? result : undefined;
  }

  /** The value of the counter `x` of `loop` after the loop: its start plus what the loop adds (`innerAdds`). */
  protected innerExit(x: Carried, loop: Loop): Expr | undefined {
    const added = this.innerAdds(x, loop);
    return added && add(x.init, added);
  }

  /**
   * What `loop` adds to its counter `x` (stepped by an integer constant): the step times the trip
   * count, known when the loop is reversed over a counter with a last value; else undefined.
   */
  protected innerAdds(x: Carried, loop: Loop): Expr | undefined {
    const step = this.inductionStep(x, loop);
    const counter = this.reversedCounter(loop);
    if (step === undefined || !counter?.last) return undefined;
    const { init } = counter.carried;
    // Integers: (last + 1) - init counting up, init - (last - 1) counting down, exactly.
    const shift = (e: Expr, k: number) =>
      e.kind === "op" && e.op === "add" && isConst(e.args[1]!)
        ? add(e.args[0]!, c(e.args[1].value + k))
        : e.kind === "op" && e.op === "sub" && isConst(e.args[1]!)
          ? sub(e.args[0]!, c(e.args[1].value - k))
          : add(e, c(k));
    const span = counter.step === 1 ? sub(shift(counter.last, 1), init) : sub(init, shift(counter.last, -1));
    return mul(op("max", c(0), span), c(step));
  }

  /** The step of a loop counter `c = init, c + step, ...` with integer init and step, else undefined. */
  protected inductionStep(c: Loop["carried"][number], loop: Loop): number | undefined {
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
  protected isInteger(a: Node["args"][number], seen = new Set<string>()): boolean {
    if (a.kind === "const") return Number.isInteger(a.value);
    if (seen.has(a.name)) return false;
    seen.add(a.name);
    // The types say so (a counter carried across loops: `li = 0`, stepped in an inner loop, is
    // an integer in every iteration of the outer one).
    if (this.graph.types.get(a.name)?.kind === "integer") return true;
    const n = this.nodeOf.get(a.name);
    if (n?.op === "length") return true;
    if (n && (n.op === "add" || n.op === "sub" || n.op === "mul")) return n.args.every((x) => this.isInteger(x, seen));
    const loop = this.carriedOf.get(a.name);
    const c = loop?.carried.find((x) => x.name === a.name);
    return c !== undefined && this.inductionStep(c, loop!) !== undefined;
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

  /** Whether `n` reads the length of an array that grows (push), which changes as it runs. */
  protected grownLength(n: Node): boolean {
    return n.op === "length" && n.args[0]!.kind === "var" && this.grown.has(n.args[0]!.name);
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
