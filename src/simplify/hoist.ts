/**
 * Loop-invariant reads in the entry companions (`f_jvp`, `f_hvp`, `f_grad`, `f_vjp`): a `const` of a loop body
 * whose value is the same in every iteration, because it reads only names declared before the
 * loop that the loop does not assign, and elements of arrays the loop cannot write, is computed
 * once before the loop. GMM's triangular product reads `xcentered[i]` and its tangent in every
 * inner iteration, and the reversed loop of `f_hvp` reads their taped copies the same way: V8
 * keeps such reads in the loop, since a store to any Float64Array might write the one it reads.
 * Reverse mode is no different: a pop declares its name in the loop (so nothing read from the tape
 * moves, and pushes and pops keep their order), and an adjoint array the loop adds into
 * (`grad_x[i] += ...`) or clears is one it writes, whose elements stay where they are read.
 *
 * Exact: the value is the same number, computed earlier. Unless the loop certainly runs once (its
 * condition holds for the counter's first value, as in `for (let k = 0; k < 3; k++)`), the moved
 * values and the loop go into a branch on that condition, `if (k0 < n) { moved; loop }` (not
 * inside a branch on the same condition already, `conditionKey`): computed
 * when the loop does not run, a value no code reads is harmless here, but a companion read back
 * and differentiated (a nested `jvp(g)`, adgen run on its own output) would give it an adjoint of
 * 0 and a partial that may be NaN there (`Math.sqrt(x)` in a loop that runs only while `x > 0`),
 * as in src/optimise/licm.ts. An element read and arithmetic never throw (the array is a
 * parameter, a tangent, a pop or a `const` that is not itself an element, never a `let` that
 * might still be unassigned), and nothing that allocates or calls moves.
 *
 * Which arrays a loop cannot write: generated code writes arrays through stores and array
 * additions, and a call may write any array it can reach. An array the function allocates whose
 * name is only ever indexed, measured, stored into, added to or returned (never copied, passed,
 * pushed or merged) is reached by that name alone: no call reaches it, a loop writing only such
 * arrays and calling nothing writes no other array, and such an array is written only where its
 * name is.
 */
import { allStatements, declaredNames, innerCode, ownExprs, ownNames, reads } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr } from "../ir.js";
import { constantValue } from "../rules/evaluate.js";
import { rules } from "../rules/table.js";

/** Operations that make a new array: a name bound to one of these is a fresh array (`slice` copies, as f_vjp does grad_out). */
const ALLOCATIONS = new Set(["newFloat64Array", "zeros", "slice"]);
/** Operations that may not move: they allocate, or they are not pure arithmetic on numbers. */
const FIXED = new Set(["call", "newFloat64Array", "zeros", "arrayOf", "slice", "rows", "float64Rows", "zerosLike"]);
type Loop = CodeStatement & { kind: "for" | "repeat" };
/** The companions whose loops are hoisted out of: forward mode's, and reverse mode's entries. */
const HOISTED = new Set(["jvp", "hvp", "grad", "vjp"]);

export function hoistInvariantReads(module: CodeModule): void {
  for (const f of module.functions)
    if (f.kind === "entry" && f.companion !== undefined && HOISTED.has(f.companion)) hoistIn(f);
}

function hoistIn(f: CodeFunction): void {
  const body = [...f.forward, ...f.backward];
  const fresh = freshArrays(f, body);
  // Names bound once to an array that is certainly there (not a `let`): parameters, tangents
  // read from their argument, pops, and `const`s that are not element or row reads.
  const defined = new Set<string>(f.params.map((p) => p.name));
  for (const s of allStatements(body)) {
    if (s.kind === "fields") s.fields.forEach((x) => defined.add(x.name));
    if (s.kind === "pop") defined.add(s.name);
    if (s.kind === "const" && !(s.expr.kind === "op" && (s.expr.op === "index" || s.expr.op === "row")))
      defined.add(s.name);
  }
  // A name declared twice (or a `let`) may be either binding: none of them counts.
  const count = new Map<string, number>();
  for (const s of allStatements(body))
    for (const x of declaredNames(s, true)) count.set(x, (count.get(x) ?? 0) + (s.kind === "let" ? 2 : 1));
  for (const p of f.params) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  for (const x of [...defined]) if (count.get(x) !== 1) defined.delete(x);
  const context = { fresh, defined, condition: conditionKey(body, defined) };
  // The top level of the function is one scope, forward then backward.
  const visible = new Names();
  f.params.forEach((p) => visible.add(p.name));
  const top = scopeOf(() => [...f.forward, ...f.backward]);
  walk(f.forward, top, visible, context);
  f.forward.forEach((s) => declaredNames(s, true).forEach((x) => visible.add(x)));
  walk(f.backward, top, visible, context);
}

interface Context {
  fresh: ReadonlySet<string>;
  defined: ReadonlySet<string>;
  /** A condition as a key equal for equal conditions; undefined when it may change value (reads a `let`). */
  condition: (e: Expr) => string | undefined;
}

