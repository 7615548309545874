/**
 * The fuzzer's program representation: a small AST of the TypeScript subset adgen accepts,
 * printed to TypeScript (what adgen compiles) or to JavaScript (what the checker runs as the
 * original). The shrinker edits this AST, never text.
 */

export type ArrayType = "Float64Array" | "number[]";
/** The program's record type: `interface R { x: number; y: number; ... }` (Program.record). */
export type RecordType = "R";
export type ValueType = "number" | ArrayType | RecordType;

export type Expr =
  | { k: "num"; v: number }
  /** A number variable, loop counter or module constant; `Math.PI` and friends too. */
  | { k: "var"; name: string }
  | { k: "neg"; a: Expr }
  | { k: "bin"; op: "+" | "-" | "*" | "/" | "%" | "**"; a: Expr; b: Expr }
  /** `Math.f(...)`, a helper, a gate, an array gate; `ret` says what it returns. */
  | { k: "call"; fn: string; args: Expr[]; ret: ValueType }
  | { k: "index"; arr: string; i: Expr }
  | { k: "len"; arr: string }
  | { k: "cond"; c: Cond; a: Expr; b: Expr }
  /** An array variable. */
  | { k: "avar"; name: string; type: ArrayType }
  | { k: "newArray"; type: ArrayType; len: number }
  | { k: "arrayLit"; items: Expr[] }
  /** `arr.slice()`, or with `start` (and `end`), `arr.slice(start, end)`. */
  | { k: "slice"; arr: string; type: ArrayType; start?: number; end?: number }
  /** `arr.map((v, i) => body)`. */
  | { k: "map"; arr: string; type: ArrayType; v: string; i: string; body: Expr }
  /** `arr.reduce((acc, v) => body, init)` (without `init`: from `arr[0]`). */
  | { k: "reduce"; arr: string; acc: string; v: string; body: Expr; init?: Expr }
  /** `Math.max(...arr, ...rest)` / `Math.min`. */
  | { k: "extremum"; fn: "max" | "min"; arr: string; rest: Expr[] }
  /** A record variable (`p`). */
  | { k: "rvar"; name: string }
  /** A field of a record variable: `p.x`. */
  | { k: "field"; obj: string; f: string }
  /** An object literal of type R: `{ x: e, y: e }`, or `{ ...p, x: e }` (`spread` a record variable). */
  | { k: "obj"; spread?: string; fields: { f: string; e: Expr }[] };

export type Cond =
  | { k: "cmp"; op: "<" | ">" | "<=" | ">=" | "===" | "!=="; a: Expr; b: Expr }
  | { k: "and" | "or"; a: Cond; b: Cond }
  | { k: "not"; a: Cond }
  | { k: "bvar"; name: string }
  /** `arr.some((v) => c)` / `arr.every((v) => c)`. */
  | { k: "some" | "every"; arr: string; v: string; c: Cond };

export interface ForUpdate {
  name: string;
  op: "++" | "--" | "+=" | "-=";
  by?: number;
}

