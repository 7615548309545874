/**
 * Loop-invariant code motion: arithmetic at the top level of a loop's head or body whose
 * operands all come from outside the loop is computed once, before it (inner loops first, so a
 * value moves as far out as it stays invariant). Only + - * and negation.
 *
 * A moved value is computed even when the loop runs zero times, where the loop as written
 * computes nothing: its gradient is then 0, and 0 times a partial that overflowed or met an
 * infinite parameter would be NaN. So unless the loop certainly runs once (its condition holds
 * for the initial values, as in `for (let i = 0; i < 3; i++)` or a `do...while`), the moved
 * values and the loop go into a branch on the condition at entry, `if (entry) { moved; loop }`,
 * whose merges are the loop's results: a loop that does not run computes nothing (in the first
 * arm of a branch on that same condition, the loop certainly runs: no second branch). A moved value
 * that the block computes again after the loop anyway for a value that gets an adjoint (`s +=
 * k * d` in the loop, `s + k * d` after it) needs no guard: it goes before the branch and
 * replaces its twin, so its adjoint is the twin's when the loop does not run.
 */
import type { Atom, Branch, Graph, Loop, Node, Statement, VarRef } from "../ir.js";
import {
  definedBy,
  definitionsOf,
  innerBlocks,
  mapUses,
  renameDefinitions,
  statementsOf,
  substitute,
} from "../ir-walk.js";
import { operationKey } from "../rules/expr.js";
import { usefulNames } from "./useful.js";
import { isCondition, rules } from "../rules/table.js";

const HOISTABLE = new Set(["add", "sub", "mul", "neg"]);

