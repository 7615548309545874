/**
 * The forward pass as code: the live statements of a graph, with branches and loops kept as
 * branches and loops. Inside loops, the values the backward pass needs are pushed on a tape at
 * the end of the block that computes them (the reversed loop pops them at its start); outside
 * loops, a value computed inside a branch arm but read after it is hoisted to a `let`. An array
 * that an array gate's backward reads but the program writes after the call is copied right after
 * the call (a snapshot), so the backward sees it as the call did.
 */
import { reads } from "../code-walk.js";
import { statementsOf } from "../ir-walk.js";
import type { Atom, Carried, CodeStatement, Expr, Graph, Loop, Node, Statement } from "../ir.js";
import { c, op, select, sub } from "../rules/expr.js";

/** What the backward pass asks of the forward pass. */
export interface TapePlan {
  /** Names of the value tape (numbers), the decision tape (booleans) and the tape of arrays. */
  tape: string;
  decisions: string;
  arrays: string;
  /** Per loop body or arm inside a loop: the values to push at its end, in order. */
  pushes: Map<Statement[], string[]>;
  /**
   * Values pushed as the expression that computes them, not by name: a value fixed within an
   * inner loop, pushed once at the end of the block around that loop (where its name is not in scope).
   */
  pushedAs: Map<string, Expr>;
  /** Per loop body: arrays whose elements it pushes at its end, after its values (reverse/elements.ts), and the counter. */
  elements: Map<Statement[], { array: string; counter: string }[]>;
  /**
   * Arrays of arrays made in a loop body and taped: a copy of each row, pushed from the last row
   * to the first by a loop over `counter`, after its row count (on the tape of numbers, before the
   * block's values). The reversed iteration rebuilds the matrix from them (reverse/tape.ts).
   */
  matrices: Map<string, { counter: string }>;
  /** Rows of a matrix taped as a copy (`r.slice()`): a tape of arrays read back holds new arrays, not rows. */
  rowCopies: Set<string>;
  /** Per loop that is reversed: the name of its trip counter. */
  trips: Map<Loop, string>;
  /** Values computed inside branch arms (outside loops) that the backward pass reads. */
  hoisted: Set<string>;
  /** The forward values the backward pass reads (outside its own loops' bodies). */
  backwardReads: ReadonlySet<string>;
  /** Names holding booleans. */
  booleans: ReadonlySet<string>;
  /** Names holding arrays (the graph's, and snapshots), with their kind. */
  arrayKinds: ReadonlyMap<string, "Float64Array" | "number[]">;
  /** Per array gate call: copies of arrays, made right after it, that its backward reads. */
  snapshots: Map<Node, { name: string; array: string }[]>;
}

export const emptyPlan = (
  booleans: ReadonlySet<string> = new Set(),
  arrayKinds: ReadonlyMap<string, "Float64Array" | "number[]"> = new Map(),
): TapePlan => ({
  tape: "tape",
  decisions: "decisions",
  arrays: "arrays",
  pushes: new Map(),
  pushedAs: new Map(),
  elements: new Map(),
  matrices: new Map(),
  rowCopies: new Set(),
  trips: new Map(),
  hoisted: new Set(),
  backwardReads: new Set(),
  booleans,
  arrayKinds,
  snapshots: new Map(),
});

/** A plan with no tape, knowing from the graph's types which names hold booleans and arrays. */
export function typedPlan(graph: Graph): TapePlan {
  const booleans = new Set<string>();
  const arrayKinds = new Map<string, "Float64Array" | "number[]">();
  for (const [name, t] of graph.types) {
    if (t.kind === "array") arrayKinds.set(name, t.storage);
    else if (t.kind === "boolean") booleans.add(name);
  }
  return emptyPlan(booleans, arrayKinds);
}

/** A node's right-hand side as an expression. */
export function nodeExpr(n: Node): Expr {
  return n.callee === undefined
    ? { kind: "op", op: n.op, args: n.args }
    : { kind: "op", op: "call", args: n.args, callee: n.callee };
}

/** Whether a loop does anything the results depend on. */
export function isLoopLive(loop: Loop, live: ReadonlySet<string>): boolean {
  const anyLive = (body: Statement[]): boolean =>
    body.some((s) =>
      s.kind === "node"
        ? live.has(s.name)
        : s.kind === "store"
          ? live.has(s.array.name)
          : s.kind === "branch"
            ? s.merges.some((m) => live.has(m.name)) || anyLive(s.then) || anyLive(s.else)
            : isLoopLive(s, live),
    );
  return loop.carried.some((c) => live.has(c.name)) || anyLive(loop.body);
}

