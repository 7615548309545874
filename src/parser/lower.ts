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
import type { Atom, Graph, Merge, OpName, Param, Statement, VarRef } from "../ir.js";
import { NameAllocator } from "../names.js";
import { c } from "../rules/expr.js";
import { isCondition, mathConstants, mathOp, rules, unsupported } from "../rules/table.js";
import type { FunctionSource, ModuleScope } from "./module.js";

/** Resolves calls to user functions and gates (src/parser/program.ts). */
export interface CalleeResolver {
  /** The callee a module-level name refers to: its key in `Program.callees` and its arity. */
  resolve(mod: ModuleScope, name: string, at: ts.Node): { key: string; arity: number };
  /** The same for `ns.member`, where `ns` is a namespace import. */
  resolveMember(mod: ModuleScope, ns: string, member: string, at: ts.Node): { key: string; arity: number };
  /** Names every callee may be called by in generated code, which locals must not shadow. */
  reserved(): Iterable<string>;
}

export interface LowerOptions {
  /** `backward` lowers a gate's backward: it may return a tuple `[g0, g1, ...]`. */
  role: "function" | "backward";
  /** For a gate's backward: the gate's name, for messages. */
  gate?: string;
}

/** A variable visible in the function: its declaration keyword and current SSA value. */
interface Local {
  keyword: "const" | "let" | "param";
  /** undefined while declared but not yet assigned (`let x;`). */
  value: Atom | undefined;
}

type Scopes = Map<string, Local>[];

const BINARY_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.PlusToken]: "add",
  [ts.SyntaxKind.MinusToken]: "sub",
  [ts.SyntaxKind.AsteriskToken]: "mul",
  [ts.SyntaxKind.SlashToken]: "div",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "pow",
  [ts.SyntaxKind.PercentToken]: "mod",
};

const COMPOUND_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.PlusEqualsToken]: "add",
  [ts.SyntaxKind.MinusEqualsToken]: "sub",
  [ts.SyntaxKind.AsteriskEqualsToken]: "mul",
  [ts.SyntaxKind.SlashEqualsToken]: "div",
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken]: "pow",
  [ts.SyntaxKind.PercentEqualsToken]: "mod",
};

const COMPARISON_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.LessThanToken]: "lt",
  [ts.SyntaxKind.GreaterThanToken]: "gt",
  [ts.SyntaxKind.LessThanEqualsToken]: "le",
  [ts.SyntaxKind.GreaterThanEqualsToken]: "ge",
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "eq",
  [ts.SyntaxKind.EqualsEqualsToken]: "eq",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "ne",
  [ts.SyntaxKind.ExclamationEqualsToken]: "ne",
};

const LOGICAL_OPS: Partial<Record<ts.SyntaxKind, OpName>> = {
  [ts.SyntaxKind.AmpersandAmpersandToken]: "and",
  [ts.SyntaxKind.BarBarToken]: "or",
};

