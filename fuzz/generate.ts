/**
 * The program generator: from a seed, a random program in the subset adgen accepts (README,
 * "What adgen accepts"), as an AST. One method per construct kind. Programs are valid TypeScript
 * by construction: every name is declared before it is read, indices stay in bounds, loops are
 * bounded by a counter, `break`/`continue`/`return` end their block, and the arguments of Math
 * functions stay in their smooth domain (see catalogue.ts).
 */
import type { ArrayType, Cond, Expr, Fn, ForUpdate, GateDef, Param, Program, Stmt, ValueType } from "./ast.js";
import {
  builtinScalarGates,
  customGates,
  elementwiseArrayGates,
  math,
  mathConstants,
  mathFunctions,
  operatorForms,
  reducingArrayGates,
} from "./catalogue.js";
import { rng } from "../test/support/numeric.js";
import { withWorkArray } from "./work-arrays.js";

type Var =
  | { kind: "num"; mutable: boolean }
  /** A non-negative integer counter in [0, max]: an index, never assigned by the program. */
  | { kind: "ctr"; max: number }
  | { kind: "arr"; type: ArrayType; len: number; writable: boolean }
  /** A record of type R: `writable` for a local one made by the function (its fields may be written). */
  | { kind: "rec"; mutable: boolean; writable: boolean }
  | { kind: "bool" };

/** A callable helper as the generator sees it. */
interface Helper {
  name: string;
  params: Param[];
  lengths: number[];
  ret: ValueType;
  retLen: number;
}

/** Where the generator is: what is in scope and what may appear here. */
interface Place {
  loops: number;
  /** Inside a helper: the return type; `main` may return arrays. */
  ret: ValueType;
  retLen: number;
  depth: number;
}

export class Generator {
  private readonly random: () => number;
  private scopes: Map<string, Var>[] = [];
  private fresh = 0;
  private budget = 0;
  private helpers: Helper[] = [];
  private gates: GateDef[] = [];
  private readonly imports = new Set<string>();
  private consts: { name: string; v: number }[] = [];
  /** The fields of the program's record type R, if it has one. */
  private record: string[] | undefined;

  constructor(private readonly seed: number) {
    this.random = rng(seed);
  }

  // ------------------------------------------------------------ randomness