/** `reserved`: names the function refers to besides its own (module constants, callees). */
export function hoistLoopInvariants(graph: Graph, reserved: Iterable<string> = []): void {
  const taken = new Set([...reserved, ...graph.params.map((p) => p.name), ...definitionsOf(graph.body)]);
  const fresh = (base: string, suffix = "entry"): string => {
    let name = `${base}_${suffix}`;
    for (let k = 2; taken.has(name); k++) name = `${base}_${suffix}${k}`;
    taken.add(name);
    return name;
  };
  const guards: { loop: Loop; branch: Branch }[] = [];
  let useful: Set<string> | undefined;
  /** Twins after a loop, replaced by the value moved out of it. */
  const dropped = new Set<Statement>();

  // Conditions by the operation that computes them: a loop inside a branch's first arm whose entry
  // condition is the branch's (`if (0 < n) { for (let i = 0; i < n; i++) ... }`) certainly runs.
  // SSA values do not change, so the same operation on the same operands is the same condition
  // (an element read excepted: a store between may change it).
  const definitions = new Map<string, Node>();
  for (const s of statementsOf(graph.body)) if (s.kind === "node") definitions.set(s.name, s);
  const conditionKey = (cond: Atom, extra: Statement[] = []): string | undefined => {
    if (cond.kind !== "var") return undefined;
    const node = extra.find((s): s is Node => s.kind === "node" && s.name === cond.name) ?? definitions.get(cond.name);
    if (!node || node.op === "call" || rules[node.op]?.derivative.kind === "memory") return undefined;
    return operationKey(node.op, node.callee, node.args);
  };

  /** `block` with each loop's invariants moved in front of it (in a guard where needed); `known`: conditions that hold there. */
  const visit = (block: Statement[], known: ReadonlySet<string>): Statement[] => {
    const out: Statement[] = [];
    for (const [at, s] of block.entries()) {
      if (dropped.has(s)) continue;
      const holds = s.kind === "branch" ? conditionKey(s.cond) : undefined;
      for (const inner of innerBlocks(s)) {
        const within =
          holds !== undefined && s.kind === "branch" && inner === s.then ? new Set([...known, holds]) : known;
        inner.splice(0, inner.length, ...visit(inner, within));
      }
      if (s.kind !== "loop") {
        out.push(s);
        continue;
      }
      const entry = entryCondition(s, fresh);
      const key = conditionKey(entry.cond, entry.statements);
      if (key !== undefined && known.has(key)) entry.certain = true;
      // A loop that certainly does not run: nothing to gain, and no condition to branch on.
      if (entry.cond.kind !== "var" && !entry.certain) {
        out.push(s);
        continue;
      }
      const moved = invariants(s);
      if (moved.length === 0 || entry.certain || indicesOnly(moved, s)) {
        out.push(...moved, s);
        continue;
      }
      const after = block.slice(at + 1).filter((t) => !dropped.has(t));
      const later = anticipated(moved, after, (useful ??= usefulNames(graph)));
      // Replaced now, not at the end: enclosing loops must see the moved value's new uses (the
      // graph is whole here but for values moved out of loops, which cannot use a twin).
      for (const twin of later.keys()) dropped.add(twin);
      substitute(
        graph,
        new Map([...later].map(([twin, m]): [string, Atom] => [twin.name, { kind: "var", name: m.name }])),
      );
      if (later.size > 0) useful = undefined;
      const unguarded = new Set<Statement>(later.values());
      const guarded = moved.filter((m) => !unguarded.has(m));
      if (guarded.length === 0) {
        out.push(...moved, s);
        continue;
      }
      out.push(...moved.filter((m) => unguarded.has(m)));
      const branch: Branch = {
        kind: "branch",
        cond: entry.cond as VarRef,
        then: [...guarded, s],
        else: [],
        merges: s.carried.map((c) => ({
          name: fresh(c.name, "out"),
          then: { kind: "var", name: c.name },
          else: c.init,
        })),
        pos: s.pos,
      };
      guards.push({ loop: s, branch });
      for (const e of statementsOf(entry.statements)) if (e.kind === "node") definitions.set(e.name, e);
      out.push(...entry.statements, branch);
    }
    return out;
  };
  graph.body = visit(graph.body, new Set());

  // After a guarded loop, its results are the guard's merges.
  for (const { loop, branch } of guards) {
    const merged = new Map(branch.merges.map((m) => [(m.then as VarRef).name, m.name]));
    const f = (a: Atom): Atom =>
      a.kind === "var" && merged.has(a.name) ? { kind: "var", name: merged.get(a.name)! } : a;
    const rename = (block: Statement[]) => {
      for (const s of block) {
        if (s === loop) continue;
        if (s !== branch) mapUses(s, f);
        innerBlocks(s).forEach(rename);
      }
    };
    rename(graph.body);
    graph.results = graph.results.map(f);
  }
}

/**
 * The loop's condition for its initial values: the head's statements again, phis replaced by
 * their initial values, under fresh names; `certain` when it evaluates to true here and now.
 */
function entryCondition(
  loop: Loop,
  fresh: (base: string) => string,
): { statements: Statement[]; cond: Atom; certain: boolean } {
  const renamed = new Map<string, Atom>(loop.carried.map((c) => [c.name, c.init]));
  const f = (a: Atom): Atom => (a.kind === "var" ? (renamed.get(a.name) ?? a) : a);
  const statements = structuredClone(loop.head);
  for (const s of statementsOf(statements))
    for (const n of definedBy(s)) renamed.set(n, { kind: "var", name: fresh(n) });
  const known = new Map<string, number>();
  for (const s of statementsOf(statements)) {
    renameDefinitions(s, (n) => (renamed.get(n) as VarRef).name);
    mapUses(s, f);
    if (s.kind !== "node" || s.op === "call" || rules[s.op]?.array) continue;
    if (s.args.every((a) => a.kind === "const" || known.has(a.name)))
      known.set(s.name, rules[s.op]!.eval(...s.args.map((a) => (a.kind === "const" ? a.value : known.get(a.name)!))));
  }
  const cond = f(loop.cond);
  const value = cond.kind === "const" ? cond.value : known.get(cond.name);
  return { statements, cond, certain: value !== undefined && value !== 0 };
}

