/**
 * The one traversal of generated statements (CodeStatement), as src/ir-walk.ts is of the graph:
 * the transform's dead-code pass and the simplify stage go through these.
 */
import type { CodeFunction, CodeStatement, Expr } from "./ir.js";

/** Adds every name `e` reads to `into`. */
export function reads(e: Expr, into: Set<string>): void {
  if (e.kind === "var") into.add(e.name);
  else if (e.kind === "op") for (const a of e.args) reads(a, into);
}

/** The statement lists nested in `s`: an `if`'s arms, a `while`'s head and body, a `repeat`'s or `for`'s body. */
export function innerCode(s: CodeStatement): CodeStatement[][] {
  if (s.kind === "if") return [s.then, s.else];
  if (s.kind === "while") return [s.head, s.body];
  if (s.kind === "repeat" || s.kind === "for") return [s.body];
  return [];
}

/** Every statement in `statements`, nested ones included. */
export function* allStatements(statements: CodeStatement[]): Generator<CodeStatement> {
  for (const s of statements) {
    yield s;
    for (const inner of innerCode(s)) yield* allStatements(inner);
  }
}

/** The expressions a statement holds itself (not those of the statements nested in it). */
export function ownExprs(s: CodeStatement): Expr[] {
  switch (s.kind) {
    case "if":
    case "while":
      return [s.cond];
    case "repeat":
      return [s.from];
    case "for":
      return [s.init, s.cond];
    case "let":
      return s.init !== undefined && typeof s.init !== "boolean" ? [s.init] : [];
    case "store":
      return [s.index, s.expr];
    case "push":
      return s.values;
    case "call":
      return s.args;
    case "fields":
      return s.fields.map((f) => f.fallback);
    case "const":
    case "set":
    case "destructure":
    case "accumulate":
      return [s.expr];
    default:
      return [];
  }
}

/**
 * The names a statement declares at its own level (not in the blocks nested in it); with
 * `counters`, also the counter a loop or an array addition declares.
 */
export function declaredNames(s: CodeStatement, counters = false): string[] {
  switch (s.kind) {
    case "const":
    case "let":
    case "pop":
      return [s.name];
    case "destructure":
      return s.names.filter((n): n is string => n !== null);
    case "fields":
      return s.fields.map((x) => x.name);
    case "for":
    case "repeat":
    case "addArray":
      return counters ? [s.counter] : [];
    default:
      return [];
  }
}

/** The names a statement reads directly, besides its expressions: arrays, tapes, accumulators. */
export function ownNames(s: CodeStatement): string[] {
  switch (s.kind) {
    case "store":
      return [s.array];
    case "addArray":
      return [s.target, s.source];
    case "push":
    case "pop":
    case "release":
      return [s.tape];
    case "fields":
      return [s.source];
    case "increment":
    case "accumulate":
      return [s.name];
    default:
      return [];
  }
}

/** Rewrites in place every expression `s` holds itself (not those of its nested statements). */
export function mapOwnExprs(s: CodeStatement, f: (e: Expr) => Expr): void {
  switch (s.kind) {
    case "if":
    case "while":
      s.cond = f(s.cond);
      break;
    case "repeat":
      s.from = f(s.from);
      break;
    case "for":
      s.init = f(s.init);
      s.cond = f(s.cond);
      break;
    case "let":
      if (s.init !== undefined && typeof s.init !== "boolean") s.init = f(s.init);
      break;
    case "store":
      s.index = f(s.index);
      s.expr = f(s.expr);
      break;
    case "push":
      s.values = s.values.map(f);
      break;
    case "call":
      s.args = s.args.map(f);
      break;
    case "fields":
      for (const field of s.fields) field.fallback = f(field.fallback);
      break;
    case "const":
    case "set":
    case "destructure":
    case "accumulate":
      s.expr = f(s.expr);
  }
}

/** The expressions a function returns, in a fixed order (`setReturned` takes them back in it). */
export function returnedExprs(r: CodeFunction["returns"]): Expr[] {
  switch (r.kind) {
    case "entry":
      return [r.value, ...r.grads.map((g) => g.value), ...(r.hvps ?? []).map((g) => g.value)];
    case "tuple":
      return r.values;
    case "tangent":
      return [r.value, r.tangent];
    case "value":
      return [r.value];
    case "driver":
    case "none":
      return [];
  }
}

/** Puts rewritten `returnedExprs(r)` back into `r`. */
export function setReturned(r: CodeFunction["returns"], values: Expr[]): void {
  switch (r.kind) {
    case "entry":
      r.value = values[0]!;
      r.grads.forEach((g, i) => (g.value = values[i + 1]!));
      r.hvps?.forEach((g, i) => (g.value = values[i + 1 + r.grads.length]!));
      break;
    case "tuple":
      r.values = values;
      break;
    case "tangent":
      [r.value, r.tangent] = [values[0]!, values[1]!];
      break;
    case "value":
      r.value = values[0]!;
  }
}