  private chance(p: number): boolean {
    return this.random() < p;
  }
  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }
  readonly pick = <T>(xs: readonly T[]): T => xs[Math.floor(this.random() * xs.length)]!;
  /** Picks by weight among the options whose weight is positive. */
  private weighted<T>(options: [number, () => T][]): T {
    const live = options.filter(([w]) => w > 0);
    let r = this.random() * live.reduce((s, [w]) => s + w, 0);
    for (const [w, f] of live) if ((r -= w) < 0) return f();
    return live[live.length - 1]![1]();
  }
  private name(prefix: string): string {
    return `${prefix}${++this.fresh}`;
  }

  // ------------------------------------------------------------ scopes

  private lookup(name: string): Var | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]!.get(name);
      if (v) return v;
    }
    return undefined;
  }
  private declare(name: string, v: Var) {
    this.scopes[this.scopes.length - 1]!.set(name, v);
  }
  private visible(): [string, Var][] {
    const seen = new Map<string, Var>();
    for (const s of this.scopes) for (const [k, v] of s) seen.set(k, v);
    return [...seen];
  }
  private vars<K extends Var["kind"]>(kind: K): [string, Extract<Var, { kind: K }>][] {
    return this.visible().filter(([, v]) => v.kind === kind) as [string, Extract<Var, { kind: K }>][];
  }
  private arrays(filter: (v: Extract<Var, { kind: "arr" }>) => boolean = () => true) {
    return this.vars("arr").filter(([, v]) => filter(v));
  }
  private scoped<T>(f: () => T): T {
    this.scopes.push(new Map());
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }

  // ------------------------------------------------------------ programs

  program(): Program {
    this.consts = this.chance(0.3) ? [{ name: "K", v: this.pick([0.5, 2, 1.25]) }] : [];
    this.gates = customGates.filter(() => this.chance(0.25)).map((g) => ({ ...g }));
    // Whether the program has records is drawn from a stream of its own, so that programs without
    // records are the ones the seed gave before the fuzzer knew records (FINDINGS.md cites them).
    const own = rng(this.seed ^ 0x7ec0);
    this.record = own() < 0.35 ? [["x", "y"], ["x", "y", "z"], ["m"]][Math.floor(own() * 3)] : undefined;
    const nHelpers = this.weighted<number>([
      [3, () => 0],
      [3, () => 1],
      [2, () => 2],
    ]);
    const fns: Fn[] = [];
    for (let h = 0; h < nHelpers; h++) fns.push(this.helper(`h${h + 1}`));
    const main = this.main();
    main.fn = withWorkArray(main.fn, rng(this.seed ^ 0x3a11), (prefix) => this.name(prefix));
    return {
      consts: this.consts,
      ...(this.record ? { record: this.record } : {}),
      gates: this.gates,
      helpers: fns,
      main: main.fn,
      lengths: main.lengths,
      imports: [...this.imports].sort(),
    };
  }

  private globals() {
    const s = new Map<string, Var>();
    for (const c of this.consts) s.set(c.name, { kind: "num", mutable: false });
    return s;
  }

  private main(): { fn: Fn; lengths: Record<string, number> } {
    const params: Param[] = [];
    const lengths: Record<string, number> = {};
    const scope = this.globals();
    const scalars = this.int(1, 3);
    for (let i = 0; i < scalars; i++) params.push({ name: `x${i}`, type: "number" });
    const arrays = this.weighted<number>([
      [3, () => 0],
      [3, () => 1],
      [2, () => 2],
    ]);
    for (let i = 0; i < arrays; i++) {
      const type: ArrayType = this.chance(0.7) ? "Float64Array" : "number[]";
      params.push({ name: `a${i}`, type });
      lengths[`a${i}`] = this.pick([2, 3, 4, 6]);
    }
    const records = this.record ? this.int(1, 2) : 0;
    for (let i = 0; i < records; i++) params.push({ name: `r${i}`, type: "R" });
    for (const p of params)
      scope.set(
        p.name,
        p.type === "number"
          ? { kind: "num", mutable: false }
          : p.type === "R"
            ? { kind: "rec", mutable: false, writable: false }
            : { kind: "arr", type: p.type, len: lengths[p.name]!, writable: false },
      );
    const ret: ValueType = this.chance(0.15) ? "Float64Array" : "number";
    const retLen = this.pick([2, 3]);
    this.budget = this.int(4, 16);
    this.scopes = [scope];
    const body = this.functionBody({ loops: 0, ret, retLen, depth: 0 });
    return {
      fn: { name: "f", params, ret, body, exported: true, arrow: this.chance(0.2) },
      lengths,
    };
  }

  private helper(name: string): Fn {
    const params: Param[] = [];
    const lengths: number[] = [];
    const scope = this.globals();
    const takesArray = this.chance(0.4);
    if (takesArray) {
      params.push({ name: "v", type: "Float64Array" });
      lengths.push(this.pick([2, 3, 4]));
      scope.set("v", { kind: "arr", type: "Float64Array", len: lengths[0]!, writable: false });
    }
    for (let i = 0, n = this.int(takesArray ? 0 : 1, 2); i < n; i++) {
      params.push({ name: `p${i}`, type: "number" });
      lengths.push(0);
      scope.set(`p${i}`, { kind: "num", mutable: false });
    }
    if (params.length === 0) {
      params.push({ name: "p0", type: "number" });
      lengths.push(0);
      scope.set("p0", { kind: "num", mutable: false });
    }
    // Helpers of records: a record parameter (read, never written), a record result.
    if (this.record && this.chance(0.6)) {
      params.push({ name: "s", type: "R" });
      lengths.push(0);
      scope.set("s", { kind: "rec", mutable: false, writable: false });
    }
    const ret: ValueType =
      takesArray && this.chance(0.3) ? "Float64Array" : this.record && this.chance(0.4) ? "R" : "number";
    const retLen = this.pick([2, 3]);
    this.budget = this.int(1, 6);
    this.scopes = [scope];
    const body = this.functionBody({ loops: 0, ret, retLen, depth: 1 });
    this.helpers.push({ name, params, lengths, ret, retLen });
    return { name, params, ret, body, exported: false, arrow: this.chance(0.3) };
  }

  /** A function body: statements, then a final return. */
  private functionBody(place: Place): Stmt[] {
    // A function returning an array starts with the array it returns (it may return others).
    const out: Stmt[] = [];
    if (place.ret === "R") {
      const name = this.name("out");
      const init = this.objLit(false);
      this.declare(name, { kind: "rec", mutable: true, writable: true });
      out.push({ k: "decl", kind: "let", name, type: "R", init });
    } else if (place.ret !== "number") {
      const name = this.name("out");
      const type = place.ret;
      this.declare(name, { kind: "arr", type, len: place.retLen, writable: true });
      out.push({ k: "decl", kind: "const", name, type, init: { k: "newArray", type, len: place.retLen } });
    }
    const body = [...out, ...this.block(place, this.budget)];
    if (!ends(body)) body.push(this.returnStmt(place));
    return body;
  }

  // ------------------------------------------------------------ statements

  /** A statement list of about `size` statements; it may end with a jump (then nothing follows). */
  private block(place: Place, size: number): Stmt[] {
    const out: Stmt[] = [];
    for (let i = 0; i < size && this.budget > 0; i++) {
      this.budget--;
      const s = this.statement(place, i === size - 1);
      out.push(...s);
      if (ends(s)) break;
    }
    return out;
  }

  private statement(place: Place, last: boolean): Stmt[] {
    const nest = place.depth < 3 ? 1 : 0;
    const mutable = this.vars("num").filter(([, v]) => v.mutable).length > 0;
    const writable = this.arrays((v) => v.writable).length > 0;
    const recs = this.record ? this.vars("rec") : [];
    return this.weighted<Stmt[]>([
      [this.record ? 2 : 0, () => [this.recDeclStmt(place)]],
      [recs.some(([, v]) => v.writable) ? 3 : 0, () => [this.fieldStoreStmt()]],
      [recs.some(([, v]) => v.mutable) ? 3 : 0, () => [this.recAssignStmt(place)]],
      [4, () => [this.declStmt()]],
      [mutable ? 4 : 0, () => [this.assignStmt(place)]],
      [mutable ? 1 : 0, () => [this.incrStmt()]],
      [2, () => [this.arrayDeclStmt(place)]],
      [writable ? 3 : 0, () => [this.storeStmt()]],
      [1, () => [this.boolDeclStmt()]],
      [3 * nest, () => [this.ifStmt(place)]],
      [3 * nest, () => [this.forStmt(place)]],
      [nest, () => this.whileStmt(place)],
      [nest, () => this.doWhileStmt(place)],
      [this.arrays().length > 0 ? nest : 0, () => [this.forOfStmt(place)]],
      [nest, () => [this.shadowBlock(place)]],
      [place.loops > 0 ? 1 : 0, () => [this.jumpIf(place)]],
      [place.loops > 0 && last ? 1 : 0, () => [{ k: this.chance(0.5) ? "break" : "continue" }]],
    ]);
  }

  private declStmt(): Stmt {
    const name = this.name("v");
    const kind = this.chance(0.6) ? "let" : "const";
    const init = this.num(2);
    this.declare(name, { kind: "num", mutable: kind === "let" });
    return { k: "decl", kind, name, type: "number", init };
  }

  private assignStmt(place: Place): Stmt {
    const [name] = this.pick(this.vars("num").filter(([, v]) => v.mutable));
    // Squaring in a loop overflows (then 0 * Infinity makes gradients NaN, rightly).
    const op = this.pick([
      "=",
      "=",
      "+=",
      "-=",
      "*=",
      "/=",
      "%=",
      ...(place.loops === 0 ? (["**="] as const) : []),
    ] as const);
    // `/=` divides by something bounded away from 0, `%=` by a constant, `**=` squares.
    // A plain copy of another variable (in a loop, the carried value then comes from outside it).
    const others = this.vars("num").filter(([n]) => n !== name);
    if (op === "=" && others.length > 0 && this.chance(0.3))
      return { k: "assign", name, op, value: { k: "var", name: this.pick(others)[0] } };
    if (op === "%=") return { k: "assign", name, op, value: num(this.pick([2, 3])) };
    if (op === "**=") return { k: "assign", name, op, value: num(2) };
    const e = op === "/=" ? this.num(1) : undefined;
    const value = e ? bin("+", num(1.5), bin("*", e, e)) : this.num(2, name);
    // A factor below 1 in size: repeated products in loops would overflow (and an overwritten
    // Infinity makes a gradient 0 * Infinity = NaN, as the README documents).
    return { k: "assign", name, op, value: op === "*=" ? math("tanh", value) : value };
  }

  private incrStmt(): Stmt {
    const [name] = this.pick(this.vars("num").filter(([, v]) => v.mutable));
    return { k: "incr", name, op: this.pick(["++", "--"] as const) };
  }

  private boolDeclStmt(): Stmt {
    const name = this.name("c");
    const c = this.cond(1);
    this.declare(name, { kind: "bool" });
    return { k: "bdecl", name, c };
  }

  /** A local array: a fresh one, a copy, a literal, an alias of a local one, or an array gate's result. */
  private arrayDeclStmt(place: Place): Stmt {
    const name = this.name("q");
    const sources = this.arrays();
    const aliasable = this.arrays((v) => v.writable);
    const f64 = this.arrays((v) => v.type === "Float64Array");
    let init: Expr;
    let v: Extract<Var, { kind: "arr" }>;
    this.weighted<void>([
      [
        3,
        () => {
          const type: ArrayType = this.chance(0.7) ? "Float64Array" : "number[]";
          const len = this.pick([2, 3, 4]);
          init = { k: "newArray", type, len };
          v = { kind: "arr", type, len, writable: true };
        },
      ],
      [
        sources.length > 0 ? 3 : 0,
        () => {
          const [src, s] = this.pick(sources);
          init = { k: "slice", arr: src, type: s.type };
          v = { kind: "arr", type: s.type, len: s.len, writable: true };
        },
      ],
      [
        // `a.slice(start)`, `a.slice(start, end)`, positions from the end when negative; never empty.
        sources.length > 0 ? 1 : 0,
        () => {
          const [src, s] = this.pick(sources);
          const start = this.int(-s.len + 1, s.len - 1);
          const from = start < 0 ? s.len + start : start;
          const end = this.chance(0.5)
            ? undefined
            : this.pick([from + 1, s.len, -1].filter((e) => (e < 0 ? s.len + e : e) > from));
          const to = end === undefined ? s.len : end < 0 ? s.len + end : end;
          init =
            end === undefined
              ? { k: "slice", arr: src, type: s.type, start }
              : { k: "slice", arr: src, type: s.type, start, end };
          v = { kind: "arr", type: s.type, len: to - from, writable: true };
        },
      ],
      [
        sources.length > 0 ? 2 : 0,
        () => {
          const [src, s] = this.pick(sources);
          const [e, i] = [this.name("e"), this.name("i")];
          const body = this.scoped(() => {
            this.declare(e, { kind: "num", mutable: false });
            this.declare(i, { kind: "ctr", max: s.len - 1 });
            return this.num(2, e);
          });
          init = { k: "map", arr: src, type: s.type, v: e, i, body };
          v = { kind: "arr", type: s.type, len: s.len, writable: true };
        },
      ],
      [
        2,
        () => {
          const items = Array.from({ length: this.int(2, 4) }, () => this.num(1));
          init = { k: "arrayLit", items };
          v = { kind: "arr", type: "number[]", len: items.length, writable: true };
        },
      ],
      [
        aliasable.length > 0 ? 2 : 0,
        () => {
          const [src, s] = this.pick(aliasable);
          init = { k: "avar", name: src, type: s.type };
          v = { ...s };
        },
      ],
      [
        // Inside loops too: each iteration's result is a new array.
        f64.length > 0 ? 3 : 0,
        () => {
          const call = this.arrayGateCall();
          init = call.e;
          v = { kind: "arr", type: "Float64Array", len: call.len, writable: true };
        },
      ],
      [
        place.loops === 0 && this.helpers.some((h) => isArrayType(h.ret) && this.canCall(h)) ? 2 : 0,
        () => {
          const h = this.pick(this.helpers.filter((h) => isArrayType(h.ret) && this.canCall(h)));
          init = this.helperCall(h);
          v = { kind: "arr", type: h.ret as ArrayType, len: h.retLen, writable: true };
        },
      ],
    ]);
    this.declare(name, v!);
    return { k: "decl", kind: "const", name, type: v!.type, init: init! };
  }

  /** add/mul/relu elementwise, or matvec/matmul with shapes that fit the arrays at hand. */
  private arrayGateCall(): { e: Expr; len: number } {
    const f64 = this.arrays((v) => v.type === "Float64Array");
    const [a, av] = this.pick(f64);
    const avar = (n: string): Expr => ({ k: "avar", name: n, type: "Float64Array" });
    const call = (fn: string, args: Expr[]): Expr => {
      this.imports.add(fn);
      return { k: "call", fn, args, ret: "Float64Array" };
    };
    return this.weighted<{ e: Expr; len: number }>([
      [
        3,
        () => {
          const g = this.pick(elementwiseArrayGates);
          const same = f64.filter(([, v]) => v.len === av.len);
          const args = [avar(a), ...(g.arrays === 2 ? [avar(this.pick(same)[0])] : [])];
          return { e: call(g.name, args), len: av.len };
        },
      ],
      [
        2,
        () => {
          // matvec(W, x, n, d): W has n*d elements, x has d.
          const xs = f64.filter(([, v]) => av.len % v.len === 0);
          const [x, xv] = this.pick(xs);
          const rows = av.len / xv.len;
          return { e: call("matvec", [avar(a), avar(x), num(rows), num(xv.len)]), len: rows };
        },
      ],
      [
        1,
        () => {
          // matmul(x, w, n, d, m): x is n×d, w is d×m; d = 1 always fits (an outer product).
          const [w, wv] = this.pick(f64);
          const d = this.pick([1, ...[2, 3].filter((k) => av.len % k === 0 && wv.len % k === 0)]);
          return {
            e: call("matmul", [avar(a), avar(w), num(av.len / d), num(d), num(wv.len / d)]),
            len: (av.len / d) * (wv.len / d),
          };
        },
      ],
    ]);
  }

  private storeStmt(): Stmt {
    const [arr, v] = this.pick(this.arrays((v) => v.writable));
    const op = this.pick(["=", "=", "+=", "-=", "*="] as const);
    const value = this.num(2);
    return { k: "store", arr, i: this.index(v.len), op, value: op === "*=" ? math("tanh", value) : value };
  }

  /** `if`, maybe `else if` / `else`, arms that may return early (outside loops). */
  private ifStmt(place: Place): Stmt {
    const c = this.cond(2);
    const inner = { ...place, depth: place.depth + 1 };
    const arm = () => this.scoped(() => this.armBody(inner));
    const then = arm();
    const rest = this.weighted<Stmt[] | undefined>([
      [2, () => undefined],
      [3, () => arm()],
      [1, () => [this.ifStmt(place)]],
    ]);
    return rest ? { k: "if", c, then, else: rest } : { k: "if", c, then };
  }

  /** An arm: a few statements, sometimes ending in an early return (inside a loop, of a number only). */
  private armBody(place: Place): Stmt[] {
    const body = this.block(place, this.int(1, 3));
    const returns = place.loops === 0 || place.ret === "number";
    if (!ends(body) && returns && this.chance(place.loops === 0 ? 0.3 : 0.15)) body.push(this.returnStmt(place));
    return body;
  }

  /** `if (cond) break;`, `if (cond) continue;`, `if (cond) return e;`, or an arm that does work before jumping. */
  private jumpIf(place: Place): Stmt {
    const jump: Stmt = this.weighted<Stmt>([
      [2, () => ({ k: "break" })],
      [2, () => ({ k: "continue" })],
      [place.ret === "number" ? 1 : 0, () => this.returnStmt(place)],
    ]);
    const before = this.chance(0.4) ? this.scoped(() => this.block({ ...place, depth: place.depth + 1 }, 1)) : [];
    return { k: "if", c: this.cond(1), then: ends(before) ? before : [...before, jump] };
  }

  /** Counted loops: up, down, by two, over `.length`, two counters (`i++, j--`), reusing an outer counter's name. */
  private forStmt(place: Place): Stmt {
    const counters = this.vars("ctr");
    const outer = counters.length > 0 && this.chance(0.25) ? this.pick(counters)[0] : undefined;
    const i = outer ?? this.name("i");
    const withLength = this.arrays();
    const byLength = withLength.length > 0 && this.chance(0.3) ? this.pick(withLength) : undefined;
    const trips = byLength ? byLength[1].len : this.int(0, 3);
    const bound: Expr = byLength ? { k: "len", arr: byLength[0] } : num(trips);
    const form = this.pick(["up", "up", "up", "down", "down", "two", "two", "pair"] as const);
    const body = (ctrs: [string, number][]) =>
      this.scoped(() => {
        for (const [c, max] of ctrs) this.declare(c, { kind: "ctr", max });
        return this.loopBody(place);
      });
    const v = (n: string): Expr => ({ k: "var", name: n });
    const max = Math.max(trips - 1, 0);
    switch (form) {
      case "up":
        return {
          k: "for",
          init: [{ name: i, value: num(0) }],
          test: cmp("<", v(i), bound),
          update: [{ name: i, op: "++" }],
          body: body([[i, max]]),
        };
      case "down":
        return {
          k: "for",
          init: [{ name: i, value: bin("-", bound, num(1)) }],
          test: cmp(">=", v(i), num(0)),
          update: [{ name: i, op: "--" }],
          body: body([[i, max]]),
        };
      case "two":
        return {
          k: "for",
          init: [{ name: i, value: num(0) }],
          test: cmp("<", v(i), bound),
          update: [{ name: i, op: "+=", by: 2 }],
          body: body([[i, max]]),
        };
      case "pair": {
        const j = this.name("j");
        const update: ForUpdate[] = [
          { name: i, op: "++" },
          { name: j, op: "--" },
        ];
        return {
          k: "for",
          init: [
            { name: i, value: num(0) },
            { name: j, value: bin("-", bound, num(1)) },
          ],
          test: cmp("<", v(i), bound),
          update,
          body: body([
            [i, max],
            [j, max],
          ]),
        };
      }
    }
  }

  private loopBody(place: Place): Stmt[] {
    const inner = { ...place, loops: place.loops + 1, depth: place.depth + 1 };
    return this.block(inner, this.int(1, 4));
  }

  /** `let w = 0; while (w < K && cond) { w++; ... }`: bounded by its counter, maybe data-dependent. */
  private whileStmt(place: Place): Stmt[] {
    const w = this.name("w");
    const trips = this.int(1, 4);
    const data = this.chance(0.5) ? this.cond(0) : undefined;
    const bound = cmp("<", { k: "var", name: w }, num(trips));
    const c: Cond = data ? { k: "and", a: bound, b: data } : bound;
    this.declare(w, { kind: "ctr", max: trips });
    const body = this.scoped(() => [{ k: "incr", name: w, op: "++" } as Stmt, ...this.loopBody(place)]);
    return [
      { k: "decl", kind: "let", name: w, type: "number", init: num(0) },
      { k: "while", c, body },
    ];
  }

  /** `let w = 0; do { w++; ... } while (w < K && cond);`. */
  private doWhileStmt(place: Place): Stmt[] {
    const w = this.name("w");
    const trips = this.int(1, 4);
    const data = this.chance(0.5) ? this.cond(0) : undefined;
    this.declare(w, { kind: "ctr", max: trips });
    const body = this.scoped(() => [{ k: "incr", name: w, op: "++" } as Stmt, ...this.loopBody(place)]);
    const bound = cmp("<", { k: "var", name: w }, num(trips));
    const c: Cond = data
      ? this.chance(0.5)
        ? { k: "and", a: bound, b: data }
        : { k: "and", a: data, b: bound }
      : bound;
    return [
      { k: "decl", kind: "let", name: w, type: "number", init: num(0) },
      { k: "do", c, body },
    ];
  }

  private forOfStmt(place: Place): Stmt {
    const [arr, a] = this.pick(this.arrays());
    const name = this.name("e");
    const index = this.chance(0.3) ? this.name("i") : undefined;
    const body = this.scoped(() => {
      this.declare(name, { kind: "num", mutable: false });
      if (index) this.declare(index, { kind: "ctr", max: a.len - 1 });
      return this.loopBody(place);
    });
    return index ? { k: "forOf", name, index, arr, body } : { k: "forOf", name, arr, body };
  }

  /** A nested block that declares a name an outer scope has (number or array), then uses it. */
  private shadowBlock(place: Place): Stmt {
    const outer = this.visible().filter(([, v]) => v.kind === "num");
    return this.scoped(() => {
      const first: Stmt[] = [];
      if (outer.length > 0) {
        const [name] = this.pick(outer);
        // The initializer cannot read the name it declares (the temporal dead zone).
        const kind = this.chance(0.5) ? "let" : "const";
        const init = this.withHidden(name, () => this.num(1));
        this.declare(name, { kind: "num", mutable: kind === "let" });
        first.push({ k: "decl", kind, name, type: "number", init });
      }
      return { k: "block", body: [...first, ...this.block({ ...place, depth: place.depth + 1 }, this.int(1, 3))] };
    });
  }

  private withHidden<T>(name: string, f: () => T): T {
    const saved = this.scopes;
    this.scopes = saved.map((s) => new Map([...s].filter(([k]) => k !== name)));
    try {
      return f();
    } finally {
      this.scopes = saved;
    }
  }

  private returnStmt(place: Place): Stmt {
    if (place.ret === "number") return { k: "return", e: this.num(3) };
    if (place.ret === "R") {
      // A record the function made (never a parameter: the caller would get its own object back).
      const own = this.vars("rec").filter(([, v]) => v.writable);
      return {
        k: "return",
        e: own.length > 0 && this.chance(0.7) ? { k: "rvar", name: this.pick(own)[0] } : this.objLit(true),
      };
    }
    const fitting = this.arrays((v) => v.writable && v.len === place.retLen && v.type === place.ret);
    return { k: "return", e: { k: "avar", name: this.pick(fitting)[0], type: place.ret as ArrayType } };
  }

  // ------------------------------------------------------------ expressions

  /** A number expression of about `depth` levels; `prefer` is read more often (x = x * ...). */
  private num(depth: number, prefer?: string): Expr {
    if (depth <= 0 || this.chance(0.2)) return this.leaf(prefer);
    const sub = () => this.num(depth - 1, prefer);
    const helpers = this.helpers.filter((h) => h.ret === "number" && this.canCall(h));
    const f64 = this.arrays((v) => v.type === "Float64Array");
    return this.weighted<Expr>([
      [6, () => bin(this.pick(["+", "-", "*"] as const), sub(), sub())],
      [1, () => ({ k: "neg", a: sub() })],
      [2, () => this.pick(operatorForms)(sub, this.pick)],
      [5, () => mathFunctions[this.pick(Object.keys(mathFunctions))]!(sub, this.pick)],
      [2, () => ({ k: "cond", c: this.cond(depth - 1), a: sub(), b: sub() })],
      [helpers.length > 0 ? 3 : 0, () => this.helperCall(this.pick(helpers), sub)],
      [2, () => this.scalarGateCall(sub)],
      [f64.length > 0 ? 2 : 0, () => this.reducingGateCall()],
      [this.arrays().length > 0 ? 1 : 0, () => this.reduceCall(depth)],
      [this.arrays().length > 0 ? 1 : 0, () => this.extremumCall(sub)],
    ]);
  }

  /** `a.reduce((acc, e) => ..., init)`, or without `init`. */
  private reduceCall(depth: number): Expr {
    const [arr] = this.pick(this.arrays());
    const [acc, e] = [this.name("acc"), this.name("e")];
    const init = this.chance(0.6) ? this.num(1) : undefined;
    const body = this.scoped(() => {
      this.declare(acc, { kind: "num", mutable: false });
      this.declare(e, { kind: "num", mutable: false });
      // The accumulator goes through a bounded step: sums of products would overflow over long arrays.
      const step = this.num(Math.max(depth - 1, 1), e);
      return bin("+", bin("*", num(this.pick([0.5, 1, -0.5])), { k: "var", name: acc }), step);
    });
    return init ? { k: "reduce", arr, acc, v: e, body, init } : { k: "reduce", arr, acc, v: e, body };
  }

  /** `Math.max(...a)`, `Math.min(...a, x)`. */
  private extremumCall(sub: () => Expr): Expr {
    const [arr] = this.pick(this.arrays());
    return { k: "extremum", fn: this.pick(["max", "min"] as const), arr, rest: this.chance(0.4) ? [sub()] : [] };
  }

  private leaf(prefer?: string): Expr {
    const nums = this.vars("num");
    const ctrs = this.vars("ctr");
    const arrays = this.arrays();
    return this.weighted<Expr>([
      [prefer ? 4 : 0, () => ({ k: "var", name: prefer! })],
      [nums.length > 0 ? 8 : 0, () => ({ k: "var", name: this.pick(nums)[0] })],
      [3, () => num(this.pick([0.5, 2, 1.5, 3, 0.25, -1, 1e-1, 1]))],
      [ctrs.length > 0 ? 2 : 0, () => ({ k: "var", name: this.pick(ctrs)[0] })],
      [1, () => ({ k: "var", name: this.pick(mathConstants) })],
      [arrays.length > 0 ? 5 : 0, () => this.read()],
      [this.vars("rec").length > 0 ? 5 : 0, () => this.fieldRead()],
      [arrays.length > 0 ? 1 : 0, () => ({ k: "len", arr: this.pick(arrays)[0] })],
    ]);
  }

  private read(): Expr {
    const [arr, v] = this.pick(this.arrays());
    return { k: "index", arr, i: this.index(v.len) };
  }

  /** An index in [0, len): a constant, a counter that fits, `c % len`, `len - 1 - c`. */
  private index(len: number): Expr {
    const ctrs = this.vars("ctr");
    const fits = ctrs.filter(([, v]) => v.max < len);
    const v = (n: string): Expr => ({ k: "var", name: n });
    return this.weighted<Expr>([
      [2, () => num(this.int(0, len - 1))],
      [fits.length > 0 ? 4 : 0, () => v(this.pick(fits)[0])],
      [fits.length > 0 ? 1 : 0, () => bin("-", num(len - 1), v(this.pick(fits)[0]))],
      [ctrs.length > 0 ? 2 : 0, () => bin("%", v(this.pick(ctrs)[0]), num(len))],
      [ctrs.length > 0 ? 1 : 0, () => bin("%", bin("+", v(this.pick(ctrs)[0]), num(1)), num(len))],
    ]);
  }

  private cond(depth: number): Cond {
    const bools = this.vars("bool");
    const ctrs = this.vars("ctr");
    return this.weighted<Cond>([
      [5, () => cmp(this.pick(["<", ">", "<=", ">="] as const), this.num(1), this.num(1))],
      [
        ctrs.length > 0 ? 1 : 0,
        () => cmp(this.pick(["<", ">="] as const), { k: "var", name: this.pick(ctrs)[0] }, num(this.int(0, 2))),
      ],
      // `i === 1` inside `if (i === 0)` is a TypeScript error (the types do not overlap): compare `i % 2`.
      [
        ctrs.length > 0 ? 1 : 0,
        () =>
          cmp(
            this.pick(["===", "!=="] as const),
            bin("%", { k: "var", name: this.pick(ctrs)[0] }, num(2)),
            num(this.int(0, 1)),
          ),
      ],
      [bools.length > 0 ? 2 : 0, () => ({ k: "bvar", name: this.pick(bools)[0] })],
      [
        depth > 0 ? 2 : 0,
        () => ({ k: this.pick(["and", "or"] as const), a: this.cond(depth - 1), b: this.cond(depth - 1) }),
      ],
      [depth > 0 ? 1 : 0, () => ({ k: "not", a: this.cond(depth - 1) })],
      [
        depth > 0 && this.arrays().length > 0 ? 1 : 0,
        (): Cond => {
          const [arr] = this.pick(this.arrays());
          const e = this.name("e");
          const c = this.scoped(() => {
            this.declare(e, { kind: "num", mutable: false });
            return this.cond(depth - 1);
          });
          return { k: this.pick(["some", "every"] as const), arr, v: e, c };
        },
      ],
    ]);
  }

  /** A helper takes arrays of the lengths it was made for: callable when such arrays are in scope. */
  private canCall(h: Helper): boolean {
    return h.params.every(
      (p, i) =>
        p.type === "number" ||
        (p.type === "R"
          ? this.vars("rec").length > 0
          : this.arrays((v) => v.type === p.type && v.len === h.lengths[i]).length > 0),
    );
  }

  private helperCall(h: Helper, sub: () => Expr = () => this.num(1)): Expr {
    const args = h.params.map((p, i): Expr => {
      if (p.type === "number") return sub();
      if (p.type === "R") return { k: "rvar", name: this.pick(this.vars("rec"))[0] };
      const [name] = this.pick(this.arrays((v) => v.type === p.type && v.len === h.lengths[i]));
      return { k: "avar", name, type: p.type };
    });
    return { k: "call", fn: h.name, args, ret: h.ret };
  }

  // ------------------------------------------------------------ records

  /** `p.x` of a record in scope. */
  private fieldRead(): Expr {
    const [obj] = this.pick(this.vars("rec"));
    return { k: "field", obj, f: this.pick(this.record!) };
  }

  /** A new record: `{ x: e, y: e }`, or with `spread`, `{ ...p, x: e }` of a record in scope. */
  private objLit(spread: boolean): Expr {
    const recs = this.vars("rec");
    if (spread && recs.length > 0 && this.chance(0.5)) {
      const fields = this.record!.filter(() => this.chance(0.5)).map((f) => ({ f, e: this.num(2) }));
      return { k: "obj", spread: this.pick(recs)[0], fields };
    }
    return { k: "obj", fields: this.record!.map((f) => ({ f, e: this.num(2) })) };
  }

  /** A new record value: a literal, a spread copy, or a helper's record. */
  private recValue(place: Place): Expr {
    const helpers = this.helpers.filter((h) => h.ret === "R" && this.canCall(h));
    return this.weighted<Expr>([
      [3, () => this.objLit(true)],
      [helpers.length > 0 ? 3 : 0, () => this.helperCall(this.pick(helpers))],
    ]);
  }

  /** `let p: R = { ... }` (or const): a local record, whose fields the function may write. */
  private recDeclStmt(place: Place): Stmt {
    // Not `p`: helpers' number parameters are p0, p1.
    const name = this.name("o");
    const kind = this.chance(0.6) ? "let" : "const";
    const init = this.recValue(place);
    this.declare(name, { kind: "rec", mutable: kind === "let", writable: true });
    return { k: "decl", kind, name, type: "R", init };
  }

  /** `p.x op e` on a local record. */
  private fieldStoreStmt(): Stmt {
    const [obj] = this.pick(this.vars("rec").filter(([, v]) => v.writable));
    const f = this.pick(this.record!);
    const op = this.pick(["=", "=", "+=", "-=", "*="] as const);
    const value = this.num(2);
    return { k: "fstore", obj, f, op, value: op === "*=" ? math("tanh", value) : value };
  }

  /** `p = { ... }`, `p = h(p, ...)`: a `let` record given a new record (in a loop, carried by the loop). */
  private recAssignStmt(place: Place): Stmt {
    const [name] = this.pick(this.vars("rec").filter(([, v]) => v.mutable));
    return { k: "rassign", name, value: this.recValue(place) };
  }

  private scalarGateCall(sub: () => Expr): Expr {
    const g = this.weighted<{ name: string; arity: number }>([
      [2, () => this.pick(builtinScalarGates)],
      [this.gates.length > 0 ? 3 : 0, () => this.pick(this.gates)],
    ]);
    if (!this.gates.includes(g as GateDef)) this.imports.add(g.name);
    return { k: "call", fn: g.name, args: Array.from({ length: g.arity }, sub), ret: "number" };
  }

  private reducingGateCall(): Expr {
    const f64 = this.arrays((v) => v.type === "Float64Array");
    const g = this.pick(reducingArrayGates);
    const [a, av] = this.pick(f64);
    const same = f64.filter(([, v]) => v.len === av.len);
    const args: Expr[] = [{ k: "avar", name: a, type: "Float64Array" }];
    if (g.arrays === 2) args.push({ k: "avar", name: this.pick(same)[0], type: "Float64Array" });
    this.imports.add(g.name);
    return { k: "call", fn: g.name, args, ret: "number" };
  }
}

const num = (v: number): Expr => ({ k: "num", v });
const isArrayType = (t: ValueType): t is ArrayType => t === "Float64Array" || t === "number[]";
const bin = (op: "+" | "-" | "*" | "/" | "%" | "**", a: Expr, b: Expr): Expr => ({ k: "bin", op, a, b });
const cmp = (op: "<" | ">" | "<=" | ">=" | "===" | "!==", a: Expr, b: Expr): Cond => ({ k: "cmp", op, a, b });

/** Whether a statement list ends in a jump, after which nothing may follow. */
export function ends(stmts: Stmt[]): boolean {
  const last = stmts[stmts.length - 1];
  return last !== undefined && (last.k === "return" || last.k === "break" || last.k === "continue");
}

/** Program `index` of a run with seed `seed`: each program has its own stream, so any one can be regenerated. */
export function generate(seed: number, index: number): Program {
  return new Generator(programSeed(seed, index)).program();
}

export function programSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}
