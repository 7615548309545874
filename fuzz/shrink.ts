/**
 * Shrinking: greedy delta debugging over the AST. From a failing program, try smaller variants
 * (drop a helper, a parameter, a statement; replace a compound statement by its body, an
 * expression by one of its subexpressions or a constant, a condition by one of its sides, a
 * constant by 0, 1 or 2) and keep the first that fails the same way (the same failure key); repeat
 * until no variant does. A variant that breaks the program itself (a name read before it is
 * declared, a `break` outside a loop, a loop that no longer ends) makes the original misbehave,
 * which the checker reports as invalid, so it is never kept.
 */
import { printProgram, type Cond, type Expr, type Program, type Stmt } from "./ast.js";
import { check, type Outcome } from "./check.js";

export interface Shrunk {
  program: Program;
  outcome: Extract<Outcome, { status: "fail" }>;
  /** Variants tried. */
  tries: number;
}

export async function shrink(
  p: Program,
  seed: number,
  failure: Extract<Outcome, { status: "fail" }>,
  budgetMs = 60_000,
): Promise<Shrunk> {
  const deadline = Date.now() + budgetMs;
  const tried = new Set<string>();
  let current = p;
  let outcome = failure;
  let tries = 0;
  search: while (Date.now() < deadline) {
    for (const candidate of programVariants(current)) {
      if (Date.now() >= deadline) break search;
      const text = printProgram(candidate);
      if (tried.has(text)) continue;
      tried.add(text);
      tries++;
      const o = await check(candidate, seed);
      if (o.status === "fail" && o.key === failure.key) {
        // Drop what nothing uses any more, unless that was what failed (an unused helper can).
        const tidied = tidy(candidate);
        const t = await check(tidied, seed);
        [current, outcome] = t.status === "fail" && t.key === failure.key ? [tidied, t] : [candidate, o];
        continue search;
      }
    }
    break;
  }
  return { program: current, outcome, tries };
}

/** Drops imports, gates, helpers and constants that nothing calls or reads any more. */
function tidy(p: Program): Program {
  const bare = (f: Program["main"]) =>
    printProgram({ consts: [], gates: [], helpers: [], imports: [], lengths: {}, main: f });
  const text = [p.main, ...p.helpers].map(bare).join("\n");
  const called = (name: string) => new RegExp(`(?<!function )\\b${name}\\(`).test(text);
  return {
    ...p,
    helpers: p.helpers.filter((h) => called(h.name)),
    imports: p.imports.filter(called),
    gates: p.gates.filter((g) => called(g.name)),
    consts: p.consts.filter((c) => new RegExp(`\\b${c.name}\\b`).test(text)),
  };
}

function* programVariants(p: Program): Generator<Program> {
  for (let i = 0; i < p.helpers.length; i++) yield { ...p, helpers: without(p.helpers, i) };
  for (let i = 0; i < p.main.params.length; i++) yield { ...p, main: { ...p.main, params: without(p.main.params, i) } };
  for (const body of listVariants(p.main.body)) yield { ...p, main: { ...p.main, body } };
  for (let h = 0; h < p.helpers.length; h++)
    for (const body of listVariants(p.helpers[h]!.body))
      yield { ...p, helpers: p.helpers.map((f, i) => (i === h ? { ...f, body } : f)) };
  // Plain forms last: an arrow function as a declaration.
  if (p.main.arrow) yield { ...p, main: { ...p.main, arrow: false } };
}

function without<T>(xs: T[], i: number): T[] {
  return [...xs.slice(0, i), ...xs.slice(i + 1)];
}

function replaced<T>(xs: T[], i: number, ys: T[]): T[] {
  return [...xs.slice(0, i), ...ys, ...xs.slice(i + 1)];
}

/** The statement lists inside a statement. */
function bodies(s: Stmt): Stmt[][] {
  switch (s.k) {
    case "if":
      return s.else ? [s.then, s.else] : [s.then];
    case "for":
    case "forOf":
    case "while":
    case "do":
    case "block":
      return [s.body];
    default:
      return [];
  }
}

function* listVariants(list: Stmt[]): Generator<Stmt[]> {
  // Remove halves, then single statements (the last statement is usually the return).
  if (list.length > 3) {
    const half = Math.floor(list.length / 2);
    yield [...list.slice(half, list.length)];
    yield [...list.slice(0, half - 1), list[list.length - 1]!];
  }
  for (let i = 0; i < list.length; i++) yield without(list, i);
  for (let i = 0; i < list.length; i++) for (const body of bodies(list[i]!)) yield replaced(list, i, body);
  for (let i = 0; i < list.length; i++) for (const s of stmtVariants(list[i]!)) yield replaced(list, i, [s]);
}