/**
 * Keys of conditions: a name bound once by a `const` and never assigned stands for its
 * initializer (`t1_entry` is `0 < n`), so that a loop's entry condition inside `if (t1_entry)`
 * is known to hold there, and its moved values need no branch of their own. A condition reading
 * a name that may be assigned, an element or a length (an array may be written in between) has
 * no key.
 */
function conditionKey(body: CodeStatement[], defined: ReadonlySet<string>): (e: Expr) => string | undefined {
  const assigned = new Set<string>();
  const initializer = new Map<string, Expr>();
  for (const s of allStatements(body)) {
    if (s.kind === "set" || s.kind === "accumulate" || s.kind === "increment") assigned.add(s.name);
    if (s.kind === "const" && defined.has(s.name)) initializer.set(s.name, s.expr);
  }
  const key = (e: Expr, depth: number): string | undefined => {
    if (e.kind === "const") return e.text ?? String(e.value);
    if (e.kind === "var") {
      if (!defined.has(e.name) || assigned.has(e.name)) return undefined;
      const init = initializer.get(e.name);
      return init && depth < 4 ? key(init, depth + 1) : e.name;
    }
    // Arithmetic and comparisons only: an element read or a length may differ by the loop.
    if (e.op === "call" || rules[e.op]?.derivative.kind === "memory" || rules[e.op]?.array) return undefined;
    const args = e.args.map((a) => key(a, depth));
    return args.every((a) => a !== undefined) ? `${e.op}(${args.join(", ")})` : undefined;
  };
  return (e) => key(e, 0);
}

/**
 * Names declared so far, block by block: a block's own over those of the blocks around it (a copy
 * per block would make hoisting quadratic in a long function).
 */
class Names {
  private readonly own = new Set<string>();
  constructor(private readonly outer?: Names) {}
  add(name: string): void {
    this.own.add(name);
  }
  has(name: string): boolean {
    return this.own.has(name) || (this.outer?.has(name) ?? false);
  }
}

/**
 * A block a hoisted `const` joins, with how many of its statements (at any depth) mention each
 * name, counted once when first asked: hoisting moves statements only within the block, so the
 * counts stay true while its loops are hoisted out of one by one.
 */
interface Scope {
  mentions(): ReadonlyMap<string, number>;
}

function scopeOf(statements: () => CodeStatement[]): Scope {
  let counted: Map<string, number> | undefined;
  return { mentions: () => (counted ??= mentions(statements())) };
}

/** For each name, how many of `list`'s statements (at any depth) read, assign or declare it. */
function mentions(list: CodeStatement[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const s of allStatements(list)) for (const x of mentioned(s)) count.set(x, (count.get(x) ?? 0) + 1);
  return count;
}

/** The names one statement reads, assigns or declares (its own, not its blocks'). */
function mentioned(s: CodeStatement): Set<string> {
  const names = new Set<string>();
  ownExprs(s).forEach((e) => reads(e, names));
  ownNames(s).forEach((x) => names.add(x));
  declaredNames(s, true).forEach((x) => names.add(x));
  return names;
}

/**
 * Hoists out of every loop in `list` (inner loops first), inserting before each loop. `scope`
 * gives the statements of the block a hoisted `const` joins as they are now (at the top level,
 * forward and backward both; a `while`'s head and body); `visible`, the names declared before
 * `list` begins.
 */
function walk(
  list: CodeStatement[],
  scope: Scope,
  visible: Names,
  context: Context,
  known: ReadonlySet<string> = new Set(),
): void {
  const here = new Names(visible);
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const inner = new Names(here);
    if (s.kind === "for" || s.kind === "repeat") inner.add(s.counter);
    // A `while`'s head and body are one block of the emitted code: one scope.
    const whole = s.kind === "while" ? scopeOf(() => [...s.head, ...s.body]) : undefined;
    // In an `if`'s first arm its condition holds (it reads only names never assigned).
    const holds = s.kind === "if" ? context.condition(s.cond) : undefined;
    for (const block of innerCode(s)) {
      const within = holds !== undefined && s.kind === "if" && block === s.then ? new Set([...known, holds]) : known;
      walk(block, whole ?? scopeOf(() => block), inner, context, within);
    }
    let entry = s.kind === "for" || s.kind === "repeat" ? entryCondition(s) : false;
    if (typeof entry !== "boolean" && known.has(context.condition(entry) ?? "")) entry = true;
    if ((s.kind === "for" || s.kind === "repeat") && entry !== false) {
      const moved = invariants(s, scope, here, context);
      if (entry === true) {
        list.splice(i, 0, ...moved);
        i += moved.length;
      } else if (moved.length > 0) list[i] = { kind: "if", cond: entry, then: [...moved, s], else: [] };
    }
    declaredNames(s, true).forEach((x) => here.add(x));
  }
}

/**
 * Whether `loop` runs at least once: `true` when it certainly does, `false` when it certainly
 * does not (nothing to gain by hoisting), else the condition on entry to branch on.
 */
