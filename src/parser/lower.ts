/**
 * Lowering: one TypeScript function to an SSA graph, one node per operation (A-normal form).
 * Nested expressions become temporaries; `let` reassignments and compound assignments become
 * new versions of the variable; `if`/`else` and `?:` become structured branches whose results
 * are merges, with early returns folded in (the code after an `if` that may return becomes part
 * of the arm that does not). Anything outside the supported subset raises a DiagnosticError
 * naming the construct.
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError, type DiagnosticCode } from "../diagnostics.js";
import type { Atom, Carried, Graph, Merge, OpName, Param, Statement, ValueType, VarRef } from "../ir.js";
import { NameAllocator } from "../names.js";
import { c, operationKey } from "../rules/expr.js";
import { isCondition, mathConstants, mathOp, rules, unsupported } from "../rules/table.js";
import type { FunctionSource, ModuleScope } from "./module.js";
import {
  ARRAY_TYPES,
  BINARY_OPS,
  COMPARISON_OPS,
  COMPOUND_OPS,
  LOGICAL_OPS,
  assignedNames,
  callsFunctions,
  containsJump,
  containsReturn,
  declaredNames,
  hasModifier,
  isAssignmentOperator,
  isConditionSyntax,
  isIncrement,
  isInert,
  kindName,
  skipParens,
} from "./syntax.js";

/** Resolves calls to user functions and gates (src/parser/program.ts). */
export interface CalleeResolver {
  /** The callee a module-level name refers to: its key in `Program.callees` and its arity. */
  resolve(mod: ModuleScope, name: string, at: ts.Node): CallTarget;
  /** The same for `ns.member`, where `ns` is a namespace import. */
  resolveMember(mod: ModuleScope, ns: string, member: string, at: ts.Node): CallTarget;
  /** The array form of a scalar gate called with an array (`relu` -> `reluArray`), if any. */
  arrayVariant(key: string): CallTarget | undefined;
  /** Names every callee may be called by in generated code, which locals must not shadow. */
  reserved(): Iterable<string>;
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
interface Local {
  keyword: "const" | "let" | "param";
  /** undefined while declared but not yet assigned (`let x;`). */
  value: Atom | undefined;
}

type Scopes = Map<string, Local>[];

/** The loop being lowered: the flags its `break` and `continue` set (scope keys of boolean locals). */
interface LoopContext {
  broke?: string;
  skip?: string;
}

/** A boolean constant. */
const bool = (b: boolean): Atom => c(b ? 1 : 0, String(b));

export function lowerFunction(
  fn: FunctionSource,
  mod: ModuleScope,
  resolver: CalleeResolver,
  options: LowerOptions = { role: "function" },
): Graph {
  return new FunctionLowering(fn, mod, resolver, options).run();
}

class FunctionLowering {
  /** The statement list being appended to: the function body, or the arm being lowered. */
  private body: Statement[] = [];
  private scopes: Scopes = [new Map()];
  private readonly names: NameAllocator;
  /** SSA names whose value is a boolean (conditions), not a number. */
  private readonly booleans = new Set<string>();
  /** SSA names whose value is an array, with its kind. */
  private readonly arrays = new Map<string, "Float64Array" | "number[]">();
  /** Enclosing loops, innermost last. */
  private readonly loops: LoopContext[] = [];
  /**
   * Loops being lowered, outermost first, for loop-invariant code motion: where the statement
   * around the loop goes (`outer`), its head and body lists, and the arrays it writes ("all"
   * when it calls a function, which might).
   */
  private readonly frames: {
    outer: Statement[];
    head?: Statement[];
    body?: Statement[];
    writes: Set<string> | "all";
  }[] = [];
  /** How many loops enclose each name's definition (absent: none). */
  private readonly depth = new Map<string, number>();
  /** Operations already computed, per block (innermost last), for common-subexpression elimination. */
  private readonly cse: Map<string, Atom>[] = [new Map()];
  /** Functions being inlined, to detect recursion. */
  private readonly inlining: string[] = [];
  /** The differentiated function's parameters. */
  private readonly entryParams = new Set<string>();
  private sf: ts.SourceFile;

