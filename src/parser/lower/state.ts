/**
 * The state of lowering one function and the small operations every construct uses: scopes, names,
 * appending a node, failing with a diagnostic. The constructs live in the files beside this one,
 * each a class in a chain (expressions -> arrays -> calls -> branches -> loops -> statements ->
 * function); what one construct calls of a later one is declared here, abstract.
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError, type DiagnosticCode } from "../../diagnostics.js";
import type { Atom, Const, Graph, Node as IrNode, Merge, OpName, Param, Statement, VarRef } from "../../ir.js";
import { NameAllocator } from "../../names.js";
import { c } from "../../rules/expr.js";
import { isCondition } from "../../rules/table.js";
import type { FunctionSource, ModuleScope } from "../module.js";
import type { DerivativeRef } from "../nested.js";
import type { RecordType } from "./record-types.js";

/** Resolves calls to user functions and gates (src/parser/program.ts). */
export interface CalleeResolver {
  /** The callee a module-level name refers to: its key in `Program.callees` and its arity. */
  resolve(mod: ModuleScope, name: string, at: ts.Node): CallTarget;
  /** The same for `ns.member`, where `ns` is a namespace import. */
  resolveMember(mod: ModuleScope, ns: string, member: string, at: ts.Node): CallTarget;
  /** The numeric constant a module-level name means (`RATE`, imported or not), or what it is instead. */
  constant(mod: ModuleScope, name: string, at: ts.Node): Const | string;
  /** The same for `ns.member`, where `ns` is a namespace import. */
  constantMember(mod: ModuleScope, ns: string, member: string, at: ts.Node): Const | string;
  /** The array form of a scalar gate called with an array (`relu` -> `reluArray`), if any. */
  arrayVariant(key: string): CallTarget | undefined;
  /**
   * A derivative of the array gate registered as `key`, `step` being `.tangent` (its tangent,
   * `matmul.tangent(out, ...inputs, ...tangents)` as f_jvp calls it) or `.backward[i]` (the part of
   * its backward giving input `i`'s gradient), if it has one.
   */
  derivedGate(key: string, step: string): CallTarget | undefined;
  /** Names every callee may be called by in generated code, which locals must not shadow. */
  reserved(): Iterable<string>;
  /** The generated companion a derivative request (`grad(g)`) stands for, read as a function of the program. */
  companion(ref: DerivativeRef, at: ts.Node): { fn: FunctionSource; mod: ModuleScope };
  /** The source of a plain function a call refers to (not a gate), for inlining. */
  functionSource(mod: ModuleScope, name: string, at: ts.Node): { fn: FunctionSource; mod: ModuleScope } | undefined;
  /** Reports a diagnostic found in another module (an inlined callee's) and abandons lowering. */
  reportIn(mod: ModuleScope, error: unknown): never;
}

export interface LowerOptions {
  /** `backward` lowers a gate's backward: it may return a tuple `[g0, g1, ...]`. */
  role: "function" | "backward";
  /** For a gate's backward: the gate's name, for messages. */
  gate?: string;
}

/** What a call resolves to: its key in `Program.callees`, its arity, and for array gates the kinds of its inputs and output. */
export interface CallTarget {
  key: string;
  arity: number;
  inputs?: ("array" | "number" | "size")[];
  output?: "array" | "number";
}

/** A variable visible in the function: its declaration keyword and current SSA value. */
export interface Local {
  keyword: "const" | "let" | "param";
  /** undefined while declared but not yet assigned (`let x;`), and for a record. */
  value: Atom | undefined;
  /** A record: its fields are locals of their own, keyed `p.x` (src/parser/lower/records.ts). */
  record?: RecordType;
  /**
   * An element of an array of records (`const p = pts[i]`), a reference like JavaScript's: its
   * fields are read from and written to the element `index` of each leaf's array, by the leaf's
   * path (`pos.x`) (src/parser/lower/record-arrays.ts).
   */
  view?: { arrays: Map<string, VarRef>; index: Atom };
  /** A derivative function (`const dg = grad(g)`), called later (src/parser/nested.ts). */
  derivative?: DerivativeRef;
  /** `let q!: number[]` (generated code declares an array an arm assigns so): its kind. */
  definiteArray?: "Float64Array" | "number[]";
}

/** The SSA name a local's key suggests: `p.x` -> `p_x`, the hidden `#i` -> `i`. */
export const keyHint = (key: string): string => (key.startsWith("#") ? key.slice(1) : key).replace(/\./g, "_");

export type Scopes = Map<string, Local>[];

/** The loop being lowered: the flags its `break` and `continue` set (scope keys of boolean locals). */
export interface LoopContext {
  broke?: string;
  skip?: string;
  /** Set when the loop contains a `return`: the function-wide flag that it ran (`#returned`). */
  returned?: string;
}

