/**
 * Coalescing of a value into the variable it is only copied into: a value that has one name
 * keeps it. In one block,
 *
 *   const a = e; ...; b = a;         becomes   b = e; ...
 *   let a; ...(a = ...)...; b = a;   becomes   ...(b = ...)...
 *   const a = e; let b = a;          becomes   let a = e;   (b read as a from there on)
 *
 * where `a` is read nowhere else in the function, and between the two statements nothing reads or
 * writes `b` nor writes what `e` reads. A branch's result then goes straight into the variable of
 * the branch around it (an else-if chain assigns one variable), and a value computed only to
 * become a loop's next value is assigned to it where it is computed.
 */
import {
  allStatements,
  innerCode,
  mapOwnExprs,
  ownExprs,
  ownNames,
  reads,
  returnedExprs,
  setReturned,
} from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr } from "../ir.js";
import { isCondition } from "../rules/table.js";

export function coalesce(module: CodeModule): void {
  for (const f of module.functions) coalesceFunction(f);
}

function coalesceFunction(f: CodeFunction): void {
  const r = f.returns;
  // What the function returns reads after the whole backward pass: a statement of its own here.
  const result = {
    kind: "push" as const,
    tape: "",
    values: returnedExprs(r),
  };
  f.backward.push(result);
  // How often each name is read, in the whole function.
  const count = new Map<string, number>();
  const countExpr = (e: Expr) => {
    if (e.kind === "var") count.set(e.name, (count.get(e.name) ?? 0) + 1);
    else if (e.kind === "op") e.args.forEach(countExpr);
  };
  const recount = () => {
    count.clear();
    for (const s of allStatements([...f.forward, ...f.backward])) {
      ownExprs(s).forEach(countExpr);
      // A name used as an array, a tape or an accumulator is never coalesced.
      for (const n of ownNames(s)) count.set(n, (count.get(n) ?? 0) + 2);
    }
  };
  const all = () => [f.forward, f.backward];
  for (let changed = true; changed;) {
    changed = false;
    recount();
    for (const list of all())
      for (const block of blocks(list))
        if (coalesceBlock(block, count, all)) {
          changed = true;
          recount();
        }
  }
  constants(all());
  // A `while` head's names are read by its condition too, which is not a statement of the head.
  const heads = new Map<CodeStatement[], CodeStatement[]>();
  for (const list of all())
    for (const s of allStatements(list))
      if (s.kind === "while") heads.set(s.head, [{ kind: "push", tape: "", values: [s.cond] }]);
  for (const list of all())
    for (const block of blocks(list))
      inlineConditions(block, block === f.forward ? f.backward : (heads.get(block) ?? []));
  f.backward.splice(f.backward.indexOf(result), 1);
  setReturned(r, result.values);
}

/** Every statement list in `list`, itself included, innermost last. */
function* blocks(list: CodeStatement[]): Generator<CodeStatement[]> {
  yield list;
  for (const s of list) for (const inner of innerCode(s)) yield* blocks(inner);
}

