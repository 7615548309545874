/**
 * Splitting functions too large for JavaScript engines to optimise. V8 optimises no function
 * whose bytecode exceeds 60 KB (`--max-optimized-bytecode-size`): such a function stays in the
 * interpreter, every intermediate a heap number, and with a register per local, a gradient of
 * 100,000 operations needs a stack frame larger than Node's whole stack (RangeError: Maximum call
 * stack size exceeded). A function larger than `SPLIT_ABOVE` is cut into parts: runs of top-level
 * `const`s of numbers become functions `f_grad_part1`, `f_grad_part2`, ... of at most `PART_SIZE`
 * each, called in order. The numbers a part computes and another part (or the function) reads
 * pass through one Float64Array per split function, allocated once with the module
 * (`f_grad_scratch`), a slot per value from its store to its last load (slots are reused).
 * The number parameters parts read are stored there too, once, at the function's start; the
 * arrays a part reads are its arguments. (Passing the numbers as arguments cost the caller a
 * register move per argument per call: at 100,000 operations, 334 parts taking 37,000
 * arguments in all made the function itself larger than the size V8 optimises.)
 *
 * Only top-level straight-line code moves: a statement that is not a `const` of a number (a
 * loop, a branch, a tape, an array, a `let`), and a `const` reading a value of such a statement,
 * stay in the function, in order, between the calls. The scratch array makes a split function
 * non-reentrant, which generated code never needs: it does not recurse (adgen refuses recursion).
 */
import { freeReads } from "../code-live.js";
import { allStatements, declaredNames, ownExprs, reads, returnedExprs } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr, Param } from "../ir.js";
import { ruleOf } from "../rules/table.js";

/** A function larger than this (in `codeSize` units) is split. */
export const SPLIT_ABOVE = 8000;
/** Each part is at most this large (in `codeSize` units). */
export const PART_SIZE = 2500;
/** A run of constants smaller than this (or a third of a part) stays in the function: a call would
 * cost more than it saves. */
const MIN_PART = 200;

/**
 * The size of generated code, a proxy for its bytecode: one per statement and one per operation
 * and operand in its expressions. V8 emits 5 to 25 bytes of bytecode per unit.
 */
export function codeSize(statements: CodeStatement[]): number {
  let n = 0;
  for (const s of allStatements(statements)) {
    n++;
    for (const e of ownExprs(s)) n += exprSize(e);
  }
  return n;
}

function exprSize(e: Expr): number {
  if (e.kind !== "op") return 1;
  let n = 1;
  for (const a of e.args) n += exprSize(a);
  return n;
}

export interface SplitLimits {
  above: number;
  part: number;
}

/** Splits every function of `module` larger than `limits.above`; the parts follow their function. */
export function splitLargeFunctions(
  module: CodeModule,
  limits: SplitLimits = { above: SPLIT_ABOVE, part: PART_SIZE },
): void {
  const large = module.functions.filter(
    (f) => f.returns.kind !== "driver" && f.kind !== "part" && codeSize([...f.forward, ...f.backward]) > limits.above,
  );
  if (large.length === 0) return;
  const taken = moduleNames(module);
  const claim = (base: string) => {
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    return name;
  };
  const functions: CodeFunction[] = [];
  for (const f of module.functions) {
    functions.push(f);
    if (!large.includes(f)) continue;
    const split = splitFunction(f, limits.part, claim);
    if (!split) continue;
    functions.push(...split.parts);
    module.constants.push(split.scratch);
  }
  module.functions = functions;
}

/** A run of statements that stays in the function, or becomes a part. */
interface Unit {
  statements: CodeStatement[];
  /** Whether its statements come from the backward pass. */
  backward: boolean;
  part: boolean;
  /** Names the unit defines at its top level. */
  defines: string[];
  /** Names it reads and does not define itself. */
  reads: Set<string>;
}