/** A boolean constant. */
export const bool = (b: boolean): Atom => c(b ? 1 : 0, String(b));

export abstract class LowerState {
  /** The statement list being appended to: the function body, or the arm being lowered. */
  protected body: Statement[] = [];
  protected scopes: Scopes = [new Map()];
  protected readonly names: NameAllocator;
  /** SSA names whose value is a boolean (conditions), not a number. */
  protected readonly booleans = new Set<string>();
  /** SSA names whose value is an array, with its kind. */
  protected readonly arrays = new Map<string, "Float64Array" | "number[]">();
  /** Arrays of arrays (also in `arrays`, as `number[]`), with their rows' kind (src/parser/lower/nested.ts). */
  protected readonly nested = new Map<string, "Float64Array" | "number[]">();
  /** Rows (`A[i]`, and new rows set into a matrix), with the array of arrays they are part of. */
  protected readonly rowOf = new Map<string, string>();
  /** Enclosing loops, innermost last. */
  protected readonly loops: LoopContext[] = [];
  /** Functions being inlined, to detect recursion. */
  protected readonly inlining: string[] = [];
  /** adgen's scratch arrays, by `file#name`, as the functions being inlined have them (src/parser/lower/scratch.ts). */
  protected scratch = new Map<string, VarRef>();
  /** The differentiated function's parameters. */
  protected readonly entryParams = new Set<string>();
  protected sf: ts.SourceFile;
  /** The file of the function being lowered (`mod` changes while inlining another module's function). */
  protected readonly file: string;

