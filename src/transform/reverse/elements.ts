/**
 * Arrays re-read from a copy of their elements taped once per iteration of a loop, instead of
 * taping every element read. A work array (`xc`, written at the start of each iteration of a loop
 * and then only read, element by element, in loops inside it) holds at the end of the iteration
 * what each of those reads saw; the forward pass pushes its elements there, the reversed
 * iteration pops them into a copy (allocated once) and its reads read the copy.
 */
import type { Atom, CodeStatement, Expr, Loop, Node, Statement } from "../../ir.js";
import { c, op, sub, v } from "../../rules/expr.js";
import { rootOf } from "../../aliases.js";
import { SweepCounting } from "./counting.js";
import { type Block } from "./state.js";

/** An array whose elements a loop body pushes at its end, the copy the reversed body reads, and the counters. */
export interface ElementCopy {
  array: string;
  copy: string;
  counter: string;
  popped: string;
}

export abstract class SweepElements extends SweepCounting {
  /** Per loop body: the arrays whose elements it pushes at its end. */
  protected readonly elementCopies = new Map<Block, ElementCopy[]>();
  /** The copies, allocated at the start of the backward pass. */
  protected readonly copyAllocations: CodeStatement[] = [];
  /** Per copy: the reads the backward code makes from it (sites, not executions). */
  protected readonly copyReads = new Map<string, number>();
  /** When set, the only copies allowed: per loop body, its arrays (`copiesWorthKeeping` of an earlier sweep). */
  allowedCopies?: ReadonlyMap<Block, ReadonlySet<string>>;

  /**
   * The copies worth making, or undefined when all of them are. A copy pushes the array's
   * elements once per iteration of its loop body; each read it replaces would have pushed about
   * as many (it is in a loop over the array's length, moving the index). So a copy saves tape
   * only when at least two reads of the backward code use it; with one, it pushes as much and
   * adds its loops.
   */
  copiesWorthKeeping(): Map<Block, Set<string>> | undefined {
    const keep = new Map<Block, Set<string>>();
    let dropped = false;
    for (const [block, copies] of this.elementCopies)
      for (const { array, copy } of copies) {
        if ((this.copyReads.get(copy) ?? 0) >= 2) keep.set(block, (keep.get(block) ?? new Set()).add(array));
        else dropped = true;
      }
    return dropped ? keep : undefined;
  }

  /** Counts a read of the backward code from a copy (`expr` as `elementRead` made it). */
  protected countCopyRead(expr: Expr): void {
    const a = expr.kind === "op" && expr.op === "index" ? expr.args[0] : undefined;
    if (a?.kind === "var" && this.copyReads.has(a.name)) this.copyReads.set(a.name, this.copyReads.get(a.name)! + 1);
  }

  /**
   * The length `array` was made with, when it is a work array: a `new Float64Array(length)` of the
   * function's top level, never grown, under no other name and merged into nothing, so that its
   * elements change only through stores to it.
   */
  protected workArrayLength(array: string): Atom | undefined {
    const made = this.nodeOf.get(array);
    if (made?.op !== "newFloat64Array" || this.definedIn.get(array) !== this.graph.body) return undefined;
    if (this.grown.has(array) || rootOf(this.roots, array) !== array || (this.mergedInto.get(array) ?? []).length > 0)
      return undefined;
    return made.args[0]!;
  }