function splitFunction(
  f: CodeFunction,
  partSize: number,
  claim: (base: string) => string,
): { parts: CodeFunction[]; scratch: { name: string; expr: Expr } } | undefined {
  const body = [...f.forward, ...f.backward];
  // Parameters a part may take as arguments: the leaves (a record's fields are unpacked first).
  const params = new Map<string, Param>();
  for (const p of f.params) if (!p.fields) params.set(p.name, p);
  const numbers = new Set<string>();
  const isNumber = (name: string) => numbers.has(name) || params.get(name)?.type === "number";
  const isArray = (name: string) => {
    const t = params.get(name)?.type;
    return t === "number[]" || t === "Float64Array";
  };
  /** Whether `e` is a number computed from numbers and parameters only. */
  const numeric = (e: Expr): boolean => {
    if (e.kind === "const") return true;
    if (e.kind === "var") return isNumber(e.name);
    if (e.op === "call") return false;
    const rule = ruleOf(e.op);
    if (rule.boolean || rule.array) return false;
    if (rule.derivative.kind === "memory") {
      const [a, i] = e.args;
      if (a?.kind !== "var" || !isArray(a.name)) return false;
      return e.op === "length" || (e.op === "index" && i !== undefined && numeric(i));
    }
    if (e.op === "select") return false;
    return e.args.every(numeric);
  };
  const movable = body.map((s) => {
    // Forward mode's tangents, read with a number as default, are numbers the function defines.
    if (s.kind === "fields") for (const x of s.fields) if (x.fallback.kind === "const") numbers.add(x.name);
    const ok = s.kind === "const" && s.type !== "boolean" && numeric(s.expr);
    if (ok) numbers.add(s.name);
    return ok;
  });

  // Runs of movable statements large enough become parts, each at most `partSize`.
  const units: Unit[] = [];
  const unit = (statements: CodeStatement[], part: boolean, at: number): Unit => {
    const defines = statements.flatMap((s) => declaredNames(s));
    return { statements, part, backward: at >= f.forward.length, defines, reads: freeReads(statements) };
  };
  for (let i = 0; i < body.length;) {
    if (!movable[i]) {
      units.push(unit([body[i]!], false, i));
      i++;
      continue;
    }
    // A run ends where the backward pass begins, so the function keeps its two passes apart.
    let end = i;
    while (end < body.length && movable[end] && (end === i || end !== f.forward.length)) end++;
    const run = body.slice(i, end);
    const size = codeSize(run);
    if (size < Math.min(MIN_PART, partSize / 3)) units.push(unit(run, false, i));
    else {
      const count = Math.ceil(size / partSize);
      let chunk: CodeStatement[] = [];
      let chunkSize = 0;
      for (const s of run) {
        chunk.push(s);
        chunkSize += codeSize([s]);
        if (chunkSize >= size / count) {
          units.push(unit(chunk, true, i));
          chunk = [];
          chunkSize = 0;
        }
      }
      if (chunk.length > 0) units.push(unit(chunk, true, i));
    }
    i = end;
  }
  const partCount = units.filter((u) => u.part).length;
  if (partCount === 0) return undefined;

  // The number parameters no statement assigns, defined by a first unit before the first
  // statement (parts read them through the scratch).
  const assigned = new Set([...allStatements(body)].flatMap(assignedNames));
  const viaScratch = new Set(
    [...params.values()].filter((p) => p.type === "number" && !assigned.has(p.name)).map((p) => p.name),
  );
  units.unshift({ statements: [], part: false, backward: false, defines: [...viaScratch], reads: new Set() });

  // Where each name is defined, and who reads it through the scratch array: other parts, and
  // the function once (the first of its units to read a part's value declares it).
  const home = new Map<string, number>();
  units.forEach((u, k) => u.defines.forEach((n) => home.set(n, k)));
  const returned = new Set<string>();
  for (const e of returnedExprs(f.returns)) reads(e, returned);
  const final: Unit = { statements: [], part: false, backward: f.backward.length > 0, defines: [], reads: returned };
  const all = [...units, final];
  /** Per unit, the names it loads from the scratch array at its start. */
  const loads = all.map(() => [] as string[]);
  const loadedByFunction = new Set<string>();
  const lastLoad = new Map<string, number>();
  all.forEach((u, k) => {
    for (const n of u.reads) {
      const d = home.get(n);
      if (d === undefined || d === k) continue;
      const from = units[d]!;
      if (!u.part && !from.part) continue; // the function's own value
      if (!u.part) {
        if (loadedByFunction.has(n)) continue;
        loadedByFunction.add(n);
      }
      loads[k]!.push(n);
      lastLoad.set(n, k);
    }
  });

  // Slots: taken at the store, free again after the last load (a unit loads before it stores).
  const slot = new Map<string, number>();
  const free: number[] = [];
  let slots = 0;
  const expiring = all.map(() => [] as string[]);
  lastLoad.forEach((k, n) => expiring[k]!.push(n));
  const scratch = claim(`${f.name}_scratch`);
  const load = (n: string): CodeStatement => ({
    kind: "const",
    name: n,
    expr: {
      kind: "op",
      op: "index",
      args: [
        { kind: "var", name: scratch },
        { kind: "const", value: slot.get(n)! },
      ],
    },
  });
  const store = (n: string): CodeStatement => ({
    kind: "store",
    array: scratch,
    index: { kind: "const", value: slot.get(n)! },
    expr: { kind: "var", name: n },
  });
  const storesOf = (names: string[]) => {
    const stored = names.filter((n) => lastLoad.has(n));
    for (const n of stored) slot.set(n, free.pop() ?? slots++);
    return stored.map(store);
  };
  const withStores = (statements: CodeStatement[]) => statements.flatMap((s) => [s, ...storesOf(declaredNames(s))]);

  const parts: CodeFunction[] = [];
  const forward: CodeStatement[] = [];
  const backward: CodeStatement[] = [];
  all.forEach((u, k) => {
    const loaded = loads[k]!.map(load);
    for (const n of expiring[k]!) free.push(slot.get(n)!);
    const main = u.backward ? backward : forward;
    if (!u.part) {
      // The first unit is the parameters: stores only.
      main.push(...loaded, ...(k === 0 ? storesOf(u.defines) : withStores(u.statements)));
      return;
    }
    const name = claim(`${f.name}_part${parts.length + 1}`);
    const args = f.params.filter((p) => params.has(p.name) && u.reads.has(p.name) && !viaScratch.has(p.name));
    parts.push({
      kind: "part",
      name,
      params: args.map((p) => ({ name: p.name, type: p.type, ...(p.type.endsWith("[]") ? { readonly: true } : {}) })),
      forward: [...loaded, ...withStores(u.statements)],
      backward: [],
      returns: { kind: "none" },
      ...(f.origin ? { origin: f.origin } : {}),
      ...(f.origins ? { origins: f.origins } : {}),
    });
    main.push({ kind: "call", callee: name, args: args.map((p) => ({ kind: "var", name: p.name })) });
  });
  f.forward = forward;
  f.backward = backward;
  return {
    parts,
    scratch: {
      name: scratch,
      expr: { kind: "op", op: "newFloat64Array", args: [{ kind: "const", value: Math.max(slots, 1) }] },
    },
  };
}

/** The names a statement assigns other than by declaring them. */
function assignedNames(s: CodeStatement): string[] {
  switch (s.kind) {
    case "set":
    case "accumulate":
    case "increment":
      return [s.name];
    case "store":
      return [s.array];
    default:
      return declaredNames(s);
  }
}

/** Every name the module declares or reads: a part or scratch array must not shadow or take one. */
function moduleNames(module: CodeModule): Set<string> {
  const names = new Set<string>([...module.functions.map((f) => f.name), ...module.constants.map((c) => c.name)]);
  for (const set of module.imports.values()) set.forEach((n) => names.add(n));
  for (const f of module.functions) {
    f.params.forEach((p) => names.add(p.name));
    const body = [...f.forward, ...f.backward];
    freeReads(body).forEach((n) => names.add(n));
    for (const s of allStatements(body)) {
      if (s.kind === "const" || s.kind === "let" || s.kind === "pop" || s.kind === "set") names.add(s.name);
      if (s.kind === "destructure") s.names.forEach((n) => n !== null && names.add(n));
      if (s.kind === "fields") s.fields.forEach((x) => names.add(x.name));
      if (s.kind === "for" || s.kind === "repeat") names.add(s.counter);
    }
  }
  return names;
}