function coalesceBlock(
  block: CodeStatement[],
  count: ReadonlyMap<string, number>,
  all: () => CodeStatement[][],
): boolean {
  let changed = false;
  // The statement of the block that reads each name first (itself or in a block nested in it):
  // for a name read once, its only reader, found without scanning the block for each name.
  // Built once; a statement replaced since is no longer in the block, and its names are found
  // again on the next call (the caller calls again after any change).
  let readers: Map<string, CodeStatement> | undefined;
  const readerOf = (name: string) => {
    if (!readers) {
      readers = new Map();
      for (const t of block) {
        const read = new Set<string>();
        for (const u of allStatements([t])) ownExprs(u).forEach((e) => reads(e, read));
        for (const n of read) if (!readers.has(n)) readers.set(n, t);
      }
    }
    return readers.get(name);
  };
  for (let i = 0; i < block.length; i++) {
    const s = block[i]!;
    if (s.kind !== "const" && !(s.kind === "let" && s.init === undefined && !special(s.type))) continue;
    const a = s.name;
    if (count.get(a) !== 1) continue;
    const reader = readerOf(a);
    if (!reader || copied(reader, s.kind === "const") !== a) continue;
    const j = block.indexOf(reader, i + 1);
    if (j < 0) continue;
    const target = block[j]! as CodeStatement & { kind: "set" | "let" };
    const b = target.name;
    const between = block.slice(i + 1, j);
    if (target.kind === "let") {
      // `const a = e; ...; let b = a`: b is declared there, so nothing between reads it (unless
      // it declares a b of its own); b becomes a, declared mutable where a was.
      if (s.kind !== "const" || s.type !== undefined || touches(between, b)) continue;
      // The variable keeps the better of its two names: a user's name over a temporary's
      // (`li` over `t25`), else the shorter (`grad_s` over `grad_s_2`).
      const keep = nicer(a, b);
      block.splice(j, 1);
      block[i] = { kind: "let", name: keep, init: s.expr };
      if (keep === a) for (const list of all()) renameAll(list, b, a);
      changed = true;
      continue;
    }
    if (touches(between, b)) continue;
    if (s.kind === "const") {
      const read = new Set<string>();
      reads(s.expr, read);
      if ([...read].some((n) => writes(between, n))) continue;
      block.splice(j, 1);
      block[i] = { kind: "set", name: b, expr: s.expr };
    } else {
      // `let a; ...; b = a`: the statements between assign b instead.
      if (declaresAny(between, b)) continue;
      block.splice(j, 1);
      block.splice(i, 1);
      renameAll(between, a, b);
    }
    changed = true;
    i--;
  }
  return changed;
}

/** The variable `t` copies: `b = a`, or with `declaration`, also `let b = a`. */
function copied(t: CodeStatement, declaration: boolean): string | undefined {
  if (t.kind === "set") return t.expr.kind === "var" ? t.expr.name : undefined;
  if (t.kind === "let" && declaration && !special(t.type) && typeof t.init === "object" && t.init.kind === "var")
    return t.init.name;
  return undefined;
}

/** A tape or a list, not a variable of a value. */
function special(type: (CodeStatement & { kind: "let" })["type"]): boolean {
  return type === "tape" || type === "decisions" || type === "arrays";
}

/** Whether `list` reads, writes or declares `name`. */
function touches(list: CodeStatement[], name: string): boolean {
  for (const s of allStatements(list)) {
    const r = new Set<string>(ownNames(s));
    ownExprs(s).forEach((e) => reads(e, r));
    if (r.has(name) || writesTo(s, name) || declares(s, name)) return true;
  }
  return false;
}

function writes(list: CodeStatement[], name: string): boolean {
  for (const s of allStatements(list)) if (writesTo(s, name) || declares(s, name)) return true;
  return false;
}

function declaresAny(list: CodeStatement[], name: string): boolean {
  for (const s of allStatements(list)) if (declares(s, name)) return true;
  return false;
}

function writesTo(s: CodeStatement, name: string): boolean {
  return (
    ((s.kind === "set" || s.kind === "accumulate" || s.kind === "increment") && s.name === name) ||
    (s.kind === "store" && s.array === name) ||
    (s.kind === "addArray" && s.target === name)
  );
}

function declares(s: CodeStatement, name: string): boolean {
  if (s.kind === "const" || s.kind === "let" || s.kind === "pop") return s.name === name;
  if (s.kind === "destructure") return s.names.includes(name);
  if (s.kind === "repeat" || s.kind === "for" || s.kind === "addArray") return s.counter === name;
  return false;
}