export function forwardCode(
  body: Statement[],
  live: ReadonlySet<string>,
  plan: TapePlan,
  results: Atom[],
): CodeStatement[] {
  /** Declarations of hoisted values, for the outermost branch being emitted. */
  let declared: CodeStatement[] = [];
  const uses = useCounts(body, live, results);
  /** Increments a `for` statement's update does instead (`i++` for `const i_1 = i + 1`). */
  const skipped = new Set<string>();
  const hoist = (name: string, outsideLoop: boolean): boolean => {
    if (!outsideLoop || !plan.hoisted.has(name)) return false;
    // Declared just before its branch, with no value: the backward pass reads it only on the
    // path that assigned it, which TypeScript cannot see (`let s!: number`).
    const type = plan.arrayKinds.get(name) ?? (plan.booleans.has(name) ? "boolean" : "number");
    declared.push({ kind: "let", name, type, definite: true });
    return true;
  };

  const booleanInLoop = (n: Node & { kind: "node" }): "boolean" | undefined =>
    plan.booleans.has(n.name) && n.args.some((a) => a.kind === "var" && plan.booleans.has(a.name))
      ? "boolean"
      : undefined;

  /** `inArm`: inside a branch arm but not inside a loop (where hoisting applies); `inLoop`: inside a loop body. */
  const emit = (block: Statement[], inArm: boolean, inLoop: boolean): CodeStatement[] => {
    const code: CodeStatement[] = [];
    for (const s of block) {
      switch (s.kind) {
        case "node":
          if (!live.has(s.name) || skipped.has(s.name)) break;
          // In a loop, TypeScript narrows `b[0]` through the loop's writes to it and finds the
          // read's type circular (TS7022): a read at a literal index says its type, and so does a
          // boolean computed from booleans the loop carries (`const t6 = !returned_1`).
          for (const { name, expr, typed } of [
            {
              name: s.name,
              expr: nodeExpr(s),
              typed: !inLoop
                ? undefined
                : s.op === "index" && s.args[1]?.kind === "const"
                  ? ("number" as const)
                  : booleanInLoop(s),
            },
            ...(plan.snapshots.get(s) ?? []).map((x) => ({
              name: x.name,
              expr: op("slice", v(x.array)),
              typed: undefined,
            })),
          ])
            code.push(
              hoist(name, inArm)
                ? { kind: "set", name, expr }
                : typed
                  ? { kind: "const", name, expr, type: typed }
                  : { kind: "const", name, expr },
            );
          break;
        case "store":
          if (live.has(s.array.name)) code.push({ kind: "store", array: s.array.name, index: s.index, expr: s.value });
          break;
        case "branch": {
          // The outermost branch outside loops declares what its arms hoist, right before it.
          const outermost = !inArm && !inLoop;
          const outer = declared;
          if (outermost) declared = [];
          const branch = branchCode(
            s,
            live,
            (arm) => withPushes(arm, emit(arm, !inLoop, inLoop)),
            (name) => hoist(name, inArm),
            plan,
          );
          if (outermost) {
            code.push(...declared);
            declared = outer;
          }
          code.push(...branch);
          break;
        }
        case "loop":
          if (isLoopLive(s, live)) code.push(...loopCode(s, inArm, emit));
      }
    }
    return code;
  };

  /** A block's code followed by the pushes the backward pass asked of it. */
  const withPushes = (block: Statement[], code: CodeStatement[]): CodeStatement[] => {
    const names = plan.pushes.get(block) ?? [];
    const arrays = names.filter((n) => plan.arrayKinds.has(n));
    const decisions = names.filter((n) => plan.booleans.has(n));
    const numbers = names.filter((n) => !plan.booleans.has(n) && !plan.arrayKinds.has(n));
    const matrices = arrays.filter((n) => plan.matrices.has(n));
    const flat = arrays.filter((n) => !plan.matrices.has(n));
    // Each matrix's row count first, then the values; its rows (copies, the last first) before the flat arrays.
    const values = [...matrices.map((n) => op("length", v(n))), ...numbers.map((n) => plan.pushedAs.get(n) ?? v(n))];
    return [
      ...code,
      ...(values.length ? [{ kind: "push" as const, tape: plan.tape, values, each: true }] : []),
      ...(plan.elements.get(block) ?? []).map(({ array, counter }): CodeStatement => ({
        kind: "for",
        counter,
        init: c(0),
        cond: op("lt", v(counter), op("length", v(array))),
        step: 1,
        body: [{ kind: "push", tape: plan.tape, values: [op("index", v(array), v(counter))], each: true }],
      })),
      ...(decisions.length
        ? [{ kind: "push" as const, tape: plan.decisions, values: decisions.map(v), each: true }]
        : []),
      ...matrices.map((n): CodeStatement => {
        const { counter } = plan.matrices.get(n)!;
        return {
          kind: "for",
          counter,
          init: sub(op("length", v(n)), c(1)),
          cond: op("ge", v(counter), c(0)),
          step: -1,
          body: [{ kind: "push", tape: plan.arrays, values: [op("slice", op("row", v(n), v(counter)))] }],
        };
      }),
      ...(flat.length
        ? [
            {
              kind: "push" as const,
              tape: plan.arrays,
              values: flat.map((n) => (plan.rowCopies.has(n) ? op("slice", v(n)) : v(n))),
            },
          ]
        : []),
    ];
  };

  const loopCode = (
    loop: Loop,
    inArm: boolean,
    emit: (b: Statement[], inArm: boolean, inLoop: boolean) => CodeStatement[],
  ): CodeStatement[] => {
    const code: CodeStatement[] = [];
    const counter = loop.head.every((s) => s.kind === "node") ? forCounter(loop, uses, live, plan) : undefined;
    const taped = (name: string) => [...plan.pushes.values()].some((names) => names.includes(name));
    if (counter?.increment && uses.get(counter.increment) === 1 && !taped(counter.increment))
      skipped.add(counter.increment);
    const carried = loop.carried.filter((c) => live.has(c.name) && c !== counter?.carried);
    for (const c of carried) {
      const boolean = plan.booleans.has(c.name);
      // Declared before the arm when the backward pass reads the loop's result after the arm.
      if (hoist(c.name, inArm)) code.push({ kind: "set", name: c.name, expr: c.init });
      else code.push({ kind: "let", name: c.name, init: c.init, type: boolean ? "boolean" : "number" });
    }
    const trips = plan.trips.get(loop);
    if (trips) {
      if (hoist(trips, inArm)) code.push({ kind: "set", name: trips, expr: c(0) });
      else code.push({ kind: "let", name: trips, init: c(0) });
    }
    const body = withPushes(loop.body, emit(loop.body, false, true));
    if (trips) body.push({ kind: "increment", name: trips });
    // Carried values move to their next values together (a swap must not see half of itself).
    const phis = new Set(carried.map((c) => c.name));
    const moving = carried.filter((c) => !(c.next.kind === "var" && c.next.name === c.name));
    const clash = moving.some((c) => c.next.kind === "var" && phis.has(c.next.name));
    if (clash) {
      const temp = (name: string) => `${name}_next`;
      for (const c of moving) body.push({ kind: "const", name: temp(c.name), expr: c.next });
      for (const c of moving) body.push({ kind: "set", name: c.name, expr: { kind: "var", name: temp(c.name) } });
    } else for (const c of moving) body.push({ kind: "set", name: c.name, expr: c.next });
    // A condition of plain operations is one expression; one with a choice in it (`?:`) keeps
    // its statements, run before each iteration: `while (true) { head; if (!cond) break; ... }`.
    if (counter)
      code.push({
        kind: "for",
        counter: counter.carried.name,
        init: counter.carried.init,
        cond: headExpr(loop),
        step: counter.step,
        body,
      });
    else if (loop.head.every((s) => s.kind === "node"))
      code.push({ kind: "while", head: [], cond: headExpr(loop), body });
    else code.push({ kind: "while", head: emit(loop.head, false, true), cond: loop.cond, body });
    return code;
  };

  const code = emit(body, false, false);
  return [...declared, ...code];
}