export type Stmt =
  | { k: "decl"; kind: "const" | "let"; name: string; type: ValueType; init: Expr }
  | { k: "bdecl"; name: string; c: Cond }
  | { k: "assign"; name: string; op: "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "**="; value: Expr }
  | { k: "incr"; name: string; op: "++" | "--" }
  | { k: "store"; arr: string; i: Expr; op: "=" | "+=" | "-=" | "*="; value: Expr }
  /** `p.x op value`, on a local record. */
  | { k: "fstore"; obj: string; f: string; op: "=" | "+=" | "-=" | "*="; value: Expr }
  /** `p = value`, a `let` record given a new record (a literal, a spread, a helper's). */
  | { k: "rassign"; name: string; value: Expr }
  | { k: "if"; c: Cond; then: Stmt[]; else?: Stmt[] }
  | { k: "for"; init: { name: string; value: Expr }[]; test: Cond; update: ForUpdate[]; body: Stmt[] }
  /** With `index`, `for (const [index, name] of arr.entries())`. */
  | { k: "forOf"; name: string; index?: string; arr: string; body: Stmt[] }
  | { k: "while"; c: Cond; body: Stmt[] }
  | { k: "do"; c: Cond; body: Stmt[] }
  | { k: "block"; body: Stmt[] }
  | { k: "break" }
  | { k: "continue" }
  | { k: "return"; e: Expr };

export interface Param {
  name: string;
  type: ValueType;
}

export interface Fn {
  name: string;
  params: Param[];
  ret: ValueType;
  body: Stmt[];
  /** `export function` (the function to differentiate) or a private helper. */
  exported: boolean;
  /** Written as `const name = (...) => { ... }`. */
  arrow: boolean;
}

/** A custom gate, from a catalogue of correct forward/backward pairs (printed verbatim). */
export interface GateDef {
  name: string;
  arity: number;
  forward: string;
  backward: string;
}

export interface Program {
  consts: { name: string; v: number }[];
  /** The fields of the record type `R`, when the program has one. */
  record?: string[];
  gates: GateDef[];
  helpers: Fn[];
  main: Fn;
  /** The length of each array parameter of `main`. */
  lengths: Record<string, number>;
  /** Names imported from adgen/gates (besides `gate`, imported when there are custom gates). */
  imports: string[];
}

// ---------------------------------------------------------------- printing

const PREC: Record<string, number> = { "+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "**": 4 };

function num(v: number): string {
  return v < 0 ? `(${v})` : String(v);
}

export function printExpr(e: Expr, prec = 0): string {
  switch (e.k) {
    case "num":
      return num(e.v);
    case "var":
      return e.name;
    case "neg": {
      // `- -x` would print as the decrement `--x`.
      const a = printExpr(e.a, 5);
      return wrap(a.startsWith("-") ? `-(${a})` : `-${a}`, prec > 3);
    }
    case "bin": {
      const p = PREC[e.op]!;
      // `**` is right-associative and its left operand may not be a unary expression.
      const left = e.op === "**" ? printExpr(e.a, 5) : printExpr(e.a, p);
      const right = e.op === "**" ? printExpr(e.b, 4) : printExpr(e.b, p + 1);
      return wrap(`${left} ${e.op} ${right}`, prec > p);
    }
    case "call":
      return `${e.fn}(${e.args.map((a) => printExpr(a)).join(", ")})`;
    case "index":
      return `${e.arr}[${printExpr(e.i)}]`;
    case "len":
      return `${e.arr}.length`;
    case "cond":
      return wrap(`${printCond(e.c)} ? ${printExpr(e.a)} : ${printExpr(e.b)}`, prec > 0);
    case "avar":
      return e.name;
    case "newArray":
      return e.type === "Float64Array" ? `new Float64Array(${e.len})` : `new Array(${e.len}).fill(0)`;
    case "arrayLit":
      return `[${e.items.map((a) => printExpr(a)).join(", ")}]`;
    case "slice":
      return `${e.arr}.slice(${[e.start, e.end].filter((x) => x !== undefined).join(", ")})`;
    case "map":
      return `${e.arr}.map((${e.v}, ${e.i}) => ${printExpr(e.body)})`;
    case "reduce":
      return `${e.arr}.reduce((${e.acc}, ${e.v}) => ${printExpr(e.body)}${e.init ? `, ${printExpr(e.init)}` : ""})`;
    case "extremum":
      return `Math.${e.fn}(...${e.arr}${e.rest.map((r) => `, ${printExpr(r)}`).join("")})`;
    case "rvar":
      return e.name;
    case "field":
      return `${e.obj}.${e.f}`;
    case "obj": {
      const parts = [...(e.spread ? [`...${e.spread}`] : []), ...e.fields.map((f) => `${f.f}: ${printExpr(f.e)}`)];
      return `{ ${parts.join(", ")} }`;
    }
  }
}

function wrap(s: string, yes: boolean): string {
  return yes ? `(${s})` : s;
}

export function printCond(c: Cond, prec = 0): string {
  switch (c.k) {
    case "cmp": {
      const a = printExpr(c.a, 1);
      const b = printExpr(c.b, 1);
      // TypeScript reads `x < (` as the start of type arguments (`0 < (y > (z) ? 1 : 2)` does not
      // parse): write `a < (b)` as `(b) > a`.
      const text = c.op === "<" && b.startsWith("(") ? `${b} > ${a}` : `${a} ${c.op} ${b}`;
      return wrap(text, prec > 2);
    }
    case "and":
      return wrap(`${printCond(c.a, 2)} && ${printCond(c.b, 2)}`, prec > 2);
    case "or":
      return wrap(`${printCond(c.a, 1)} || ${printCond(c.b, 1)}`, prec > 1);
    case "not":
      return `!${printCond(c.a, 3)}`;
    case "bvar":
      return c.name;
    case "some":
    case "every":
      return `${c.arr}.${c.k}((${c.v}) => ${printCond(c.c)})`;
  }
}

export interface PrintOptions {
  /** TypeScript (types, imports) or JavaScript for running the original. */
  types: boolean;
  /** JavaScript only: count loop iterations and throw past a limit, so a broken shrink cannot hang. */
  guard?: boolean;
}

class Printer {
  lines: string[] = [];
  constructor(readonly o: PrintOptions) {}

  line(indent: number, s: string) {
    this.lines.push("  ".repeat(indent) + s);
  }

  body(stmts: Stmt[], indent: number, loop = false) {
    if (loop && this.o.guard) this.line(indent, "if (++__steps > 100000) throw new Error('fuzz: hang');");
    for (const s of stmts) this.stmt(s, indent);
  }

  stmt(s: Stmt, n: number): void {
    const t = (type: ValueType) => (this.o.types ? `: ${type}` : "");
    switch (s.k) {
      case "decl":
        return this.line(n, `${s.kind} ${s.name}${t(s.type)} = ${printExpr(s.init)};`);
      case "bdecl":
        return this.line(n, `const ${s.name} = ${printCond(s.c)};`);
      case "assign":
        return this.line(n, `${s.name} ${s.op} ${printExpr(s.value)};`);
      case "incr":
        return this.line(n, `${s.name}${s.op};`);
      case "store":
        return this.line(n, `${s.arr}[${printExpr(s.i)}] ${s.op} ${printExpr(s.value)};`);
      case "fstore":
        return this.line(n, `${s.obj}.${s.f} ${s.op} ${printExpr(s.value)};`);
      case "rassign":
        return this.line(n, `${s.name} = ${printExpr(s.value)};`);
      case "if": {
        this.line(n, `if (${printCond(s.c)}) {`);
        this.body(s.then, n + 1);
        let rest = s.else;
        // `else if` chains print flat.
        while (rest && rest.length === 1 && rest[0]!.k === "if") {
          const e = rest[0] as Extract<Stmt, { k: "if" }>;
          this.line(n, `} else if (${printCond(e.c)}) {`);
          this.body(e.then, n + 1);
          rest = e.else;
        }
        if (rest) {
          this.line(n, "} else {");
          this.body(rest, n + 1);
        }
        return this.line(n, "}");
      }
      case "for": {
        const init = s.init.map((i) => `${i.name} = ${printExpr(i.value)}`).join(", ");
        const update = s.update.map((u) =>
          u.op === "++" || u.op === "--" ? `${u.name}${u.op}` : `${u.name} ${u.op} ${u.by}`,
        );
        this.line(n, `for (let ${init}; ${printCond(s.test)}; ${update.join(", ")}) {`);
        this.body(s.body, n + 1, true);
        return this.line(n, "}");
      }
      case "forOf":
        this.line(
          n,
          `for (const ${s.index ? `[${s.index}, ${s.name}]` : s.name} of ${s.arr}${s.index ? ".entries()" : ""}) {`,
        );
        this.body(s.body, n + 1, true);
        return this.line(n, "}");
      case "while":
        this.line(n, `while (${printCond(s.c)}) {`);
        this.body(s.body, n + 1, true);
        return this.line(n, "}");
      case "do":
        this.line(n, "do {");
        this.body(s.body, n + 1, true);
        return this.line(n, `} while (${printCond(s.c)});`);
      case "block":
        this.line(n, "{");
        this.body(s.body, n + 1);
        return this.line(n, "}");
      case "break":
        return this.line(n, "break;");
      case "continue":
        return this.line(n, "continue;");
      case "return":
        return this.line(n, `return ${printExpr(s.e)};`);
    }
  }

  fn(f: Fn) {
    const params = f.params.map((p) => (this.o.types ? `${p.name}: ${p.type}` : p.name)).join(", ");
    const ret = this.o.types ? `: ${f.ret}` : "";
    const exp = f.exported && this.o.types ? "export " : "";
    if (f.arrow) this.line(0, `${exp}const ${f.name} = (${params})${ret} => {`);
    else this.line(0, `${exp}function ${f.name}(${params})${ret} {`);
    this.body(f.body, 1);
    this.line(0, f.arrow ? "};" : "}");
  }
}

/** The program as a module: imports, constants, gates, helpers, then the exported function. */
export function printProgram(p: Program, o: PrintOptions = { types: true }): string {
  const pr = new Printer(o);
  const imports = [...(p.gates.length > 0 ? ["gate"] : []), ...p.imports].sort();
  if (o.types && imports.length > 0) pr.line(0, `import { ${imports.join(", ")} } from "adgen/gates";`);
  for (const c of p.consts) pr.line(0, `const ${c.name} = ${c.v};`);
  if (p.record && o.types) pr.line(0, `interface R { ${p.record.map((f) => `${f}: number;`).join(" ")} }`);
  for (const g of p.gates) {
    pr.line(0, `const ${g.name} = gate({`);
    pr.line(1, `forward: ${o.types ? g.forward : stripTypes(g.forward)},`);
    pr.line(1, `backward: ${o.types ? g.backward : stripTypes(g.backward)},`);
    pr.line(0, "});");
  }
  for (const h of p.helpers) pr.fn(h);
  pr.fn(p.main);
  return pr.lines.join("\n") + "\n";
}

/** Gate catalogue entries annotate only `name: number` parameters. */
function stripTypes(s: string): string {
  return s.replace(/(\w+): number/g, "$1");
}

// ---------------------------------------------------------------- validity

/**
 * Why the program is not a valid program of the subset (undefined when it is): a name read where
 * it is not declared (or before its declaration in the same block), a const assigned, two
 * declarations of one name in one block, a jump outside a loop or with code after it, an array returned inside a loop, a function
 * that can end without returning. The generator never makes such programs; shrinking steps can,
 * and the shrinker discards them.
 */
export function invalidity(p: Program): string | undefined {
  type Binding = { kind: "num" | "arr" | "bool" | "rec"; mutable: boolean; declared: boolean };
  const fields = new Set(p.record ?? []);
  const field = (f: string) => {
    if (!fields.has(f)) throw new Error(`R has no field '${f}'`);
  };
  const known = new Set([...p.helpers.map((h) => h.name), ...p.gates.map((g) => g.name), ...p.imports]);
  let scopes: Map<string, Binding>[] = [];
  let returnType: ValueType = "number";
  const globals = new Map<string, Binding>(
    p.consts.map((c) => [c.name, { kind: "num", mutable: false, declared: true }]),
  );

  const lookup = (name: string, kind: Binding["kind"]): Binding => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const b = scopes[i]!.get(name);
      if (!b) continue;
      if (!b.declared) throw new Error(`'${name}' is read before its declaration in the same block`);
      if (b.kind !== kind) throw new Error(`'${name}' is not a ${kind}`);
      return b;
    }
    throw new Error(`'${name}' is not declared`);
  };
  const declare = (name: string, b: Omit<Binding, "declared">) => {
    const scope = scopes[scopes.length - 1]!;
    const existing = scope.get(name);
    if (existing?.declared) throw new Error(`'${name}' is declared twice`);
    scope.set(name, { ...b, declared: true });
  };
  const expr = (e: Expr): void => {
    switch (e.k) {
      case "var":
        if (!e.name.startsWith("Math.")) lookup(e.name, "num");
        return;
      case "neg":
        return expr(e.a);
      case "bin":
        expr(e.a);
        return expr(e.b);
      case "call":
        if (!e.fn.startsWith("Math.") && !known.has(e.fn)) throw new Error(`'${e.fn}' is not defined`);
        return e.args.forEach(expr);
      case "index":
        lookup(e.arr, "arr");
        return expr(e.i);
      case "len":
      case "slice":
        lookup(e.arr, "arr");
        return;
      case "map":
      case "reduce": {
        lookup(e.arr, "arr");
        if (e.k === "reduce" && e.init) expr(e.init);
        const params: [string, Omit<Binding, "declared">][] = [
          [e.v, { kind: "num", mutable: false }],
          [e.k === "map" ? e.i : e.acc, { kind: "num", mutable: false }],
        ];
        scopes.push(new Map(params.map(([n, b]) => [n, { ...b, declared: true }])));
        expr(e.body);
        scopes.pop();
        return;
      }
      case "extremum":
        lookup(e.arr, "arr");
        return e.rest.forEach(expr);
      case "cond":
        cond(e.c);
        expr(e.a);
        return expr(e.b);
      case "avar":
        lookup(e.name, "arr");
        return;
      case "arrayLit":
        return e.items.forEach(expr);
      case "rvar":
        lookup(e.name, "rec");
        return;
      case "field":
        lookup(e.obj, "rec");
        return field(e.f);
      case "obj": {
        if (e.spread) lookup(e.spread, "rec");
        e.fields.forEach((f) => (field(f.f), expr(f.e)));
        const given = new Set(e.fields.map((f) => f.f));
        if (!e.spread && [...fields].some((f) => !given.has(f)))
          throw new Error("an object literal without every field");
        return;
      }
      case "newArray":
      case "num":
        return;
    }
  };
  const cond = (c: Cond): void => {
    if (c.k === "cmp") return (expr(c.a), expr(c.b));
    if (c.k === "not") return cond(c.a);
    if (c.k === "bvar") return void lookup(c.name, "bool");
    if ("arr" in c) {
      lookup(c.arr, "arr");
      scopes.push(new Map([[c.v, { kind: "num", mutable: false, declared: true }]]));
      cond(c.c);
      scopes.pop();
      return;
    }
    cond(c.a);
    cond(c.b);
  };
  const kindOf = (t: ValueType): Binding["kind"] => (t === "number" ? "num" : t === "R" ? "rec" : "arr");
  const block = (stmts: Stmt[], loops: number, pre: [string, Omit<Binding, "declared">][] = []) => {
    const scope = new Map<string, Binding>();
    for (const s of stmts) {
      if (s.k === "decl") scope.set(s.name, { kind: kindOf(s.type), mutable: s.kind === "let", declared: false });
      if (s.k === "bdecl") scope.set(s.name, { kind: "bool", mutable: false, declared: false });
    }
    scopes.push(scope);
    for (const [name, b] of pre) declare(name, b);
    stmts.forEach((s, i) => {
      if (i < stmts.length - 1 && (s.k === "return" || s.k === "break" || s.k === "continue"))
        throw new Error(`code after '${s.k}'`);
      stmt(s, loops);
    });
    scopes.pop();
  };
  const assignable = (name: string) => {
    if (!lookup(name, "num").mutable) throw new Error(`'${name}' is a const`);
  };
  const stmt = (s: Stmt, loops: number): void => {
    switch (s.k) {
      case "decl":
        expr(s.init);
        return declare(s.name, { kind: kindOf(s.type), mutable: s.kind === "let" });
      case "bdecl":
        cond(s.c);
        return declare(s.name, { kind: "bool", mutable: false });
      case "assign":
        expr(s.value);
        return assignable(s.name);
      case "incr":
        return assignable(s.name);
      case "store":
        lookup(s.arr, "arr");
        expr(s.i);
        return expr(s.value);
      case "fstore":
        expr(s.value);
        lookup(s.obj, "rec");
        return field(s.f);
      case "rassign":
        expr(s.value);
        if (!lookup(s.name, "rec").mutable) throw new Error(`'${s.name}' is a const`);
        return;
      case "if":
        cond(s.c);
        block(s.then, loops);
        if (s.else) block(s.else, loops);
        return;
      case "for": {
        // The counters live in a scope around the body; the test and updates see them.
        scopes.push(new Map());
        for (const i of s.init) {
          expr(i.value);
          declare(i.name, { kind: "num", mutable: true });
        }
        cond(s.test);
        for (const u of s.update) assignable(u.name);
        block(s.body, loops + 1);
        scopes.pop();
        return;
      }
      case "forOf":
        lookup(s.arr, "arr");
        return block(s.body, loops + 1, [
          [s.name, { kind: "num", mutable: false }],
          ...(s.index ? [[s.index, { kind: "num", mutable: false }] as [string, Omit<Binding, "declared">]] : []),
        ]);
      case "while":
      case "do":
        if (s.k === "while") cond(s.c);
        block(s.body, loops + 1);
        if (s.k === "do") cond(s.c);
        return;
      case "block":
        return block(s.body, loops);
      case "break":
      case "continue":
        if (loops === 0) throw new Error(`'${s.k}' outside a loop`);
        return;
      case "return":
        // Inside a loop a function may return a number, not an array (a documented limitation).
        if (loops > 0 && returnType !== "number") throw new Error("'return' of an array inside a loop");
        return expr(s.e);
    }
  };
  const returns = (stmts: Stmt[]): boolean => {
    const last = stmts[stmts.length - 1];
    if (!last) return false;
    if (last.k === "return") return true;
    if (last.k === "if") return returns(last.then) && last.else !== undefined && returns(last.else);
    if (last.k === "block") return returns(last.body);
    return false;
  };
  try {
    for (const f of [...p.helpers, p.main]) {
      if (!returns(f.body)) throw new Error(`'${f.name}' can end without returning`);
      scopes = [globals];
      returnType = f.ret;
      block(
        f.body,
        0,
        f.params.map((q) => [q.name, { kind: kindOf(q.type), mutable: false }]),
      );
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
