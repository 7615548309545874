/**
 * Work arrays refilled in an outer loop, the pattern of GMM's `xcentered`: a Float64Array made
 * once, filled at the start of each iteration of a loop, then read element by element in loops
 * inside it. The reverse sweep re-reads such arrays from a copy taped once per iteration
 * (src/transform/reverse/elements.ts) when nothing writes them between the reads and the end of
 * the iteration. The main generator almost never makes this shape, so some programs get one,
 * prepended to `f`'s body, with the variants that decide whether the copy is right: a write after
 * the reads, a partial refill, a fill that reads the previous iteration's elements, reads under a
 * condition or in a nested loop, a write through an alias, a loop that runs zero times. Its sum is
 * added to every `return` of `f`, so that the array's elements reach the result.
 *
 * It draws from a random stream of its own, so the programs that get none are the ones the
 * generator gave before (fuzz/FINDINGS.md cites them by seed and number).
 */
import type { Cond, Expr, Fn, Stmt } from "./ast.js";
import { math } from "./catalogue.js";

const num = (v: number): Expr => ({ k: "num", v });
const v = (name: string): Expr => ({ k: "var", name });
const bin = (op: "+" | "-" | "*", a: Expr, b: Expr): Expr => ({ k: "bin", op, a, b });
const cmp = (op: "<" | ">", a: Expr, b: Expr): Cond => ({ k: "cmp", op, a, b });

/** Which variants a work-array pattern has (all independent draws). */
export interface WorkArrayShape {
  length: number;
  /** How the array's length is written in `new Float64Array(...)` and in the loops over it. */
  bound: "literal" | "const" | "length";
  trips: number;
  partialFill: boolean;
  fillReadsOld: boolean;
  writeAfterRead: boolean;
  aliasWrite: boolean;
  readUnderIf: boolean;
  nestedRead: boolean;
  loopCarried: boolean;
}

/**
 * `f` with a work-array pattern prepended (about one program in four), or `f` itself.
 * `random` is the pattern's own stream; `name` makes fresh names.
 */
export function withWorkArray(f: Fn, random: () => number, name: (prefix: string) => string): Fn {
  const scalars = f.params.filter((p) => p.type === "number").map((p) => p.name);
  if (random() >= 0.25 || f.ret !== "number" || scalars.length === 0) return f;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const chance = (p: number) => random() < p;
  const shape: WorkArrayShape = {
    length: pick([2, 3, 4]),
    bound: pick(["literal", "const", "length"] as const),
    trips: pick([0, 1, 2, 3, 3]),
    partialFill: chance(0.2),
    fillReadsOld: chance(0.25),
    writeAfterRead: chance(0.2),
    aliasWrite: chance(0.15),
    readUnderIf: chance(0.2),
    nestedRead: chance(0.25),
    loopCarried: chance(0.3),
  };
  const names = { d: name("d"), w: name("w"), s: name("s"), i: name("i"), j: name("j"), k: name("k"), u: name("u") };
  const pattern = workArrayPattern(shape, names, () => v(pick(scalars)), pick);
  return { ...f, body: [...pattern, ...f.body.map((s) => addToReturns(s, names.s))] };
}

interface Names {
  d: string;
  w: string;
  s: string;
  i: string;
  j: string;
  k: string;
  u: string;
}

function workArrayPattern(
  shape: WorkArrayShape,
  n: Names,
  param: () => Expr,
  pick: <T>(xs: readonly T[]) => T,
): Stmt[] {
  const at = (i: Expr): Expr => ({ k: "index", arr: n.w, i });
  const len: Expr =
    shape.bound === "length" ? { k: "len", arr: n.w } : shape.bound === "const" ? v(n.d) : num(shape.length);
  const counted = (c: string, bound: Expr, body: Stmt[]): Stmt => ({
    k: "for",
    init: [{ name: c, value: num(0) }],
    test: cmp("<", v(c), bound),
    update: [{ name: c, op: "++" }],
    body,
  });
  // The fill: each element from the parameters and the counters, maybe from the running sum
  // (carried from the previous iteration) or from the element's previous value.
  const fresh = pick([
    () => math("sin", bin("+", bin("*", param(), bin("+", v(n.j), num(1))), v(n.i))),
    () => bin("+", bin("*", param(), v(n.j)), bin("*", param(), v(n.i))),
    () => bin("*", math("exp", bin("*", num(-0.5), bin("*", param(), v(n.j)))), bin("+", v(n.i), num(1))),
    () => math("cos", bin("-", param(), bin("*", num(0.5), v(n.j)))),
  ])();
  let fill = shape.loopCarried ? bin("+", fresh, math("tanh", v(n.s))) : fresh;
  if (shape.fillReadsOld) fill = bin("+", bin("*", num(0.5), at(v(n.j))), fill);
  const fillBound = shape.partialFill ? num(shape.length - 1) : len;
  // The reads: a sum over the elements, one of three forms, maybe over pairs, maybe conditional.
  const element = shape.nestedRead ? bin("*", at(v(n.j)), at(v(n.k))) : at(v(n.j));
  const update: Stmt = pick([
    (): Stmt => ({ k: "assign", name: n.s, op: "+=", value: bin("*", element, param()) }),
    (): Stmt => ({
      k: "assign",
      name: n.s,
      op: "=",
      value: bin("+", bin("*", num(0.5), v(n.s)), math("sin", element)),
    }),
    (): Stmt => ({
      k: "assign",
      name: n.s,
      op: "+=",
      value: bin("*", element, at(bin("-", num(shape.length - 1), v(n.j)))),
    }),
  ])();
  let read: Stmt = counted(n.j, len, shape.nestedRead ? [counted(n.k, len, [update])] : [update]);
  if (shape.readUnderIf) read = { k: "if", c: cmp(">", param(), num(0.3)), then: [read] };
  const iteration: Stmt[] = [
    counted(n.j, fillBound, [{ k: "store", arr: n.w, i: v(n.j), op: "=", value: fill }]),
    read,
  ];
  if (shape.writeAfterRead)
    iteration.push({ k: "store", arr: n.w, i: num(0), op: "=", value: bin("*", num(0.5), v(n.s)) });
  const out: Stmt[] = [];
  if (shape.bound === "const")
    out.push({ k: "decl", kind: "const", name: n.d, type: "number", init: num(shape.length) });
  out.push(
    {
      k: "decl",
      kind: "const",
      name: n.w,
      type: "Float64Array",
      init: { k: "newArray", type: "Float64Array", len: shape.length },
    },
    { k: "decl", kind: "let", name: n.s, type: "number", init: num(0) },
  );
  if (shape.aliasWrite) {
    out.push({
      k: "decl",
      kind: "const",
      name: n.u,
      type: "Float64Array",
      init: { k: "avar", name: n.w, type: "Float64Array" },
    });
    iteration.push({ k: "store", arr: n.u, i: num(shape.length - 1), op: "+=", value: bin("*", param(), v(n.s)) });
  }
  out.push(counted(n.i, num(shape.trips), iteration));
  return out;
}

/** `s` with every `return e` of `f`'s own body (not a helper's) made `return e + sum`. */
function addToReturns(s: Stmt, sum: string): Stmt {
  const all = (body: Stmt[]) => body.map((t) => addToReturns(t, sum));
  switch (s.k) {
    case "return":
      return { k: "return", e: bin("+", s.e, v(sum)) };
    case "if":
      return { ...s, then: all(s.then), ...(s.else ? { else: all(s.else) } : {}) };
    case "for":
    case "forOf":
    case "while":
    case "do":
    case "block":
      return { ...s, body: all(s.body) };
    default:
      return s;
  }
}