/**
 * The counter of a loop that is a `for` loop over it: a carried value that the body steps by a
 * constant integer (`i_1 = i + 1` at its top level) and that nothing reads after the loop (a
 * `for`'s counter lives in the loop), with the increment, if the step is all it computes.
 */
function forCounter(
  loop: Loop,
  uses: ReadonlyMap<string, number>,
  live: ReadonlySet<string>,
  plan: TapePlan,
): { carried: Carried; step: number; increment?: string } | undefined {
  const inside = useCounts([...loop.head, ...loop.body], live);
  // A loop whose condition is not about its counter (`do ... while (again)`) stays a `while`.
  const condReads = new Set<string>();
  reads(headExpr(loop), condReads);
  for (const c of loop.carried) {
    if (!condReads.has(c.name)) continue;
    if (c.next.kind !== "var" || plan.backwardReads.has(c.name) || plan.hoisted.has(c.name)) continue;
    const next = c.next.name;
    const n = loop.body.find((s): s is Node => s.kind === "node" && s.name === next);
    if (!n || (n.op !== "add" && n.op !== "sub")) continue;
    const [a, b] = n.args;
    const isPhi = (x: Atom | undefined) => x?.kind === "var" && x.name === c.name;
    const k =
      isPhi(a) && b?.kind === "const"
        ? b.value
        : n.op === "add" && isPhi(b) && a?.kind === "const"
          ? a.value
          : undefined;
    if (k === undefined || !Number.isInteger(k) || k === 0) continue;
    // Read only inside the loop (its own carried values' next values are inside too).
    const own = loop.carried.filter((x) => live.has(x.name) && x.next.kind === "var" && x.next.name === c.name).length;
    if ((uses.get(c.name) ?? 0) !== (inside.get(c.name) ?? 0) + own) continue;
    return { carried: c, step: n.op === "sub" ? -k : k, increment: next };
  }
  return undefined;
}