/** "ForOfStatement" -> "for...of loop"-like words for messages. */
function kindName(node: ts.Node): string {
  const special: Partial<Record<ts.SyntaxKind, string>> = {
    [ts.SyntaxKind.ForOfStatement]: "for...of loop",
    [ts.SyntaxKind.ForInStatement]: "for...in loop",
    [ts.SyntaxKind.ForStatement]: "for loop",
    [ts.SyntaxKind.WhileStatement]: "while loop",
    [ts.SyntaxKind.DoStatement]: "do...while loop",
    [ts.SyntaxKind.SwitchStatement]: "switch statement",
    [ts.SyntaxKind.ArrayLiteralExpression]: "array literal",
    [ts.SyntaxKind.ObjectLiteralExpression]: "object literal",
    [ts.SyntaxKind.ElementAccessExpression]: "indexed access (a[i])",
  };
  const s = special[node.kind];
  if (s) return s;
  return ts.SyntaxKind[node.kind]!.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

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
  private readonly sf: ts.SourceFile;

  constructor(
    private readonly fn: FunctionSource,
    private readonly mod: ModuleScope,
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
    this.names = new NameAllocator(identifiers);
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
    if (node.type && node.type.kind !== ts.SyntaxKind.NumberKeyword && this.options.role === "function")
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
    return { name, params, body: this.body, results, pos: nameNode.getStart(this.sf) };
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
    if (p.type && p.type.kind !== ts.SyntaxKind.NumberKeyword)
      this.fail(
        codes.parameter,
        `parameter '${name}' has type '${this.text(p.type)}'; adgen differentiates number parameters`,
        p.type,
      );
    this.names.reserve(name);
    this.scopes[0]!.set(name, { keyword: "param", value: { kind: "var", name } });
    return { name, type: "number" };
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
        const after = list.slice(i + 1).find((s) => !isInert(s));
        if (after) this.fail(codes.missingReturn, "unreachable code after 'return'", after);
        if (!st.expression)
          this.fail(codes.notNumber, `'return' without a value; '${this.fn.name}' must return a number`, st);
        return this.returned(st.expression);
      }
      const next = () => this.statements(list, i + 1, rest);
      if (ts.isBlock(st)) {
        if (!containsReturn(st)) {
          this.scopes.push(new Map());
          this.statements(st.statements, 0, () => undefined);
          this.scopes.pop();
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
          continue;
        }
        return this.returningIf(st, next);
      }
      this.statement(st);
    }
    return rest();
  }

  /** The value of `return e`: a number, or for a gate's backward a tuple `[g0, g1, ...]`. */
  private returned(e: ts.Expression): Atom[] {
    const inner = skipParens(e);
    if (this.options.role === "backward" && ts.isArrayLiteralExpression(inner))
      return inner.elements.map((el) => this.number(el));
    return [this.number(e, this.options.role === "function" ? this.fn.name : undefined)];
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
    if (ts.isIterationStatement(st, false))
      this.fail(codes.loop, `${kindName(st)}: loops are not supported yet`, st.getChildAt(0, this.sf));
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
    this.value(e);
    this.fail(codes.statement, `the statement '${this.text(e)}' has no effect`, e);
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
    try {
      f();
      return this.body;
    } finally {
      this.body = outer;
    }
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
    const before = copyScopes(this.scopes);
    const thenBody = this.arm(() => this.armStatement(st.thenStatement));
    const afterThen = this.scopes;
    this.scopes = copyScopes(before);
    const elseBody = this.arm(() => this.armStatement(st.elseStatement));
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
        if (this.isBoolean(t) || this.isBoolean(e))
          this.fail(codes.notNumber, `boolean variable '${name}' is reassigned in a branch; this is not supported`, st);
        const merged = this.names.claim(name);
        merges.push({ name: merged, then: t, else: e });
        local.value = { kind: "var", name: merged };
      }
    });
    this.body.push({ kind: "branch", cond, then: thenBody, else: elseBody, merges, pos: st.getStart(this.sf) });
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
  private node(op: OpName, args: Atom[], at: ts.Node, hint?: string, callee?: string): Atom {
    const name = hint === undefined ? this.names.temp() : this.names.claim(hint);
    this.body.push(
      callee === undefined
        ? { kind: "node", name, op, args, pos: at.getStart(this.sf) }
        : { kind: "node", name, op, args, callee, pos: at.getStart(this.sf) },
    );
    if (isCondition(op)) this.booleans.add(name);
    return { kind: "var", name };
  }

  /** A value for a variable: a number, or a boolean when the expression is a condition. */
  private value(e: ts.Expression, hint?: string): Atom {
    if (isConditionSyntax(e)) return this.condition(e, hint);
    const inner = skipParens(e);
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      if (local) return this.valueOf(local, inner);
    }
    return this.number(e, hint);
  }

  private numeric(a: Atom, at: ts.Node): Atom {
    if (this.isBoolean(a)) this.fail(codes.notNumber, `'${this.text(at)}' is a boolean, not a number`, at);
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
    if (ts.isArrayLiteralExpression(e) || ts.isElementAccessExpression(e))
      this.fail(codes.expression, `${kindName(e)}: arrays are not supported yet`, e);
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
    if (b) this.fail(codes.notNumber, `'${name}' is a function, not a number`, id);
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
      if (this.lookup(object))
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

  private userCall(target: { key: string; arity: number }, shown: string, e: ts.CallExpression, hint?: string): Atom {
    const args = e.arguments.map((a) => this.number(a));
    if (args.length !== target.arity)
      this.fail(
        codes.arity,
        `'${shown}' takes ${target.arity} argument${target.arity === 1 ? "" : "s"}, got ${args.length}`,
        e,
      );
    return this.node("call", args, e, hint, target.key);
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

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function isIncrement(op: ts.SyntaxKind): boolean {
  return op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken;
}

function isAssignmentOperator(k: ts.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** Whether an expression is syntactically a condition (its value is a boolean). */
function isConditionSyntax(e: ts.Expression): boolean {
  const inner = skipParens(e);
  if (ts.isBinaryExpression(inner))
    return (
      COMPARISON_OPS[inner.operatorToken.kind] !== undefined || LOGICAL_OPS[inner.operatorToken.kind] !== undefined
    );
  return ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken;
}

/** Whether a `return` occurs in a statement (not inside nested functions). */
function containsReturn(node: ts.Node): boolean {
  if (ts.isReturnStatement(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, (child) => (containsReturn(child) ? true : undefined)) ?? false;
}

function sameAtom(a: Atom | undefined, b: Atom | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind === "var" || b.kind === "var") return a.kind === b.kind && (a as VarRef).name === (b as VarRef).name;
  return Object.is(a.value, b.value);
}

/** Statements with no run-time effect: empty statements and type declarations. */
function isInert(st: ts.Statement): boolean {
  return ts.isEmptyStatement(st) || ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st);
}