/**
 * The nodes of `after` (the rest of the loop's block, which runs whenever the loop's block does)
 * that compute a moved node again, each with that node: the same operation on the same
 * operands, or on such twins. Only twins that get an adjoint (`useful`) count: one that reaches
 * the results only through a condition or an index (`k * d > 0`) gets none, while the moved
 * value's, 0 when the loop does not run, would meet its partials (`0 * Infinity` is NaN). If a
 * moved node found has a moved operand not found (which would stay guarded, computed after its
 * use), none is.
 */
function anticipated(moved: Statement[], after: Statement[], useful: ReadonlySet<string>): Map<Node, Node> {
  const byKey = new Map<string, Node>();
  for (const m of moved) if (m.kind === "node") byKey.set(operationKey(m.op, m.callee, m.args), m);
  const twinOf = new Map<string, string>();
  const found = new Map<Node, Node>();
  for (const s of after) {
    if (s.kind !== "node") continue;
    const args = s.args.map((a): Atom =>
      a.kind === "var" && twinOf.has(a.name) ? { kind: "var", name: twinOf.get(a.name)! } : a,
    );
    const twin = byKey.get(operationKey(s.op, s.callee, args));
    if (!twin) continue;
    twinOf.set(s.name, twin.name);
    if (useful.has(s.name)) found.set(s, twin);
  }
  // An unguarded value's operands must be unguarded too (a useful twin's operand twins are useful).
  const unguarded = new Set(found.values());
  for (const m of unguarded)
    for (const a of m.args)
      if (a.kind === "var" && moved.some((n) => n.kind === "node" && n.name === a.name && !unguarded.has(n)))
        return new Map();
  return found;
}

/** Removes the loop's invariant nodes from its head and body and returns them, in order. */
function invariants(loop: Loop): Statement[] {
  const inside = new Set<string>();
  for (const block of [loop.head, loop.body])
    for (const s of statementsOf(block)) definedBy(s).forEach((n) => inside.add(n));
  loop.carried.forEach((c) => inside.add(c.name));
  const moved: Statement[] = [];
  for (const block of [loop.head, loop.body]) {
    const kept = block.filter((s) => {
      if (s.kind !== "node" || !HOISTABLE.has(s.op) || s.callee !== undefined) return true;
      if (s.args.some((a) => a.kind === "var" && inside.has(a.name))) return true;
      inside.delete(s.name);
      moved.push(s);
      return false;
    });
    block.splice(0, block.length, ...kept);
  }
  return moved;
}

/**
 * Whether the moved values only ever index arrays or decide conditions (`r * cols` in
 * `m[r * cols + c]`), directly or through other values that do: such values get no gradient,
 * so computing them when the loop does not run cannot spoil one.
 */
function indicesOnly(moved: Statement[], loop: Loop): boolean {
  /** Per name: the nodes that use it as an operand (names), or "index", or "other". */
  const uses = new Map<string, (string | "index" | "other")[]>();
  const use = (a: Atom, how: string) => {
    if (a.kind === "var") uses.set(a.name, [...(uses.get(a.name) ?? []), how]);
  };
  for (const s of [...moved, ...statementsOf(loop.head), ...statementsOf(loop.body)]) {
    if (s.kind === "node")
      s.args.forEach((a, i) => use(a, (s.op === "index" && i === 1) || isCondition(s.op) ? "index" : s.name));
    else if (s.kind === "store") {
      use(s.index, "index");
      use(s.value, "other");
    } else if (s.kind === "branch") s.merges.forEach((m) => (use(m.then, "other"), use(m.else, "other")));
    else if (s.kind === "loop") s.carried.forEach((c) => (use(c.init, "other"), use(c.next, "other")));
  }
  loop.carried.forEach((c) => use(c.next, "other"));
  const memo = new Map<string, boolean>();
  const only = (name: string): boolean => {
    if (memo.has(name)) return memo.get(name)!;
    memo.set(name, false);
    const result = (uses.get(name) ?? []).every((u) => u === "index" || (u !== "other" && only(u)));
    memo.set(name, result);
    return result;
  };
  return moved.every((m) => m.kind === "node" && only(m.name));
}