function entryCondition(loop: Loop): Expr | boolean {
  const cond: Expr =
    loop.kind === "repeat"
      ? { kind: "op", op: "gt", args: [loop.from, { kind: "const", value: 0 }] }
      : replaceName(loop.cond, loop.counter, loop.init);
  const value = constantValue(cond);
  return value === undefined ? cond : value !== 0;
}

function replaceName(e: Expr, name: string, by: Expr): Expr {
  if (e.kind === "var") return e.name === name ? by : e;
  if (e.kind === "const") return e;
  return { ...e, args: e.args.map((a) => replaceName(a, name, by)) };
}

/** The `const`s of `loop`'s body (its own statements) that may move before it, taken out of the body. */
function invariants(loop: Loop, scope: Scope, visible: Names, { fresh, defined }: Context): CodeStatement[] {
  // What the loop assigns or declares (at any depth), what it writes, and whether it calls.
  const variant = new Set<string>([loop.counter]);
  const written = new Set<string>();
  let calls = false;
  const hasCall = (e: Expr): boolean => e.kind === "op" && (e.op === "call" || e.args.some(hasCall));
  for (const s of allStatements(loop.body)) {
    declaredNames(s, true).forEach((x) => variant.add(x));
    if (s.kind === "set" || s.kind === "accumulate" || s.kind === "increment") variant.add(s.name);
    if (s.kind === "store") written.add(s.array);
    if (s.kind === "addArray") written.add(s.target);
    if (s.kind === "call" || ownExprs(s).some(hasCall)) calls = true;
  }
  const writesOnlyFresh = !calls && [...written].every((a) => fresh.has(a));
  // Names the rest of the scope mentions, or the loop's head reads: a hoisted `const` must not
  // shadow one of them. The scope's statements less the loop's own (at any depth).
  const inLoop = mentions([loop]);
  const head = new Set<string>();
  ownExprs(loop).forEach((e) => reads(e, head));
  const elsewhere = (x: string): boolean => head.has(x) || (scope.mentions().get(x) ?? 0) > (inLoop.get(x) ?? 0);
  // How many times the loop declares each name, at any depth.
  const declarations = new Map<string, number>();
  for (const s of allStatements(loop.body))
    for (const x of declaredNames(s, true)) declarations.set(x, (declarations.get(x) ?? 0) + 1);

  const moved: CodeStatement[] = [];
  const movedNames = new Set<string>();
  const movable = (e: Expr): boolean => {
    // A name from outside the loop, declared before it (the loop might not run otherwise).
    if (e.kind === "var") return !variant.has(e.name) && (visible.has(e.name) || movedNames.has(e.name));
    if (e.kind === "const") return e.text === undefined || /^[\w$.]+$/.test(e.text);
    if (FIXED.has(e.op) || !(e.op in rules)) return false;
    // An element, a row, or a length (a store may grow an array) of an array the loop cannot write.
    if (e.op === "index" || e.op === "row" || e.op === "length") {
      const a = e.args[0]!;
      if (a.kind !== "var" || !defined.has(a.name) || written.has(a.name)) return false;
      if (!fresh.has(a.name) && !writesOnlyFresh) return false;
    }
    return e.args.every(movable);
  };
  // Anywhere in the body's own statements (not in its arms or loops): what a moved `const` reads
  // is the same before the loop as at its place.
  const body = loop.body;
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    if (s.kind !== "const") continue;
    if (!movable(s.expr) || declarations.get(s.name) !== 1 || elsewhere(s.name)) continue;
    moved.push(s);
    body.splice(i--, 1);
    variant.delete(s.name);
    movedNames.add(s.name);
  }
  return moved;
}

/**
 * The arrays the function allocates (`const a = new Float64Array(n)`, or a copy `a.slice()`, declared once) whose name
 * is only indexed, measured, stored into, added to by an array addition, or returned: nothing
 * else can reach them.
 */
function freshArrays(f: CodeFunction, body: CodeStatement[]): Set<string> {
  const count = new Map<string, number>();
  const candidates = new Set<string>();
  for (const s of allStatements(body)) {
    for (const x of declaredNames(s, true)) count.set(x, (count.get(x) ?? 0) + 1);
    if (s.kind === "const" && s.expr.kind === "op" && ALLOCATIONS.has(s.expr.op)) candidates.add(s.name);
  }
  for (const p of f.params) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  const escaped = new Set<string>();
  const bare = (e: Expr): void => {
    if (e.kind === "var") escaped.add(e.name);
    else if (e.kind === "op")
      e.args.forEach((a, i) => {
        // An element or row read and a length read do not let the array out.
        if (i === 0 && a.kind === "var" && (e.op === "index" || e.op === "row" || e.op === "length")) return;
        bare(a);
      });
  };
  for (const s of allStatements(body)) {
    ownExprs(s).forEach(bare);
    // A tape pushed to or popped from is named, as is an array stored into or added to: no escape.
    if (s.kind === "fields") escaped.add(s.source);
  }
  // Returning an array lets it out of the function only, when nothing runs any more.
  return new Set([...candidates].filter((a) => count.get(a) === 1 && !escaped.has(a)));
}
