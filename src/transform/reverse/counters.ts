/**
 * Loop counters in the reversed sweep: which counter a reversed loop counts down (`reversedCounter`),
 * what a loop adds to a counter carried through it (`carriedDelta`, `innerAdds`), and whether a
 * value is surely an integer, so that counting it again is exact. The tape plan (tape.ts) recomputes
 * such counters instead of taping them.
 */
import type { Atom, Carried, Expr, Loop, Node, VarRef } from "../../ir.js";
import { add, c, isConst, mul, op, sub } from "../../rules/expr.js";
import { nodeExpr } from "../forward.js";
import { SweepStored } from "./stored.js";

export abstract class SweepCounters extends SweepStored {
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

  /** Whether `n` reads the length of an array that grows (push), which changes as it runs. */
  protected grownLength(n: Node): boolean {
    return n.op === "length" && n.args[0]!.kind === "var" && this.grown.has(n.args[0]!.name);
  }
}