function* stmtVariants(s: Stmt): Generator<Stmt> {
  switch (s.k) {
    case "decl":
      if (s.kind === "let") yield { ...s, kind: "const" };
      for (const init of exprVariants(s.init)) yield { ...s, init };
      return;
    case "bdecl":
      for (const c of condVariants(s.c)) yield { ...s, c };
      return;
    case "assign":
      if (s.op !== "=") yield { ...s, op: "=" };
      for (const value of exprVariants(s.value)) yield { ...s, value };
      return;
    case "store":
      if (s.op !== "=") yield { ...s, op: "=" };
      for (const value of exprVariants(s.value)) yield { ...s, value };
      for (const i of exprVariants(s.i)) yield { ...s, i };
      return;
    case "fstore":
      if (s.op !== "=") yield { ...s, op: "=" };
      for (const value of exprVariants(s.value)) yield { ...s, value };
      return;
    case "rassign":
      for (const value of exprVariants(s.value)) yield { ...s, value };
      return;
    case "return":
      for (const e of exprVariants(s.e)) yield { ...s, e };
      return;
    case "if":
      if (s.else) yield { k: "if", c: s.c, then: s.then };
      if (s.else) yield { k: "if", c: { k: "not", a: s.c }, then: s.else };
      for (const c of condVariants(s.c)) yield { ...s, c };
      for (const then of listVariants(s.then)) yield { ...s, then };
      if (s.else) for (const e of listVariants(s.else)) yield { ...s, else: e };
      return;
    case "for":
      if (s.init.length > 1) yield { ...s, init: s.init.slice(0, 1), update: s.update.slice(0, 1) };
      for (const test of condVariants(s.test)) yield { ...s, test };
      for (let i = 0; i < s.init.length; i++)
        for (const value of exprVariants(s.init[i]!.value))
          yield { ...s, init: s.init.map((x, j) => (j === i ? { ...x, value } : x)) };
      for (const body of listVariants(s.body)) yield { ...s, body };
      return;
    case "while":
    case "do":
      for (const c of condVariants(s.c)) yield { ...s, c };
      for (const body of listVariants(s.body)) yield { ...s, body };
      return;
    case "forOf":
    case "block":
      for (const body of listVariants(s.body)) yield { ...s, body };
      return;
    default:
      return;
  }
}

/** Whether an expression is an array or a record (these are only ever replaced by themselves). */
function isArray(e: Expr): boolean {
  return (
    e.k === "avar" ||
    e.k === "rvar" ||
    e.k === "obj" ||
    e.k === "newArray" ||
    e.k === "arrayLit" ||
    e.k === "slice" ||
    e.k === "map" ||
    (e.k === "call" && e.ret !== "number")
  );
}

/** The number-valued direct subexpressions. */
function children(e: Expr): Expr[] {
  switch (e.k) {
    case "neg":
      return [e.a];
    case "bin":
      return [e.a, e.b];
    case "call":
      return e.args.filter((a) => !isArray(a));
    case "cond":
      return [e.a, e.b];
    default:
      return [];
  }
}

function* exprVariants(e: Expr): Generator<Expr> {
  if (isArray(e)) {
    if (e.k === "arrayLit")
      for (let i = 0; i < e.items.length; i++)
        for (const x of exprVariants(e.items[i]!)) yield { ...e, items: e.items.map((y, j) => (j === i ? x : y)) };
    if (e.k === "call") yield* argVariants(e);
    if (e.k === "obj") {
      // A spread copy without its spread (then every field must be given: else invalid, discarded).
      if (e.spread) yield { k: "obj", fields: e.fields };
      for (let i = 0; i < e.fields.length; i++)
        for (const x of exprVariants(e.fields[i]!.e))
          yield { ...e, fields: e.fields.map((f, j) => (j === i ? { ...f, e: x } : f)) };
    }
    return;
  }
  if (e.k === "num") {
    for (const v of [0, 1, 2]) if (v !== e.v && (Math.abs(e.v) > v || !Number.isInteger(e.v))) yield { k: "num", v };
    return;
  }
  if (e.k !== "var") yield { k: "num", v: 1 };
  yield* children(e);
  switch (e.k) {
    case "neg":
      for (const a of exprVariants(e.a)) yield { ...e, a };
      return;
    case "bin":
      for (const a of exprVariants(e.a)) yield { ...e, a };
      for (const b of exprVariants(e.b)) yield { ...e, b };
      return;
    case "call":
      yield* argVariants(e);
      return;
    case "index":
      for (const i of exprVariants(e.i)) yield { ...e, i };
      return;
    case "cond":
      for (const c of condVariants(e.c)) yield { ...e, c };
      for (const a of exprVariants(e.a)) yield { ...e, a };
      for (const b of exprVariants(e.b)) yield { ...e, b };
      return;
    default:
      return;
  }
}

function* argVariants(e: Extract<Expr, { k: "call" }>): Generator<Expr> {
  for (let i = 0; i < e.args.length; i++)
    for (const a of exprVariants(e.args[i]!)) yield { ...e, args: e.args.map((x, j) => (j === i ? a : x)) };
}

function* condVariants(c: Cond): Generator<Cond> {
  switch (c.k) {
    case "and":
    case "or":
      yield c.a;
      yield c.b;
      for (const a of condVariants(c.a)) yield { ...c, a };
      for (const b of condVariants(c.b)) yield { ...c, b };
      return;
    case "not":
      yield c.a;
      for (const a of condVariants(c.a)) yield { ...c, a };
      return;
    case "cmp":
      for (const a of exprVariants(c.a)) yield { ...c, a };
      for (const b of exprVariants(c.b)) yield { ...c, b };
      return;
    default:
      return;
  }
}