  constructor(
    protected fn: FunctionSource,
    protected mod: ModuleScope,
    protected readonly resolver: CalleeResolver,
    protected readonly options: LowerOptions,
  ) {
    this.sf = mod.sf;
    this.file = mod.file;
    const identifiers = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) identifiers.add(n.text);
      ts.forEachChild(n, visit);
    };
    visit(fn.node);
    this.names = new NameAllocator(identifiers);
    this.names.reserve("Math");
    for (const name of resolver.reserved()) this.names.reserve(name);
  }

  protected fail(code: DiagnosticCode, message: string, node: ts.Node): never {
    throw new DiagnosticError(code, message, node.getStart(this.sf), node.getEnd());
  }

  protected text(node: ts.Node): string {
    const t = node.getText(this.sf).replace(/\s+/g, " ");
    return t.length > 40 ? `${t.slice(0, 37)}...` : t;
  }

  /** Appends a node and returns a reference to it. `hint` names it after a user variable. */
  protected node(op: OpName, args: Atom[], at: ts.Node, hint?: string, callee?: string): Atom {
    const name = hint === undefined ? this.names.temp() : this.names.claim(hint);
    const node: IrNode = { kind: "node", name, op, args, pos: at.getStart(this.sf) };
    if (callee !== undefined) node.callee = callee;
    // Inlined from another module: say which file the position is in.
    if (this.mod.file !== this.file) node.file = this.mod.file;
    this.body.push(node);
    if (isCondition(op)) this.booleans.add(name);
    return { kind: "var", name };
  }

  protected lookup(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i]!.get(name);
      if (l) return l;
    }
    return undefined;
  }

  protected valueOf(local: Local, id: ts.Identifier): Atom {
    if (!local.value)
      this.fail(codes.unassigned, `'${id.text}' is read before it is assigned a value on every path`, id);
    return local.value;
  }

  protected isArray(a: Atom | undefined): boolean {
    return a?.kind === "var" && this.arrays.has(a.name);
  }

  /** Whether `a` is a boolean: a condition, or one of the `true`/`false` constants the loop flags start from. */
  protected isBoolean(a: Atom | undefined): boolean {
    if (a?.kind === "const") return a.text === "true" || a.text === "false";
    return a?.kind === "var" && this.booleans.has(a.name);
  }

  /** Runs `f` with a fresh statement list and returns it (the body of an arm). */
  protected arm(f: () => void): Statement[] {
    const outer = this.body;
    this.body = [];
    try {
      f();
      return this.body;
    } finally {
      this.body = outer;
    }
  }

  /** Every name visible here, innermost scope last. */
  protected *visibleNames(): Generator<string> {
    const seen = new Set<string>();
    for (let i = this.scopes.length - 1; i >= 0; i--)
      for (const k of this.scopes[i]!.keys()) {
        if (seen.has(k)) continue;
        seen.add(k);
        yield k;
      }
  }

  // ---- implemented by the constructs, in the files beside this one
  protected abstract value(e: ts.Expression, hint?: string): Atom;
  protected abstract numeric(a: Atom, at: ts.Node): Atom;
  protected abstract number(e: ts.Expression, hint?: string): Atom;
  protected abstract identifier(id: ts.Identifier): Atom;
  protected abstract binary(e: ts.BinaryExpression, hint?: string): Atom;
  protected abstract property(e: ts.PropertyAccessExpression): Atom;
  protected abstract condition(e: ts.Expression, hint?: string): VarRef;
  protected abstract array(e: ts.Expression, hint?: string): Atom | undefined;
  protected abstract elementWrite(e: ts.Expression, target: ts.ElementAccessExpression): void;
  protected abstract writableArray(e: ts.Expression): VarRef;
  protected abstract arrayAtom(e: ts.Expression): VarRef;
  protected abstract rowRead(e: ts.ElementAccessExpression, hint?: string): VarRef | undefined;
  protected abstract rootArray(name: string): string;
  protected abstract row(matrix: VarRef, i: Atom, at: ts.Node, hint?: string): VarRef;
  protected abstract flatArray(a: Atom, at: ts.Node, what: string): void;
  protected abstract unsharedArray(a: Atom, at: ts.Node, what: string): void;
  protected abstract call(e: ts.CallExpression, hint?: string): Atom;
  protected abstract inlineCall(e: ts.CallExpression, asStatement?: boolean): Atom | undefined;
  protected abstract userCall(target: CallTarget, shown: string, e: ts.CallExpression, hint?: string): Atom;
  protected abstract opCall(op: OpName, shown: string, e: ts.CallExpression, hint?: string): Atom;
  protected abstract armStatement(st: ts.Statement | undefined): void;
  protected abstract ifStatement(st: ts.IfStatement): void;
  protected abstract branchOn(cond: VarRef, lowerThen: () => void, lowerElse: () => void, at: ts.Node): void;
  protected abstract returningIf(st: ts.IfStatement, next: () => Atom[] | undefined): Atom[] | undefined;
  protected abstract conditional(e: ts.ConditionalExpression, hint?: string, where?: "return" | "value"): Atom;
  protected abstract merged(
    t: Atom,
    e: Atom,
    arms: Statement[][],
    where: "return" | "value",
    at: ts.Node,
    name: () => string,
  ): { kind: "merge"; merge: Merge } | { kind: "same"; atom: Atom };
  protected abstract loop(st: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement): void;
  protected abstract jump(st: ts.BreakStatement | ts.ContinueStatement): void;
  protected abstract jumpedFlag(at: ts.Node): VarRef;
  protected abstract loopReturn(st: ts.ReturnStatement): void;
  protected abstract afterReturningLoop(
    list: readonly ts.Statement[],
    i: number,
    rest: () => Atom[] | undefined,
  ): Atom[] | undefined;
  protected abstract branchResults(
    cond: VarRef,
    thenBody: Statement[],
    thenResults: Atom[],
    elseBody: Statement[],
    elseResults: Atom[],
    at: ts.Node,
  ): Atom[];
  protected abstract guardRest(
    list: readonly ts.Statement[],
    i: number,
    rest: () => Atom[] | undefined,
  ): Atom[] | undefined;
  protected abstract statements(
    list: readonly ts.Statement[],
    i: number,
    rest: () => Atom[] | undefined,
  ): Atom[] | undefined;
  protected abstract returned(e: ts.Expression): Atom[];
  /** The current fields of the record parameters the helper being inlined writes (src/parser/lower/record-statements.ts). */
  protected abstract writtenLeaves(at: ts.Node): Atom[];
  protected abstract operand(e: ts.Expression, where: "return" | "value", hint?: string): Atom;
  protected abstract statement(st: ts.Statement): void;
  protected abstract declarations(list: ts.VariableDeclarationList): void;
  protected abstract expressionStatement(e: ts.Expression): void;
  protected abstract expressionStatements(e: ts.Expression): void;
  protected abstract assignable(target: ts.Expression): Local;
  protected abstract run(): Graph;
  protected abstract method(
    e: ts.CallExpression,
    want: "number" | "array" | "condition" | "statement",
    hint?: string,
  ): Atom | undefined;
  protected abstract methodGives(
    e: ts.CallExpression,
  ): "number" | "array" | "condition" | "statement" | "unsupported" | undefined;
  /** The records a loop writes (fields, wholly, or through a helper): their fields are carried. */
  protected abstract writtenRecords(nodes: readonly (ts.Node | undefined)[]): Set<string>;
  protected abstract param(p: ts.ParameterDeclaration): Param;
}

/** A copy of the scope stack whose locals can be reassigned without touching the original. */
export function copyScopes(scopes: Scopes): Scopes {
  return scopes.map((m) => new Map([...m].map(([k, l]) => [k, { ...l }])));
}

export function sameAtom(a: Atom | undefined, b: Atom | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind === "var" || b.kind === "var") return a.kind === b.kind && (a as VarRef).name === (b as VarRef).name;
  return Object.is(a.value, b.value);
}