/** Renames variable `from` to `to` everywhere in `list`: reads, assignments and declarations. */
function renameAll(list: CodeStatement[], from: string, to: string): void {
  const rename = (e: Expr): Expr =>
    e.kind === "var"
      ? e.name === from
        ? { kind: "var", name: to }
        : e
      : e.kind === "op"
        ? { ...e, args: e.args.map(rename) }
        : e;
  for (const s of allStatements(list)) {
    mapOwnExprs(s, rename);
    if (
      (s.kind === "set" ||
        s.kind === "accumulate" ||
        s.kind === "increment" ||
        s.kind === "const" ||
        s.kind === "let" ||
        s.kind === "pop") &&
      s.name === from
    )
      s.name = to;
    if (s.kind === "store" && s.array === from) s.array = to;
  }
}

/**
 * A condition read once is written where it is read: `const c = x > 0; if (c) ...` is
 * `if (x > 0) ...`, and an else that holds only that `if` is an else-if. Only conditions (booleans
 * of comparisons and logic, exact and cheap), read by a later statement of the same block (not
 * by a loop's condition, evaluated again each iteration) with nothing between writing what they
 * read; `!!b` is `b`. `after` holds the code that also sees `block`'s names (the backward pass,
 * for the forward pass's top level).
 */
function inlineConditions(block: CodeStatement[], after: CodeStatement[]): void {
  for (let i = 0; i < block.length; i++) {
    const s = block[i]!;
    if (
      s.kind !== "const" ||
      (s.type !== undefined && !(s.type === "boolean" && /^(t\d+|cond(_\d+)?)$/.test(s.name))) ||
      !isConditionExpr(s.expr)
    )
      continue;
    const name = s.name;
    let n = 0;
    for (const t of allStatements([...block.slice(i + 1), ...after])) {
      if (declares(t, name) || ownNames(t).includes(name)) n += 2;
      for (const e of ownExprs(t)) n += occurrences(e, name);
    }
    if (n !== 1) continue;
    const j = block.findIndex((t, k) => k > i && ownExprs(t).some((e) => occurrences(e, name) > 0));
    if (j < 0 || block[j]!.kind === "while" || block[j]!.kind === "for") continue;
    const read = new Set<string>();
    reads(s.expr, read);
    if ([...read].some((r) => writes(block.slice(i + 1, j), r))) continue;
    const put = (e: Expr): Expr => {
      if (e.kind === "var") return e.name === name ? s.expr : e;
      if (e.kind !== "op") return e;
      const args = e.args.map(put);
      const inner = args[0];
      if (e.op === "not" && inner?.kind === "op" && inner.op === "not") return inner.args[0]!;
      return { ...e, args };
    };
    mapOwnExprs(block[j]!, put);
    block.splice(i, 1);
    i--;
  }
}

function isConditionExpr(e: Expr): boolean {
  return e.kind === "op" && e.op !== "call" && isCondition(e.op);
}

function occurrences(e: Expr, name: string): number {
  return e.kind === "var"
    ? e.name === name
      ? 1
      : 0
    : e.kind === "op"
      ? e.args.reduce((n, a) => n + occurrences(a, name), 0)
      : 0;
}

/** A `let` with a value that nothing assigns again is a `const` (a carried adjoint the loop never changes). */
function constants(lists: CodeStatement[][]): void {
  const written = new Set<string>();
  for (const list of lists)
    for (const s of allStatements(list))
      if (s.kind === "set" || s.kind === "accumulate" || s.kind === "increment") written.add(s.name);
  for (const list of lists)
    for (const block of blocks(list))
      block.forEach((s, i) => {
        if (s.kind !== "let" || special(s.type) || written.has(s.name) || typeof s.init !== "object") return;
        const type = s.type === "boolean" ? s.type : undefined;
        block[i] = type
          ? { kind: "const", name: s.name, expr: s.init, type }
          : { kind: "const", name: s.name, expr: s.init };
      });
}

/** Of two names for one variable, the one to keep: not a temporary's (`t3`, `grad_t3`), else the shorter. */
function nicer(a: string, b: string): string {
  const temporary = (n: string) => /^(grad_)?t\d+(_\d+)?$/.test(n);
  if (temporary(a) !== temporary(b)) return temporary(a) ? b : a;
  return b.length < a.length ? b : a;
}