/** How often each name is used by live statements (nested ones included) and as a result. */
function useCounts(body: Statement[], live: ReadonlySet<string>, results: Atom[] = []): Map<string, number> {
  const uses = new Map<string, number>();
  const count = (a: Atom) => {
    if (a.kind === "var") uses.set(a.name, (uses.get(a.name) ?? 0) + 1);
  };
  for (const s of statementsOf(body)) {
    if (s.kind === "node" && live.has(s.name)) s.args.forEach(count);
    else if (s.kind === "store" && live.has(s.array.name)) [s.array, s.index, s.value].forEach(count);
    else if (s.kind === "branch") {
      count(s.cond);
      for (const m of s.merges) if (live.has(m.name)) [m.then, m.else].forEach(count);
    } else if (s.kind === "loop") {
      count(s.cond);
      for (const c of s.carried) if (live.has(c.name)) [c.init, c.next].forEach(count);
    }
  }
  results.forEach(count);
  return uses;
}

/** The loop condition as one expression: the head's nodes substituted into `cond`. */
function headExpr(loop: Loop): Expr {
  const env = new Map<string, Expr>();
  const sub = (a: Atom): Expr => (a.kind === "var" ? (env.get(a.name) ?? a) : a);
  for (const s of loop.head) if (s.kind === "node") env.set(s.name, { ...nodeExpr(s), args: s.args.map(sub) } as Expr);
  return sub(loop.cond);
}

const v = (name: string): Expr => ({ kind: "var", name });

function branchCode(
  s: Statement & { kind: "branch" },
  live: ReadonlySet<string>,
  arm: (b: Statement[]) => CodeStatement[],
  hoist: (name: string) => boolean,
  { booleans, arrayKinds }: TapePlan,
): CodeStatement[] {
  const merges = s.merges.filter((m) => live.has(m.name));
  const thenCode = arm(s.then);
  const elseCode = arm(s.else);
  if (merges.length === 0 && thenCode.length === 0 && elseCode.length === 0) return [];
  // Nothing to compute in either arm: `const m = cond ? a : b`.
  if (thenCode.length === 0 && elseCode.length === 0)
    return merges.map((m): CodeStatement => {
      if (hoist(m.name)) return { kind: "set", name: m.name, expr: select(s.cond, m.then, m.else) };
      // A boolean merge in a loop may refer back to its own carried value: TypeScript needs its type.
      return booleans.has(m.name)
        ? { kind: "const", name: m.name, expr: select(s.cond, m.then, m.else), type: "boolean" }
        : { kind: "const", name: m.name, expr: select(s.cond, m.then, m.else) };
    });
  const set = (name: string, value: Atom): CodeStatement => ({ kind: "set", name, expr: value });
  return [
    ...merges
      .filter((m) => !hoist(m.name))
      .map((m): CodeStatement => ({
        kind: "let",
        name: m.name,
        type: booleans.has(m.name) ? "boolean" : (arrayKinds.get(m.name) ?? "number"),
      })),
    {
      kind: "if",
      cond: s.cond,
      then: [...thenCode, ...merges.map((m) => set(m.name, m.then))],
      else: [...elseCode, ...merges.map((m) => set(m.name, m.else))],
    },
  ];
}
