/**
 * Elements of a work array recomputed from the store that wrote them instead of taped: GMM's
 * `xcentered[id] = x[ix * d + id] - means[ik * d + id]`, written for every element at the start of
 * each iteration and then read as `xcentered[i]` in loops over its length, is read back in the
 * reversed iteration as `x[t16 + i] - means[t19 + i]` (the store's value with its counter replaced
 * by the read's index): no pushes, no pops, no copy.
 */
import type { Atom, Carried, Expr, Loop, Node } from "../../ir.js";
import { op, v } from "../../rules/expr.js";
import { SweepLifted } from "./lifted.js";

/** The operations a recomputed store value may be made of. */
const RECOMPUTED = new Set(["add", "sub", "mul", "neg", "index"]);

export abstract class SweepStored extends SweepLifted {
  protected abstract inductionStep(c: Carried, loop: Loop): number | undefined;
  protected abstract unchangedFrom(n: Node): boolean;

  /**
   * The read `n` (`a[i]`) as the value the store that wrote `a[i]` computed, or undefined. `a` is a
   * Float64Array the function makes outside every loop, of length `len`, which no other name
   * reaches; the last store to `a` before the read, `a[k] = value`, is in the body of a loop
   * `for (k = 0; k < len; k++)` with no other exit and no other write to `a`, so that loop writes
   * every element last; that loop and the read are in one block B (the read after the loop, nested
   * or not), and nothing writes `a` after that loop in B (a write after the read, in a loop around
   * it, would come before a later read). The read's index is the counter of a loop `for (i = 0; i < len; i++)` around the
   * read, so it is one of those elements. `value` is `+ - *`, negation and reads of arrays nothing
   * writes from the outermost loop around on, of the counter `k` and values from outside the
   * store's loop: with `k` replaced by `i` it is the element, computed again.
   */
  protected storedElement(n: Node): Expr | undefined {
    const [a, index] = n.args as [Atom, Atom];
    if (n.op !== "index" || a.kind !== "var" || index.kind !== "var") return undefined;
    const array = a.name;
    const length = this.workArrayLength(array);
    if (length === undefined) return undefined;
    const at = this.positionOf.get(n)!;
    const before = (this.storesAt.get(array) ?? []).filter((p) => p < at);
    if (before.length === 0) return undefined;
    const last = Math.max(...before);
    const { store, block } = this.storeAt.get(last)!;
    // The store's loop, whose body the store is directly in, counting k from 0 up to the length.
    const loop = this.carriedOf.get(store.index.kind === "var" ? store.index.name : "");
    if (!loop || loop.body !== block || !this.countsOver(loop, (store.index as { name: string }).name, length))
      return undefined;
    // That store is the loop's only write to `a`: another (`a[0] = 7` before it, in a later
    // iteration) would leave an element the store did not write last.
    const [from, to] = [this.position.get(loop.head)!, this.blockEnd.get(loop.body)!];
    if (this.storesAt.get(array)!.some((p) => p !== last && p >= from && p <= to)) return undefined;
    // The read comes after that loop, within the block around it, and nothing writes `a` after it.
    const around = this.loopParent(loop);
    if (at <= this.blockEnd.get(loop.body)! || at > this.blockEnd.get(around)!) return undefined;
    if (this.writtenBetween(array, this.blockEnd.get(loop.body)! + 1, this.blockEnd.get(around)!)) return undefined;
    // The read's index counts over the same elements, in a loop around the read.
    const readLoop = this.carriedOf.get(index.name);
    if (!readLoop || !this.countsOver(readLoop, index.name, length)) return undefined;
    if (!this.inside(n.name, [readLoop.body])) return undefined;
    const counter = (store.index as { name: string }).name;
    const build = (x: Atom): Expr | undefined => {
      if (x.kind === "const") return x;
      if (x.name === counter) return v(index.name);
      if (!this.inside(x.name, [loop.head, loop.body])) return this.carriedOf.get(x.name) === loop ? undefined : x;
      const m = this.nodeOf.get(x.name);
      if (!m || m.callee !== undefined || !RECOMPUTED.has(m.op) || this.definedIn.get(m.name) !== loop.body)
        return undefined;
      if (m.op === "index" && (m.args[0]!.kind !== "var" || this.isArray(m.name) || !this.unchangedFrom(m)))
        return undefined;
      const args = m.args.map((y, i) => (m.op === "index" && i === 0 ? y : build(y)));
      return args.every((y) => y !== undefined) ? op(m.op, ...(args as Expr[])) : undefined;
    };
    return build(store.value);
  }

  /**
   * Whether `loop` is `for (phi = 0; phi < len; phi++)` and nothing else: its head only compares
   * the counter `phi` with `len`, the same name or number the array was made with.
   */
  private countsOver(loop: Loop, phi: string, len: Atom): boolean {
    const carried = loop.carried.find((x) => x.name === phi);
    if (!carried || carried.init.kind !== "const" || carried.init.value !== 0) return false;
    if (this.inductionStep(carried, loop) !== 1) return false;
    if (loop.head.length !== 1) return false;
    const cond = loop.head[0]!;
    if (cond.kind !== "node" || cond.name !== loop.cond.name || cond.op !== "lt") return false;
    const [i, bound] = cond.args as [Atom, Atom];
    if (i.kind !== "var" || i.name !== phi) return false;
    if (bound.kind === "const") return len.kind === "const" && bound.value === len.value;
    return len.kind === "var" && bound.name === len.name;
  }
}