  /**
   * The read `n` (`a[i]`) as a read of a copy taped once per iteration of an enclosing loop body
   * B, or undefined. `a` is a Float64Array the function makes outside every loop (one object,
   * one length, which no other name reaches but through the merges and rows `writtenBetween`
   * follows; it is not a parameter, which a caller may alias), and from the start of the
   * outermost statement of B containing the read to the end of B nothing writes `a`, so that at
   * the end of B's iteration `a` holds what the read saw. B is the outermost such loop body, and
   * a loop between B and the read runs over `a`'s length (its bound is the length `a` was made
   * with) and moves the read's index: otherwise the read happens about once per iteration of B
   * (or is fixed within the loop, tape.ts), and taping the value is cheaper.
   */
  protected elementRead(n: Node): Expr | undefined {
    const a = n.args[0]!;
    if (n.op !== "index" || a.kind !== "var") return undefined;
    const array = a.name;
    const length = this.workArrayLength(array);
    if (length === undefined) return undefined;
    let chosen: Block | undefined;
    let start = this.positionOf.get(n)!;
    let overLength = false;
    for (let b = this.definedIn.get(n.name); b && this.inLoop(b);) {
      if (this.loopBodies.has(b) && overLength) {
        if (this.writtenBetween(array, start, this.blockEnd.get(b)!)) break;
        chosen = b;
      }
      const parent = this.parentOf.get(b);
      const around = parent?.find((s) => contains(s, b!));
      if (!parent || !around) break;
      if (around.kind === "loop") {
        start = this.position.get(around.head)!;
        if (around.body === b && this.runsOver(around, length, array) && this.varies(n.args[1]!, around))
          overLength = true;
      } else if (around.kind === "branch") start = this.position.get(around.then)!;
      b = parent;
    }
    if (!chosen || (this.allowedCopies && !this.allowedCopies.get(chosen)?.has(array))) return undefined;
    const copies = this.elementCopies.get(chosen) ?? [];
    let entry = copies.find((x) => x.array === array);
    if (!entry) {
      entry = {
        array,
        copy: this.names.claim(`${array}_saved`),
        counter: this.names.claim("k"),
        popped: this.names.claim(`${array}_k`),
      };
      copies.push(entry);
      this.copyReads.set(entry.copy, 0);
      this.elementCopies.set(chosen, copies);
      this.copyAllocations.push({
        kind: "const",
        name: entry.copy,
        expr: op("newFloat64Array", op("length", v(array))),
      });
    }
    this.usesTape = true;
    return op("index", v(entry.copy), n.args[1]!);
  }

  /** Whether some write to `array` (directly, through a row, or through a merge that chose it) is at a position in [from, to]. */
  protected writtenBetween(array: string, from: number, to: number): boolean {
    const hit = (name: string) => (this.storesAt.get(name) ?? []).some((p) => p >= from && p <= to);
    return (
      hit(array) ||
      hit(rootOf(this.roots, array)) ||
      (this.mergedInto.get(array) ?? []).some((m) => this.writtenBetween(m, from, to))
    );
  }

  /** Whether `index` changes from one iteration of `loop` to the next (it is computed in the loop). */
  private varies(index: Atom, loop: Loop): boolean {
    return (
      index.kind === "var" &&
      (this.inside(index.name, [loop.head, loop.body]) || this.carriedOf.get(index.name) === loop)
    );
  }

  /** Whether `loop`'s condition compares with `length` (the length `array` was made with) or with `array.length`. */
  private runsOver(loop: Loop, length: Atom, array: string): boolean {
    const cond = loop.head.find((s): s is Node => s.kind === "node" && s.name === loop.cond.name);
    if (!cond || !["lt", "le", "gt", "ge"].includes(cond.op)) return false;
    const lengthOf = (name: string) => {
      const read = this.nodeOf.get(name);
      return read?.op === "length" && read.args[0]!.kind === "var" && read.args[0]!.name === array;
    };
    return cond.args.some((a) =>
      a.kind === "var"
        ? (length.kind === "var" && a.name === length.name) || lengthOf(a.name)
        : length.kind === "const" && a.value === length.value,
    );
  }

  /** The reversed iteration's start: the elements popped into each copy, last pushed first popped. */
  protected elementPops(block: Block): CodeStatement[] {
    const copies = this.elementCopies.get(block) ?? [];
    this.plan.elements.set(
      block,
      copies.map(({ array, counter }) => ({ array, counter })),
    );
    return [...copies].reverse().map(({ array, copy, counter, popped }): CodeStatement => ({
      kind: "for",
      counter,
      init: sub(op("length", v(array)), c(1)),
      cond: op("ge", v(counter), c(0)),
      step: -1,
      body: [
        { kind: "pop", tape: this.plan.tape, name: popped },
        { kind: "store", array: copy, index: v(counter), expr: v(popped) },
      ],
    }));
  }
}

/** Whether statement `s` holds block `b` directly (a loop's head or body, a branch's arm). */
function contains(s: Statement, b: Block): boolean {
  return s.kind === "loop" ? s.head === b || s.body === b : s.kind === "branch" ? s.then === b || s.else === b : false;
}