  constructor(
    private fn: FunctionSource,
    private mod: ModuleScope,
    private readonly resolver: CalleeResolver,
    private readonly options: LowerOptions,
  ) {
    this.sf = mod.sf;
    const identifiers = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) identifiers.add(n.text);
      ts.forEachChild(n, visit);
    };
    visit(fn.node);
    this.names = new NameAllocator(identifiers, (name) => this.depth.set(name, this.frames.length));
    this.names.reserve("Math");
    for (const name of resolver.reserved()) this.names.reserve(name);
  }

  private fail(code: DiagnosticCode, message: string, node: ts.Node): never {
    throw new DiagnosticError(code, message, node.getStart(this.sf), node.getEnd());
  }

  private text(node: ts.Node): string {
    const t = node.getText(this.sf).replace(/\s+/g, " ");
    return t.length > 40 ? `${t.slice(0, 37)}...` : t;
  }

  run(): Graph {
    const { node, name, nameNode } = this.fn;
    const what = this.options.role === "backward" ? `backward of gate '${this.options.gate}'` : `'${name}'`;
    if (hasModifier(node, ts.SyntaxKind.AsyncKeyword))
      this.fail(
        codes.functionForm,
        `${what} is async; adgen differentiates synchronous functions of numbers`,
        nameNode,
      );
    if (!ts.isArrowFunction(node) && node.asteriskToken)
      this.fail(
        codes.functionForm,
        `${what} is a generator; adgen differentiates functions that return a number`,
        nameNode,
      );
    if (node.typeParameters)
      this.fail(
        codes.functionForm,
        `${what} is generic; adgen differentiates functions of number parameters`,
        node.typeParameters[0]!,
      );
    const returnsArray =
      node.type !== undefined && ARRAY_TYPES[node.type.getText(this.sf).replace(/\s+/g, " ")] !== undefined;
    if (
      node.type &&
      node.type.kind !== ts.SyntaxKind.NumberKeyword &&
      !returnsArray &&
      this.options.role === "function"
    )
      this.fail(
        codes.notNumber,
        `${what} returns '${this.text(node.type)}'; adgen differentiates functions that return a number`,
        node.type,
      );

    const params = node.parameters.map((p) => this.param(p));
    let results: Atom[] | undefined;
    if (node.body && ts.isBlock(node.body)) {
      results = this.statements(node.body.statements, 0, () => undefined);
    } else if (node.body) {
      results = this.returned(node.body);
    }
    if (results === undefined)
      this.fail(codes.missingReturn, `${what} does not return a value on every path`, nameNode);
    return { name, params, body: this.body, results, arrays: this.arrays, pos: nameNode.getStart(this.sf) };
  }

  private param(p: ts.ParameterDeclaration): Param {
    if (!ts.isIdentifier(p.name))
      this.fail(
        codes.parameter,
        `destructured parameter '${this.text(p.name)}' is not supported; adgen differentiates number parameters`,
        p.name,
      );
    const name = p.name.text;
    if (name === "this") this.fail(codes.thisKeyword, "a 'this' parameter is not supported", p);
    if (p.dotDotDotToken)
      this.fail(
        codes.parameter,
        `rest parameter '...${name}' is not supported; adgen differentiates number parameters`,
        p,
      );
    if (p.questionToken)
      this.fail(codes.parameter, `optional parameter '${name}?' is not supported; every parameter must be a number`, p);
    if (p.initializer)
      this.fail(codes.parameter, `default value for parameter '${name}' is not supported`, p.initializer);
    const typeText = p.type?.getText(this.sf).replace(/\s+/g, " ");
    const arrayType = typeText === undefined ? undefined : ARRAY_TYPES[typeText];
    if (p.type && p.type.kind !== ts.SyntaxKind.NumberKeyword && !arrayType)
      this.fail(
        codes.parameter,
        `parameter '${name}' has type '${this.text(p.type)}'; adgen differentiates number, number[] and Float64Array parameters`,
        p.type,
      );
    this.names.reserve(name);
    this.scopes[0]!.set(name, { keyword: "param", value: { kind: "var", name } });
    this.entryParams.add(name);
    if (arrayType) this.arrays.set(name, arrayType);
    const type: ValueType = arrayType ?? "number";
    return { name, type };
  }

  // ---- statements ------------------------------------------------------------------------

  /**
   * Lowers `list[i..]`, then `rest()` if control reaches the end of the list. Returns what the
   * function returns on every path from here, or undefined if some path falls off the end.
   */
  private statements(list: readonly ts.Statement[], i: number, rest: () => Atom[] | undefined): Atom[] | undefined {
    for (; i < list.length; i++) {
      const st = list[i]!;
      if (ts.isReturnStatement(st)) {
        if (this.loops.length > 0)
          this.fail(
            codes.loop,
            "'return' inside a loop is not supported yet; break out of the loop and return after it",
            st.getChildAt(0, this.sf),
          );
        const after = list.slice(i + 1).find((s) => !isInert(s));
        if (after) this.fail(codes.missingReturn, "unreachable code after 'return'", after);
        if (!st.expression)
          this.fail(codes.notNumber, `'return' without a value; '${this.fn.name}' must return a number`, st);
        return this.returned(st.expression);
      }
      if (ts.isBreakStatement(st) || ts.isContinueStatement(st)) {
        this.jump(st);
        const after = list.slice(i + 1).find((s) => !isInert(s));
        if (after)
          this.fail(
            codes.missingReturn,
            `unreachable code after '${ts.isBreakStatement(st) ? "break" : "continue"}'`,
            after,
          );
        return rest();
      }
      const next = () => this.statements(list, i + 1, rest);
      if (ts.isBlock(st)) {
        if (!containsReturn(st)) {
          this.scopes.push(new Map());
          this.statements(st.statements, 0, () => undefined);
          this.scopes.pop();
          if (containsJump(st)) return this.guardRest(list, i + 1, rest);
          continue;
        }
        this.scopes.push(new Map());
        return this.statements(st.statements, 0, () => {
          this.scopes.pop();
          return next();
        });
      }
      if (ts.isIfStatement(st)) {
        if (!containsReturn(st)) {
          this.ifStatement(st);
          if (containsJump(st)) return this.guardRest(list, i + 1, rest);
          continue;
        }
        return this.returningIf(st, next);
      }
      this.statement(st);
    }
    return rest();
  }

  /** After a statement that may `break` or `continue`: the rest of the list runs only if it did not. */
  private guardRest(list: readonly ts.Statement[], i: number, rest: () => Atom[] | undefined): Atom[] | undefined {
    if (list.slice(i).every(isInert)) return rest();
    const flag = this.jumpedFlag(list[i]!);
    const go = this.node("not", [flag], list[i]!);
    this.branchOn(
      go as VarRef,
      () => this.statements(list, i, () => undefined),
      () => undefined,
      list[i]!,
    );
    return rest();
  }

  /** `break` or `continue`: sets the innermost loop's flag. */
  private jump(st: ts.BreakStatement | ts.ContinueStatement): void {
    if (st.label) this.fail(codes.loop, "labelled break and continue are not supported", st);
    const loop = this.loops[this.loops.length - 1];
    const key = ts.isBreakStatement(st) ? loop?.broke : loop?.skip;
    if (!key) this.fail(codes.statement, `'${st.getText(this.sf)}' outside a loop`, st);
    this.lookup(key)!.value = bool(true);
  }

  /** A boolean that is true once the innermost loop's `break` or `continue` has run this iteration. */
  private jumpedFlag(at: ts.Node): VarRef {
    const loop = this.loops[this.loops.length - 1]!;
    const flags = [loop.broke, loop.skip]
      .filter((k): k is string => k !== undefined)
      .map((k) => this.lookup(k)!.value!);
    const [first, second] = flags;
    if (second === undefined) {
      if (first!.kind === "var") return first as VarRef;
      return this.node("or", [first!, bool(false)], at) as VarRef;
    }
    return this.node("or", [first!, second], at) as VarRef;
  }

  /** The value of `return e`: a number or an array, or for a gate's backward a tuple `[g0, g1, ...]`. */
  private returned(e: ts.Expression): Atom[] {
    const inner = skipParens(e);
    if (this.options.role === "backward" && ts.isArrayLiteralExpression(inner))
      return inner.elements.map((el) => this.number(el));
    const hint = this.options.role === "function" ? this.fn.name : undefined;
    if (this.options.role === "function") {
      if (ts.isIdentifier(inner) && this.lookup(inner.text)) {
        const v = this.valueOf(this.lookup(inner.text)!, inner);
        if (this.isArray(v)) return [v];
      }
      const a = this.array(e, hint);
      if (a) return [a];
    }
    return [this.number(e, hint)];
  }

  private statement(st: ts.Statement): void {
    if (isInert(st)) return;
    if (ts.isVariableStatement(st)) return this.declarations(st.declarationList);
    if (ts.isExpressionStatement(st)) return this.expressionStatement(st.expression);
    if (ts.isSwitchStatement(st))
      this.fail(
        codes.branch,
        "switch statement is not supported; write it as if / else if / else",
        st.getChildAt(0, this.sf),
      );
    if (ts.isForStatement(st) || ts.isWhileStatement(st) || ts.isDoStatement(st) || ts.isForOfStatement(st))
      return this.loop(st);
    if (ts.isIterationStatement(st, false))
      this.fail(
        codes.loop,
        `${kindName(st)} is not supported; use a for, for...of, while or do...while loop`,
        st.getChildAt(0, this.sf),
      );
    if (ts.isFunctionDeclaration(st))
      this.fail(
        codes.statement,
        "nested function declarations are not supported; move the function to the top level",
        st.name ?? st,
      );
    this.fail(codes.statement, `${kindName(st)} is not supported`, st.getChildAt(0, this.sf));
  }

  private declarations(list: ts.VariableDeclarationList): void {
    const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : undefined;
    if (!keyword)
      this.fail(
        codes.statement,
        "'var' declarations are not supported; use 'let' or 'const'",
        list.getChildAt(0, this.sf),
      );
    for (const decl of list.declarations) {
      if (!ts.isIdentifier(decl.name))
        this.fail(codes.statement, `destructuring '${this.text(decl.name)}' is not supported`, decl.name);
      const name = decl.name.text;
      const value = decl.initializer ? this.value(decl.initializer, name) : undefined;
      this.scopes[this.scopes.length - 1]!.set(name, { keyword, value });
    }
  }

  private expressionStatement(e: ts.Expression): void {
    const target = ts.isBinaryExpression(e)
      ? e.left
      : ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)
        ? e.operand
        : undefined;
    if (target && ts.isElementAccessExpression(skipParens(target)))
      return this.elementWrite(e, skipParens(target) as ts.ElementAccessExpression);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const local = this.assignable(e.left);
      local.value = this.value(e.right, (e.left as ts.Identifier).text);
      return;
    }
    if (ts.isBinaryExpression(e) && COMPOUND_OPS[e.operatorToken.kind]) {
      const local = this.assignable(e.left);
      const current = this.numeric(this.valueOf(local, e.left as ts.Identifier), e.left);
      local.value = this.node(
        COMPOUND_OPS[e.operatorToken.kind]!,
        [current, this.number(e.right)],
        e,
        (e.left as ts.Identifier).text,
      );
      return;
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncrement(e.operator)) {
      const local = this.assignable(e.operand);
      const current = this.numeric(this.valueOf(local, e.operand as ts.Identifier), e.operand);
      const op = e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub";
      local.value = this.node(op, [current, c(1)], e, (e.operand as ts.Identifier).text);
      return;
    }
    if (ts.isBinaryExpression(e) && isAssignmentOperator(e.operatorToken.kind))
      this.fail(codes.operator, `operator '${e.operatorToken.getText(this.sf)}' is not supported`, e.operatorToken);
    // A helper that writes into arrays, called for its effect (`qtimesx(..., out);`).
    if (ts.isCallExpression(e) && this.inlineCall(e, true) !== undefined) return;
    this.value(e);
    this.fail(codes.statement, `the statement '${this.text(e)}' has no effect`, e);
  }

  /** `a[i] = v`, `a[i] += v`, `a[i]++`: loads, the operation, and a store. */
  private elementWrite(e: ts.Expression, target: ts.ElementAccessExpression): void {
    const array = this.writableArray(target.expression);
    const index = this.number(target.argumentExpression);
    let value: Atom;
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) value = this.number(e.right);
    else if (ts.isBinaryExpression(e) && COMPOUND_OPS[e.operatorToken.kind]) {
      const old = this.node("index", [array, index], target);
      value = this.node(COMPOUND_OPS[e.operatorToken.kind]!, [old, this.number(e.right)], e);
    } else if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncrement(e.operator)) {
      const old = this.node("index", [array, index], target);
      value = this.node(e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", [old, c(1)], e);
    } else this.fail(codes.operator, `'${this.text(e)}' is not supported`, e);
    this.forgetReads(array.name);
    this.body.push({ kind: "store", array, index, value, pos: e.getStart(this.sf) });
  }

  /** The array an element write writes: a local array (not a parameter, which is the caller's). */
  private writableArray(e: ts.Expression): VarRef {
    const a = this.arrayAtom(e);
    // An inlined helper may write into an array its caller made; nobody may write into the
    // differentiated function's own parameters, which belong to its caller.
    if (this.entryParams.has(a.name))
      this.fail(
        codes.outerWrite,
        `writing into '${this.text(e)}', which belongs to the caller, is not supported; copy it first with .slice()`,
        e,
      );
    return a;
  }

  /** An expression that must be an array: its atom. */
  private arrayAtom(e: ts.Expression): VarRef {
    const inner = skipParens(e);
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      const v = local && this.valueOf(local, inner);
      if (v && v.kind === "var" && this.arrays.has(v.name)) return v;
    } else {
      // Lowered first, so that what is wrong with the expression itself is what gets reported.
      const v = this.value(inner);
      if (v.kind === "var" && this.arrays.has(v.name)) return v;
      this.fail(
        codes.notNumber,
        `'${this.text(e)}' is ${this.isBoolean(v) ? "a boolean" : "a number"}, not an array`,
        e,
      );
    }
    this.fail(codes.notNumber, `'${this.text(e)}' is not an array`, e);
  }

  /** The local variable an assignment writes, or a diagnostic for anything else. */
  private assignable(target: ts.Expression): Local {
    if (!ts.isIdentifier(target))
      this.fail(
        codes.outerWrite,
        `assignment to '${this.text(target)}': adgen differentiates functions that write only their own local variables`,
        target,
      );
    const local = this.lookup(target.text);
    if (!local) {
      const known = this.mod.bindings.has(target.text);
      this.fail(
        known ? codes.outerWrite : codes.unknownName,
        known
          ? `assignment to '${target.text}', which is outside the function; adgen differentiates functions without side effects`
          : `'${target.text}' is not declared`,
        target,
      );
    }
    if (local.keyword === "const")
      this.fail(codes.constAssign, `'${target.text}' is a const and cannot be reassigned`, target);
    return local;
  }

  private lookup(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i]!.get(name);
      if (l) return l;
    }
    return undefined;
  }

  private valueOf(local: Local, id: ts.Identifier): Atom {
    if (!local.value)
      this.fail(codes.unassigned, `'${id.text}' is read before it is assigned a value on every path`, id);
    return local.value;
  }

  // ---- branches --------------------------------------------------------------------------

  /** Runs `f` with a fresh statement list and returns it (the body of an arm). */
  private arm(f: () => void): Statement[] {
    const outer = this.body;
    this.body = [];
    this.cse.push(new Map());
    try {
      f();
      return this.body;
    } finally {
      this.body = outer;
      this.cse.pop();
    }
  }

  /** Forgets reads of `array` (it is written), or of every array when `array` is undefined. */
  private forgetReads(array?: string): void {
    const prefix = array === undefined ? "index:(" : `index:(${array},`;
    for (const table of this.cse) for (const key of [...table.keys()]) if (key.startsWith(prefix)) table.delete(key);
  }

  /** Lowers an `if` statement, or the single statement or block of an arm. */
  private armStatement(st: ts.Statement | undefined): void {
    if (!st) return;
    if (ts.isBlock(st)) {
      this.scopes.push(new Map());
      this.statements(st.statements, 0, () => undefined);
      this.scopes.pop();
    } else this.statements([st], 0, () => undefined);
  }

  /** An `if` without `return` inside: both arms run to the end, and changed variables merge. */
  private ifStatement(st: ts.IfStatement): void {
    const cond = this.condition(st.expression, "cond");
    this.branchOn(
      cond,
      () => this.armStatement(st.thenStatement),
      () => this.armStatement(st.elseStatement),
      st,
    );
  }

  /** A branch on `cond` whose arms fall through; variables assigned in either arm merge after it. */
  private branchOn(cond: VarRef, lowerThen: () => void, lowerElse: () => void, at: ts.Node): void {
    const before = copyScopes(this.scopes);
    const thenBody = this.arm(lowerThen);
    const afterThen = this.scopes;
    this.scopes = copyScopes(before);
    const elseBody = this.arm(lowerElse);
    const afterElse = this.scopes;

    const merges: Merge[] = [];
    this.scopes = before;
    before.forEach((scope, level) => {
      for (const [name, local] of scope) {
        const t = afterThen[level]!.get(name)!.value;
        const e = afterElse[level]!.get(name)!.value;
        if (sameAtom(t, local.value) && sameAtom(e, local.value)) continue;
        if (!t || !e) {
          local.value = undefined; // assigned on one path only: reading it later is a diagnostic
          continue;
        }
        if (sameAtom(t, e)) {
          local.value = t;
          continue;
        }
        if (this.isArray(t) || this.isArray(e))
          this.fail(codes.notNumber, `array variable '${name}' is reassigned in a branch; this is not supported`, at);
        const merged = this.names.claim(name.startsWith("#") ? name.slice(1) : name);
        if (this.isBoolean(t) && this.isBoolean(e)) this.booleans.add(merged);
        else if (this.isBoolean(t) || this.isBoolean(e))
          this.fail(codes.notNumber, `'${name}' is a boolean on one path and a number on the other`, at);
        merges.push({ name: merged, then: t, else: e });
        local.value = { kind: "var", name: merged };
      }
    });
    this.body.push({ kind: "branch", cond, then: thenBody, else: elseBody, merges, pos: at.getStart(this.sf) });
  }

  private isArray(a: Atom | undefined): boolean {
    return a?.kind === "var" && this.arrays.has(a.name);
  }

  // ---- loops -----------------------------------------------------------------------------

  /**
   * `for`, `for...of`, `while`, `do...while` as one structured Loop. Locals assigned inside
   * become carried values (phis); `break` sets a carried flag that the loop condition checks,
   * `continue` a per-iteration flag that skips the rest of the body.
   */
  private loop(st: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement): void {
    // A read from before the loop must not stand for a read in a later iteration after a write.

    if (this.options.role === "backward")
      this.fail(
        codes.gate,
        `backward of gate '${this.options.gate}' has a loop; a gate's backward is straight-line code (branches allowed)`,
        st.getChildAt(0, this.sf),
      );
    this.scopes.push(new Map());
    const scope = this.scopes[this.scopes.length - 1]!;
    if (ts.isForStatement(st) && st.initializer) {
      if (ts.isVariableDeclarationList(st.initializer)) this.declarations(st.initializer);
      else this.expressionStatement(st.initializer);
    }
    // for...of: a hidden counter, and the element bound at the start of each iteration.
    let forOf: { array: VarRef; counter: string; element: ts.BindingName; keyword: "const" | "let" } | undefined;
    if (ts.isForOfStatement(st)) {
      const iterated = this.value(st.expression);
      if (!this.isArray(iterated))
        this.fail(codes.notNumber, `for...of needs an array; '${this.text(st.expression)}' is not one`, st.expression);
      const array = iterated as VarRef;
      const decl = ts.isVariableDeclarationList(st.initializer) ? st.initializer.declarations[0] : undefined;
      if (!decl || !ts.isIdentifier(decl.name))
        this.fail(codes.statement, "for...of needs 'const x of array'", st.initializer);
      scope.set("#i", { keyword: "let", value: c(0) });
      forOf = {
        array,
        counter: "#i",
        element: decl.name,
        keyword: st.initializer.flags & ts.NodeFlags.Const ? "const" : "let",
      };
    }
    const hasBreak = containsJump(st.statement, "break");
    const hasContinue = containsJump(st.statement, "continue");
    if (hasBreak) scope.set("#broke", { keyword: "let", value: bool(false) });
    if (ts.isDoStatement(st)) scope.set("#again", { keyword: "let", value: bool(true) });

    const frame: (typeof this.frames)[number] = { outer: this.body, writes: this.arrayWrites(st) };
    this.frames.push(frame);
    // A read from before the loop must not stand for a read, in a later iteration, of an array the
    // loop writes.
    if (frame.writes === "all") this.forgetReads();
    else for (const array of frame.writes) this.forgetReads(array);
    // Carried: every local assigned in the loop that lives outside its body.
    const assigned = assignedNames(st);
    const declaredInside = declaredNames(st.statement);
    const carriedKeys = [...this.visibleNames()].filter(
      (k) => (k.startsWith("#") && scope.has(k)) || (assigned.has(k) && !declaredInside.has(k)),
    );
    const carried: Carried[] = [];
    const locals = carriedKeys.map((key) => {
      const local = this.lookup(key)!;
      if (local.keyword === "const") return undefined;
      if (!local.value) this.fail(codes.unassigned, `'${key}' is assigned in the loop but has no value before it`, st);
      if (this.isArray(local.value))
        this.fail(
          codes.statement,
          `array variable '${key}' is reassigned in a loop; write into its elements instead`,
          st,
        );
      const phi = this.names.claim(key === "#i" ? "i" : key.startsWith("#") ? key.slice(1) : key);
      if (this.isBoolean(local.value)) this.booleans.add(phi);
      const entry: Carried = { name: phi, init: local.value, next: local.value };
      carried.push(entry);
      local.value = { kind: "var", name: phi };
      return { local, entry };
    });

    const ctx: LoopContext = {};
    if (hasBreak) ctx.broke = "#broke";
    let cond: VarRef | undefined;
    const head = this.arm(() => {
      frame.head = this.body;
      let test: VarRef;
      if (ts.isDoStatement(st)) test = this.lookup("#again")!.value as VarRef;
      else if (forOf) {
        const n = this.node("length", [forOf.array], st);
        test = this.node("lt", [this.lookup("#i")!.value!, n], st) as VarRef;
      } else {
        const condition = ts.isWhileStatement(st) ? st.expression : (st as ts.ForStatement).condition;
        const always = !condition || skipParens(condition).kind === ts.SyntaxKind.TrueKeyword;
        // `while (true) { ... break; }` and `for (;;)`: the loop runs until its break.
        if (always && !hasBreak)
          this.fail(codes.loop, "this loop never ends: it has no condition and no 'break'", st.getChildAt(0, this.sf));
        if (always) {
          cond = this.node("not", [this.lookup("#broke")!.value!], st) as VarRef;
          return;
        }
        test = this.condition(condition!);
      }
      if (hasBreak) {
        const going = this.node("not", [this.lookup("#broke")!.value!], st);
        test = this.node("and", [going, test!], st) as VarRef;
      }
      cond = test!;
    });

    this.loops.push(ctx);
    const body = this.arm(() => {
      frame.body = this.body;
      this.scopes.push(new Map());
      if (hasContinue) {
        this.scopes[this.scopes.length - 1]!.set("#skip", { keyword: "let", value: bool(false) });
        ctx.skip = "#skip";
      }
      if (forOf) {
        const element = this.node(
          "index",
          [forOf.array, this.lookup("#i")!.value!],
          st,
          (forOf.element as ts.Identifier).text,
        );
        this.scopes[this.scopes.length - 1]!.set((forOf.element as ts.Identifier).text, {
          keyword: forOf.keyword,
          value: element,
        });
      }
      if (ts.isBlock(st.statement)) this.statements(st.statement.statements, 0, () => undefined);
      else this.statements([st.statement], 0, () => undefined);
      this.scopes.pop();
      ctx.skip = undefined;
      // The step runs after the body and after `continue`, but not after `break`.
      const step = () => {
        if (ts.isForStatement(st) && st.incrementor) this.expressionStatement(st.incrementor);
        if (forOf) this.lookup("#i")!.value = this.node("add", [this.lookup("#i")!.value!, c(1)], st);
        if (ts.isDoStatement(st)) this.lookup("#again")!.value = this.condition(st.expression);
      };
      if (hasBreak)
        this.branchOn(this.node("not", [this.lookup("#broke")!.value!], st) as VarRef, step, () => undefined, st);
      else step();
    });
    this.loops.pop();
    this.frames.pop();

    // Branches in the body replace scope entries with copies: look the locals up again.
    carriedKeys.forEach((key, i) => {
      const entry = locals[i]?.entry;
      if (!entry) return;
      const local = this.lookup(key)!;
      entry.next = local.value!;
      local.value = { kind: "var", name: entry.name };
    });
    this.scopes.pop();
    this.body.push({ kind: "loop", carried, head, cond: cond!, body, pos: st.getStart(this.sf) });
  }

  /** The arrays a loop writes, by SSA name, or "all" if it calls a function (which might). */
  private arrayWrites(st: ts.Node): Set<string> | "all" {
    if (callsFunctions(st)) return "all";
    const written = new Set<string>();
    const declaredInside = declaredNames(st);
    let unknown = false;
    const visit = (n: ts.Node): void => {
      const target =
        ts.isBinaryExpression(n) && isAssignmentOperator(n.operatorToken.kind)
          ? skipParens(n.left)
          : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && isIncrement(n.operator)
            ? n.operand
            : undefined;
      if (target && ts.isElementAccessExpression(target)) {
        // A write through a name declared inside the loop (an alias) could be any array.
        const id = skipParens(target.expression);
        const value = ts.isIdentifier(id) && !declaredInside.has(id.text) ? this.lookup(id.text)?.value : undefined;
        if (value?.kind === "var") written.add(value.name);
        else unknown = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(st);
    return unknown ? "all" : written;
  }

  /** Every name visible here, innermost scope last. */
  private *visibleNames(): Generator<string> {
    const seen = new Set<string>();
    for (let i = this.scopes.length - 1; i >= 0; i--)
      for (const k of this.scopes[i]!.keys()) {
        if (seen.has(k)) continue;
        seen.add(k);
        yield k;
      }
  }

  /** An `if` with a `return` inside: the code after it (`next`) continues each arm that falls through. */
  private returningIf(st: ts.IfStatement, next: () => Atom[] | undefined): Atom[] | undefined {
    const cond = this.condition(st.expression, "cond");
    const before = copyScopes(this.scopes);
    const lowerArm = (arm: ts.Statement | undefined): Atom[] | undefined => {
      if (!arm) return next();
      if (ts.isBlock(arm)) {
        this.scopes.push(new Map());
        return this.statements(arm.statements, 0, () => {
          this.scopes.pop();
          return next();
        });
      }
      return this.statements([arm], 0, next);
    };
    let thenResults: Atom[] | undefined;
    let elseResults: Atom[] | undefined;
    const thenBody = this.arm(() => (thenResults = lowerArm(st.thenStatement)));
    this.scopes = copyScopes(before);
    const elseBody = this.arm(() => (elseResults = lowerArm(st.elseStatement)));
    if (!thenResults || !elseResults) return undefined;
    if (thenResults.length !== elseResults.length)
      this.fail(
        codes.gate,
        `backward of gate '${this.options.gate}' returns different numbers of gradients on different paths`,
        st,
      );
    const merges: Merge[] = thenResults.map((t, i) => ({
      name: this.options.role === "function" ? this.names.claim(this.fn.name) : this.names.temp(),
      then: t,
      else: elseResults![i]!,
    }));
    this.body.push({ kind: "branch", cond, then: thenBody, else: elseBody, merges, pos: st.getStart(this.sf) });
    return merges.map((m): VarRef => ({ kind: "var", name: m.name }));
  }

  /** `cond ? a : b`: a branch with one merge; only the chosen arm is evaluated. */
  private conditional(e: ts.ConditionalExpression, hint?: string): Atom {
    const cond = this.condition(e.condition, "cond");
    let a: Atom | undefined;
    let b: Atom | undefined;
    const thenBody = this.arm(() => (a = this.number(e.whenTrue)));
    const elseBody = this.arm(() => (b = this.number(e.whenFalse)));
    const name = hint === undefined ? this.names.temp() : this.names.claim(hint);
    this.body.push({
      kind: "branch",
      cond,
      then: thenBody,
      else: elseBody,
      merges: [{ name, then: a!, else: b! }],
      pos: e.getStart(this.sf),
    });
    return { kind: "var", name };
  }

  /** A boolean expression: comparisons, `&&`, `||`, `!`, or a boolean local. */
  private condition(e: ts.Expression, hint?: string): VarRef {
    const inner = skipParens(e);
    if (ts.isBinaryExpression(inner)) {
      const k = inner.operatorToken.kind;
      const cmp = COMPARISON_OPS[k];
      if (cmp) return this.node(cmp, [this.number(inner.left), this.number(inner.right)], inner, hint) as VarRef;
      const logical = LOGICAL_OPS[k];
      if (logical)
        return this.node(logical, [this.condition(inner.left), this.condition(inner.right)], inner, hint) as VarRef;
    }
    if (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken)
      return this.node("not", [this.condition(inner.operand)], inner, hint) as VarRef;
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      const v = local && this.valueOf(local, inner);
      if (v && this.isBoolean(v)) return v as VarRef;
    }
    this.fail(codes.notNumber, `the condition '${this.text(e)}' is not a comparison; write one, such as 'x !== 0'`, e);
  }

  private isBoolean(a: Atom | undefined): boolean {
    return a?.kind === "var" && this.booleans.has(a.name);
  }

  // ---- expressions -----------------------------------------------------------------------

  /** Appends a node and returns a reference to it. `hint` names it after a user variable. */
  private node(op: OpName, args: Atom[], at: ts.Node, hint?: string, callee?: string, pure = true): Atom {
    // Constant folding: arithmetic on literals, exact in IEEE arithmetic whoever computes it
    // (`**` and Math functions are left alone: engines may round them differently). Named
    // constants (`Math.PI`) stay symbolic, for reading.
    if (FOLDABLE.has(op) && args.every((a) => a.kind === "const" && a.text === undefined))
      return c(rules[op]!.eval(...args.map((a) => (a as { value: number }).value)));
    // Common subexpressions: the same pure operation on the same operands, already computed in
    // this block or an enclosing one, is reused. A read of an array is reused only until the
    // array is written; operations that make a new array never are.
    const takesArray = op !== "index" && op !== "length" && args.some((a) => this.isArray(a));
    const key = pure && !rules[op]?.array && !takesArray ? operationKey(op, callee, args) : undefined;
    if (key) {
      for (let i = this.cse.length - 1; i >= 0; i--) {
        const hit = this.cse[i]!.get(key);
        if (hit) return hit;
      }
    }
    // Loop-invariant code motion: arithmetic on values from outside a loop, at the top level of
    // its body, is computed once before it (as far out as it stays invariant). Only + - * and
    // negation: they are finite on finite operands, so when the loop runs zero times the hoisted
    // value's zero gradient stays zero (a hoisted sqrt, division or out-of-range read could make
    // it 0 * NaN).
    let target = this.body;
    let level = this.frames.length;
    while (key && HOISTABLE.has(op) && level > 0) {
      const frame = this.frames[level - 1]!;
      if (target !== frame.body && target !== frame.head) break;
      if (!args.every((a) => a.kind === "const" || (this.depth.get(a.name) ?? 0) < level)) break;
      target = frame.outer;
      level--;
    }
    const name = hint === undefined ? this.names.temp() : this.names.claim(hint);
    this.depth.set(name, level);
    if (key) this.cse[this.cse.length - 1]!.set(key, { kind: "var", name });
    target.push(
      callee === undefined
        ? { kind: "node", name, op, args, pos: at.getStart(this.sf) }
        : { kind: "node", name, op, args, callee, pos: at.getStart(this.sf) },
    );
    if (isCondition(op)) this.booleans.add(name);
    return { kind: "var", name };
  }

  /** A value for a variable: a number, a boolean when the expression is a condition, or an array. */
  private value(e: ts.Expression, hint?: string): Atom {
    if (isConditionSyntax(e)) return this.condition(e, hint);
    const inner = skipParens(e);
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      if (local) return this.valueOf(local, inner);
    }
    return this.array(e, hint) ?? this.number(e, hint);
  }

  /** An array-creating expression (`new Float64Array(n)`, `new Array(n).fill(0)`, `[a, b]`, `a.slice()`), else undefined. */
  private array(e: ts.Expression, hint?: string): Atom | undefined {
    const inner = skipParens(e);
    const make = (op: OpName, args: Atom[], kind: "Float64Array" | "number[]") => {
      const a = this.node(op, args, inner, hint);
      this.arrays.set((a as VarRef).name, kind);
      return a;
    };
    if (ts.isNewExpression(inner) && ts.isIdentifier(inner.expression) && inner.expression.text === "Float64Array") {
      const arg = inner.arguments?.[0];
      if (!arg || inner.arguments!.length !== 1 || ts.isArrayLiteralExpression(arg))
        this.fail(
          codes.expression,
          "'new Float64Array' takes a length here; build other arrays with .slice() or a loop",
          inner,
        );
      return make("newFloat64Array", [this.number(arg)], "Float64Array");
    }
    if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression)) {
      const object = skipParens(inner.expression.expression);
      const member = inner.expression.name.text;
      if (
        member === "fill" &&
        ts.isNewExpression(object) &&
        ts.isIdentifier(object.expression) &&
        object.expression.text === "Array"
      ) {
        const fill = inner.arguments[0];
        if (
          object.arguments?.length !== 1 ||
          inner.arguments.length !== 1 ||
          !fill ||
          !ts.isNumericLiteral(fill) ||
          Number(fill.text) !== 0
        )
          this.fail(codes.expression, "only 'new Array(n).fill(0)' is supported to create a number[]", inner);
        return make("zeros", [this.number(object.arguments[0]!)], "number[]");
      }
      if (member === "slice") {
        if (inner.arguments.length > 0)
          this.fail(codes.expression, "'.slice()' with arguments is not supported; copy the whole array", inner);
        const source = this.arrayAtom(object);
        return make("slice", [source], this.arrays.get(source.name)!);
      }
    }
    if (ts.isArrayLiteralExpression(inner)) {
      const spread = inner.elements.find(ts.isSpreadElement);
      if (spread) this.fail(codes.expression, "spread in an array literal is not supported", spread);
      const nested = inner.elements.find((el) => ts.isArrayLiteralExpression(skipParens(el)));
      if (nested)
        this.fail(
          codes.expression,
          "arrays of arrays are not supported; use a flat array indexed as m[i * cols + j]",
          nested,
        );
      return make(
        "arrayOf",
        inner.elements.map((el) => this.number(el)),
        "number[]",
      );
    }
    if (ts.isCallExpression(inner)) return this.inlineCall(inner);
    return undefined;
  }

  private numeric(a: Atom, at: ts.Node): Atom {
    if (this.isBoolean(a)) this.fail(codes.notNumber, `'${this.text(at)}' is a boolean, not a number`, at);
    if (a.kind === "var" && this.arrays.has(a.name))
      this.fail(codes.notNumber, `'${this.text(at)}' is an array, not a number`, at);
    return a;
  }

  /** Lowers a numeric expression to an atom, appending a node per operation. */
  private number(e: ts.Expression, hint?: string): Atom {
    if (ts.isNumericLiteral(e)) return c(Number(e.text));
    if (ts.isIdentifier(e)) return this.numeric(this.identifier(e), e);
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isTypeAssertionExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e)
    )
      return this.number(e.expression, hint);
    if (ts.isPrefixUnaryExpression(e)) {
      if (e.operator === ts.SyntaxKind.MinusToken) {
        if (ts.isNumericLiteral(e.operand)) return c(-Number(e.operand.text));
        return this.node("neg", [this.number(e.operand)], e, hint);
      }
      if (e.operator === ts.SyntaxKind.PlusToken) return this.number(e.operand, hint);
      if (e.operator === ts.SyntaxKind.ExclamationToken)
        this.fail(codes.notNumber, `'${this.text(e)}' is a boolean, not a number`, e);
      if (isIncrement(e.operator))
        this.fail(
          codes.expression,
          `'${this.text(e)}' inside an expression is not supported; write it as its own statement`,
          e,
        );
      this.fail(codes.operator, `operator '${ts.tokenToString(e.operator)}' is not differentiable`, e);
    }
    if (ts.isPostfixUnaryExpression(e))
      this.fail(
        codes.expression,
        `'${this.text(e)}' inside an expression is not supported; write it as its own statement`,
        e,
      );
    if (ts.isBinaryExpression(e)) return this.binary(e, hint);
    if (ts.isCallExpression(e)) return this.call(e, hint);
    if (ts.isPropertyAccessExpression(e)) return this.property(e);
    if (ts.isConditionalExpression(e)) return this.conditional(e, hint);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e))
      this.fail(codes.string, `string value ${this.text(e)}: adgen differentiates numbers only`, e);
    if (e.kind === ts.SyntaxKind.ThisKeyword)
      this.fail(codes.thisKeyword, "'this' is not supported; pass the values in as parameters", e);
    if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword)
      this.fail(codes.expression, `boolean value '${this.text(e)}' is not supported`, e);
    if (ts.isNewExpression(e)) {
      const callee = ts.isIdentifier(e.expression) ? e.expression.text : undefined;
      if (callee === "Date") this.fail(codes.date, "'new Date()' depends on the clock; pass times in as parameters", e);
      if (callee === "Function")
        this.fail(codes.evalCall, "'new Function' evaluates code at run time and cannot be differentiated", e);
      this.fail(
        codes.expression,
        `'new ${callee ?? this.text(e.expression)}' is not supported; adgen differentiates numbers`,
        e,
      );
    }
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e))
      this.fail(codes.expression, "function expressions inside a differentiated function are not supported", e);
    if (ts.isElementAccessExpression(e)) {
      const array = this.arrayAtom(e.expression);
      return this.node("index", [array, this.number(e.argumentExpression)], e, hint);
    }
    if (ts.isArrayLiteralExpression(e))
      this.fail(
        codes.notNumber,
        "an array literal is not a number; arrays can be assigned to a variable or returned",
        e,
      );
    this.fail(codes.expression, `${kindName(e)} is not supported`, e);
  }

  private identifier(id: ts.Identifier): Atom {
    const name = id.text;
    const local = this.lookup(name);
    if (local) return this.valueOf(local, id);
    const b = this.mod.bindings.get(name);
    if (b?.kind === "constant") return c(b.value);
    if (b?.kind === "mutable")
      this.fail(
        codes.unknownName,
        `'${name}' is a module-level ${b.keyword}; adgen differentiates functions of their parameters: pass it in as a parameter`,
        id,
      );
    if (b)
      this.fail(
        codes.notNumber,
        `'${name}' is a function, not a number; functions cannot be stored in variables or passed around: call '${name}' directly`,
        id,
      );
    if (name === "Infinity") return c(Infinity);
    if (name === "NaN") return c(NaN);
    if (name === "undefined") this.fail(codes.notNumber, "'undefined' is not a number", id);
    if (this.options.role === "backward")
      this.fail(
        codes.gate,
        `backward of gate '${this.options.gate}' reads '${name}', which it is not given; backward receives (grad, out, ...inputs)`,
        id,
      );
    this.fail(
      codes.unknownName,
      `'${name}' is not a parameter, a local variable or a module-level numeric constant`,
      id,
    );
  }

  private binary(e: ts.BinaryExpression, hint?: string): Atom {
    const k = e.operatorToken.kind;
    const op = BINARY_OPS[k];
    if (op) {
      const left = this.number(e.left);
      const right = this.number(e.right);
      return this.node(op, [left, right], e, hint);
    }
    if (isAssignmentOperator(k))
      this.fail(
        codes.expression,
        `assignment inside an expression ('${this.text(e)}') is not supported; write it as its own statement`,
        e,
      );
    if (COMPARISON_OPS[k] || LOGICAL_OPS[k])
      this.fail(codes.notNumber, `'${this.text(e)}' is a boolean, not a number`, e);
    if (k === ts.SyntaxKind.QuestionQuestionToken)
      this.fail(codes.operator, "operator '??' is not supported: every value is a number", e.operatorToken);
    this.fail(
      codes.operator,
      `operator '${ts.tokenToString(k) ?? e.operatorToken.getText(this.sf)}' is not differentiable`,
      e.operatorToken,
    );
  }

  private property(e: ts.PropertyAccessExpression): Atom {
    const member = e.name.text;
    if (member === "length") return this.node("length", [this.arrayAtom(e.expression)], e);
    if (ts.isIdentifier(e.expression) && e.expression.text === "Math" && !this.lookup("Math")) {
      const value = mathConstants[member];
      if (value !== undefined) return c(value, `Math.${member}`);
      if (mathOp(member) || unsupported[`Math.${member}`])
        this.fail(codes.notNumber, `'Math.${member}' is a function, not a number; call it`, e);
      this.fail(codes.unknownMath, `'Math.${member}' is not a Math constant`, e.name);
    }
    this.fail(
      codes.expression,
      `property access '${this.text(e)}': objects are not supported; adgen differentiates numbers`,
      e,
    );
  }

  private call(e: ts.CallExpression, hint?: string): Atom {
    const callee = e.expression;
    const spread = e.arguments.find(ts.isSpreadElement);
    if (spread) this.fail(codes.expression, "spread arguments are not supported", spread);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      const object = callee.expression.text;
      const member = callee.name.text;
      const local = this.lookup(object);
      if (local && this.isArray(local.value))
        this.fail(
          codes.expression,
          `'${object}.${member}(...)' is not supported: arrays keep their length; allocate with new Float64Array(n) and write elements (a.slice() copies)`,
          callee,
        );
      if (local)
        this.fail(
          codes.notNumber,
          `'${object}' is a number; '${object}.${member}' is not a function adgen knows`,
          callee,
        );
      if (object === "Math") {
        const reason = unsupported[`Math.${member}`];
        if (reason) this.fail(codes.unsupportedMath, `'Math.${member}' is not supported: ${reason}`, callee);
        const op = mathOp(member);
        if (!op) this.fail(codes.unknownMath, `'Math.${member}' is not a Math function`, callee.name);
        return this.opCall(op, `Math.${member}`, e, hint);
      }
      const b = this.mod.bindings.get(object);
      if (b?.kind === "namespace")
        return this.userCall(
          this.resolver.resolveMember(this.mod, object, member, callee),
          `${object}.${member}`,
          e,
          hint,
        );
      if (object === "Date")
        this.fail(codes.date, `'Date.${member}' depends on the clock; pass times in as parameters`, callee);
      this.fail(
        codes.unknownCall,
        `'${this.text(callee)}(...)' is not supported: adgen has no derivative rule for it`,
        callee,
      );
    }
    if (!ts.isIdentifier(callee))
      this.fail(codes.unknownCall, `calling '${this.text(callee)}' is not supported`, callee);
    const name = callee.text;
    if (this.lookup(name))
      this.fail(
        codes.notNumber,
        `'${name}' is a local value, not a function; calls through values are not supported`,
        callee,
      );
    const b = this.mod.bindings.get(name);
    const inlined = this.inlineCall(e);
    if (inlined) {
      if (this.isArray(inlined)) this.fail(codes.notNumber, `'${name}(...)' returns an array, not a number`, e);
      return inlined;
    }
    if (b?.kind === "function" || b?.kind === "gate" || b?.kind === "import")
      return this.userCall(this.resolver.resolve(this.mod, name, callee), name, e, hint);
    if (b?.kind === "mutable" || b?.kind === "constant")
      this.fail(
        codes.notNumber,
        `'${name}' is a module-level value, not a function; calls through values are not supported`,
        callee,
      );
    if (name === "eval")
      this.fail(codes.evalCall, "'eval' runs code unknown at compile time and cannot be differentiated", callee);
    if (name === "Function")
      this.fail(codes.evalCall, "'Function' builds code at run time and cannot be differentiated", callee);
    if (name === "Date") this.fail(codes.date, "'Date()' depends on the clock; pass times in as parameters", callee);
    this.fail(
      codes.unknownCall,
      `'${name}' is not a function adgen knows (a Math function, a gate, or a function of yours)`,
      callee,
    );
  }

  /**
   * A call to a function that takes or returns arrays is inlined: its body is lowered here, with
   * its parameters bound to the arguments (a pullback could not see the arrays as they were at
   * the call). Returns undefined for any other call.
   */
  private inlineCall(e: ts.CallExpression, asStatement = false): Atom | undefined {
    if (!ts.isIdentifier(e.expression) || this.lookup(e.expression.text)) return undefined;
    const name = e.expression.text;
    const b = this.mod.bindings.get(name);
    if (b?.kind !== "function" && b?.kind !== "import") return undefined;
    const src = this.resolver.functionSource(this.mod, name, e.expression);
    if (!src) return undefined;
    const node = src.fn.node;
    const isArrayType = (t: ts.TypeNode | undefined) =>
      t !== undefined && ARRAY_TYPES[t.getText(src.mod.sf).replace(/\s+/g, " ")] !== undefined;
    if (!node.parameters.some((p) => isArrayType(p.type)) && !isArrayType(node.type)) return undefined;
    const id = `${src.mod.file}#${src.fn.name}`;
    if (this.inlining.includes(id) || (src.fn.node === this.fn.node && this.inlining.length === 0))
      this.fail(codes.recursion, `'${src.fn.name}' calls itself; recursion is not supported`, e.expression);
    if (e.arguments.length !== node.parameters.length)
      this.fail(
        codes.arity,
        `'${name}' takes ${node.parameters.length} argument${node.parameters.length === 1 ? "" : "s"}, got ${e.arguments.length}`,
        e,
      );
    const args = e.arguments.map((a, i) => {
      const atom = this.value(a);
      const param = node.parameters[i]!;
      if (isArrayType(param.type) !== this.isArray(atom))
        this.fail(
          codes.notNumber,
          `argument ${i + 1} of '${name}' must be ${isArrayType(param.type) ? "an array" : "a number"}`,
          a,
        );
      return atom;
    });

    const saved = { fn: this.fn, mod: this.mod, sf: this.sf, scopes: this.scopes, loops: this.loops.splice(0) };
    this.inlining.push(id);
    this.fn = src.fn;
    this.mod = src.mod;
    this.sf = src.mod.sf;
    this.scopes = [new Map()];
    try {
      node.parameters.forEach((p, i) => {
        if (!ts.isIdentifier(p.name))
          this.fail(codes.parameter, `destructured parameter '${this.text(p.name)}' is not supported`, p.name);
        this.scopes[0]!.set(p.name.text, { keyword: "param", value: args[i]! });
      });
      let results: Atom[] | undefined;
      if (node.body && ts.isBlock(node.body)) results = this.statements(node.body.statements, 0, () => undefined);
      else if (node.body) results = [this.value(node.body, src.fn.name)];
      const isVoid = node.type?.kind === ts.SyntaxKind.VoidKeyword;
      if (isVoid && !asStatement)
        this.fail(codes.notNumber, `'${src.fn.name}' returns nothing; call it as a statement`, e);
      if (isVoid) return c(0);
      if (!results)
        this.fail(codes.missingReturn, `'${src.fn.name}' does not return a value on every path`, src.fn.nameNode);
      return results[0]!;
    } catch (err) {
      if (src.mod !== saved.mod) this.resolver.reportIn(src.mod, err);
      throw err;
    } finally {
      this.inlining.pop();
      this.fn = saved.fn;
      this.mod = saved.mod;
      this.sf = saved.sf;
      this.scopes = saved.scopes;
      this.loops.push(...saved.loops);
    }
  }

  private userCall(target: CallTarget, shown: string, e: ts.CallExpression, hint?: string): Atom {
    let args = e.arguments.map((a) => this.value(a));
    const arrayArg = args.findIndex((a) => this.isArray(a));
    if (!target.inputs && arrayArg >= 0) {
      // A scalar gate called with an array has an elementwise form (`relu` on a Float64Array).
      const variant = this.resolver.arrayVariant(target.key);
      if (!variant)
        this.fail(
          codes.notNumber,
          `argument ${arrayArg + 1} of '${shown}' is an array, not a number`,
          e.arguments[arrayArg]!,
        );
      target = variant;
    }
    if (args.length !== target.arity)
      this.fail(
        codes.arity,
        `'${shown}' takes ${target.arity} argument${target.arity === 1 ? "" : "s"}, got ${args.length}`,
        e,
      );
    args = args.map((a, i) => {
      const kind = target.inputs?.[i] ?? "number";
      if ((kind === "array") !== this.isArray(a))
        this.fail(
          codes.notNumber,
          `argument ${i + 1} of '${shown}' must be ${kind === "array" ? "a Float64Array" : "a number"}`,
          e.arguments[i]!,
        );
      return kind === "array" ? a : this.numeric(a, e.arguments[i]!);
    });
    if (target.output === "array" && this.loops.length > 0)
      this.fail(
        codes.loop,
        `'${shown}' returns an array; array gates that return arrays are not supported inside loops yet`,
        e,
      );
    const result = this.node("call", args, e, hint, target.key, target.output !== "array");
    if (target.output === "array") this.arrays.set((result as VarRef).name, "Float64Array");
    return result;
  }

  /** A call to a rule-table op, checking arity; n-ary max/min become chains of binary ones. */
  private opCall(op: OpName, shown: string, e: ts.CallExpression, hint?: string): Atom {
    const args = e.arguments.map((a) => this.number(a));
    if (op === "max" || op === "min") {
      if (args.length === 0) return c(op === "max" ? -Infinity : Infinity);
      let acc = args[0]!;
      for (let i = 1; i < args.length; i++)
        acc = this.node(op, [acc, args[i]!], e, i === args.length - 1 ? hint : undefined);
      return acc;
    }
    const arity = rules[op]!.arity;
    if (arity === "variadic") return args.length === 0 ? c(0) : this.node(op, args, e, hint);
    if (args.length !== arity)
      this.fail(codes.arity, `'${shown}' takes ${arity} argument${arity === 1 ? "" : "s"}, got ${args.length}`, e);
    return this.node(op, args, e, hint);
  }
}

/** A copy of the scope stack whose locals can be reassigned without touching the original. */
function copyScopes(scopes: Scopes): Scopes {
  return scopes.map((m) => new Map([...m].map(([k, l]) => [k, { ...l }])));
}

/** Ops loop-invariant code motion moves (see `node`). */
const HOISTABLE = new Set(["add", "sub", "mul", "neg"]);

/** Ops folded when every operand is a literal. */
const FOLDABLE = new Set(["add", "sub", "mul", "div", "mod", "neg"]);

function sameAtom(a: Atom | undefined, b: Atom | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind === "var" || b.kind === "var") return a.kind === b.kind && (a as VarRef).name === (b as VarRef).name;
  return Object.is(a.value, b.value);
}
