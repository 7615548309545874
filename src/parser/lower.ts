/**
 * Lowering: one TypeScript function to an SSA graph, one node per operation (A-normal form).
 * Nested expressions become temporaries; `let` reassignments and compound assignments become
 * new versions of the variable. Anything outside the supported subset raises a
 * DiagnosticError naming the construct.
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError, type DiagnosticCode } from "../diagnostics.js";
import type { Atom, Graph, Node, OpName, Param } from "../ir.js";
import { NameAllocator } from "../names.js";
import { c } from "../rules/expr.js";
import { mathConstants, mathOp, rules, unsupported } from "../rules/table.js";
import { GATES_MODULE, type FunctionSource, type ModuleScope } from "./module.js";

/** A variable visible in the function: its declaration keyword and current SSA value. */
interface Local {
  keyword: "const" | "let" | "param";
  /** undefined while declared but not yet assigned (`let x;`). */
  value: Atom | undefined;
}

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

const CONDITION_OPS = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken,
]);

/** "ForOfStatement" -> "for...of statement"-like words for messages. */
function kindName(node: ts.Node): string {
  const special: Partial<Record<ts.SyntaxKind, string>> = {
    [ts.SyntaxKind.ForOfStatement]: "for...of loop",
    [ts.SyntaxKind.ForInStatement]: "for...in loop",
    [ts.SyntaxKind.ForStatement]: "for loop",
    [ts.SyntaxKind.WhileStatement]: "while loop",
    [ts.SyntaxKind.DoStatement]: "do...while loop",
    [ts.SyntaxKind.IfStatement]: "if statement",
    [ts.SyntaxKind.SwitchStatement]: "switch statement",
    [ts.SyntaxKind.ConditionalExpression]: "conditional expression (?:)",
    [ts.SyntaxKind.ArrayLiteralExpression]: "array literal",
    [ts.SyntaxKind.ObjectLiteralExpression]: "object literal",
    [ts.SyntaxKind.ElementAccessExpression]: "indexed access (a[i])",
  };
  const s = special[node.kind];
  if (s) return s;
  return ts.SyntaxKind[node.kind]!.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

export function lowerFunction(fn: FunctionSource, mod: ModuleScope, sf: ts.SourceFile): Graph {
  return new FunctionLowering(fn, mod, sf).run();
}

class FunctionLowering {
  private readonly body: Node[] = [];
  private readonly scopes: Map<string, Local>[] = [new Map()];
  private readonly names: NameAllocator;

  constructor(
    private readonly fn: FunctionSource,
    private readonly mod: ModuleScope,
    private readonly sf: ts.SourceFile,
  ) {
    const identifiers = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) identifiers.add(n.text);
      ts.forEachChild(n, visit);
    };
    visit(fn.node);
    this.names = new NameAllocator(identifiers);
    this.names.reserve("Math");
    for (const [name, b] of mod.bindings) if (b.kind === "gate" || b.kind === "gateNamespace") this.names.reserve(name);
    for (const [name, r] of Object.entries(rules)) if (r.print.kind === "gate") this.names.reserve(name);
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
    if (hasModifier(node, ts.SyntaxKind.AsyncKeyword))
      this.fail(
        codes.functionForm,
        `'${name}' is async; adgen differentiates synchronous functions of numbers`,
        nameNode,
      );
    if (!ts.isArrowFunction(node) && node.asteriskToken)
      this.fail(
        codes.functionForm,
        `'${name}' is a generator; adgen differentiates functions that return a number`,
        nameNode,
      );
    if (node.typeParameters)
      this.fail(
        codes.functionForm,
        `'${name}' is generic; adgen differentiates functions of number parameters`,
        node.typeParameters[0]!,
      );
    if (node.type && node.type.kind !== ts.SyntaxKind.NumberKeyword)
      this.fail(
        codes.notNumber,
        `'${name}' returns '${this.text(node.type)}'; adgen differentiates functions that return a number`,
        node.type,
      );

    const params = node.parameters.map((p) => this.param(p));
    let result: Atom | undefined;
    if (node.body && ts.isBlock(node.body)) result = this.block(node.body.statements);
    else if (node.body) result = this.expr(node.body, name);
    if (result === undefined)
      this.fail(codes.missingReturn, `'${name}' does not end with a 'return' of its value`, nameNode);
    return { name, params, body: this.body, result, pos: nameNode.getStart(this.sf) };
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

  /** Lowers a statement list; returns the returned value if the list ends in a `return`. */
  private block(statements: ts.NodeArray<ts.Statement>): Atom | undefined {
    for (let i = 0; i < statements.length; i++) {
      const st = statements[i]!;
      if (ts.isReturnStatement(st)) {
        const rest = statements.slice(i + 1).find((s) => !isInert(s));
        if (rest) this.fail(codes.missingReturn, "unreachable code after 'return'", rest);
        if (!st.expression)
          this.fail(codes.notNumber, `'return' without a value; '${this.fn.name}' must return a number`, st);
        return this.expr(st.expression, this.fn.name);
      }
      if (ts.isBlock(st)) {
        this.scopes.push(new Map());
        const r = this.block(st.statements);
        this.scopes.pop();
        if (r !== undefined) {
          const rest = statements.slice(i + 1).find((s) => !isInert(s));
          if (rest) this.fail(codes.missingReturn, "unreachable code after 'return'", rest);
          return r;
        }
        continue;
      }
      this.statement(st);
    }
    return undefined;
  }

  private statement(st: ts.Statement): void {
    if (isInert(st)) return;
    if (ts.isVariableStatement(st)) return this.declarations(st.declarationList);
    if (ts.isExpressionStatement(st)) return this.expressionStatement(st.expression);
    if (ts.isIfStatement(st) || ts.isSwitchStatement(st))
      this.fail(codes.branch, `${kindName(st)}: branches are not supported yet`, st.getChildAt(0, this.sf));
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
      const value = decl.initializer ? this.expr(decl.initializer, name) : undefined;
      this.scopes[this.scopes.length - 1]!.set(name, { keyword, value });
    }
  }

  private expressionStatement(e: ts.Expression): void {
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const local = this.assignable(e.left);
      local.value = this.expr(e.right, (e.left as ts.Identifier).text);
      return;
    }
    if (ts.isBinaryExpression(e) && COMPOUND_OPS[e.operatorToken.kind]) {
      const local = this.assignable(e.left);
      const current = this.valueOf(local, e.left as ts.Identifier);
      local.value = this.node(
        COMPOUND_OPS[e.operatorToken.kind]!,
        [current, this.expr(e.right)],
        e,
        (e.left as ts.Identifier).text,
      );
      return;
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncrement(e.operator)) {
      const local = this.assignable(e.operand);
      const current = this.valueOf(local, e.operand as ts.Identifier);
      const op = e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub";
      local.value = this.node(op, [current, c(1)], e, (e.operand as ts.Identifier).text);
      return;
    }
    if (ts.isBinaryExpression(e) && isAssignmentOperator(e.operatorToken.kind))
      this.fail(codes.operator, `operator '${e.operatorToken.getText(this.sf)}' is not supported`, e.operatorToken);
    this.expr(e);
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
    if (!local.value) this.fail(codes.unassigned, `'${id.text}' is read before it is assigned a value`, id);
    return local.value;
  }

  // ---- expressions -----------------------------------------------------------------------

  /** Appends a node and returns a reference to it. `hint` names it after a user variable. */
  private node(op: OpName, args: Atom[], at: ts.Node, hint?: string): Atom {
    const name = hint === undefined ? this.names.temp() : this.names.claim(hint);
    this.body.push({ name, op, args, pos: at.getStart(this.sf) });
    return { kind: "var", name };
  }

  /** Lowers an expression to an atom, appending a node per operation. */
  private expr(e: ts.Expression, hint?: string): Atom {
    if (ts.isNumericLiteral(e)) return c(Number(e.text));
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isTypeAssertionExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e)
    )
      return this.expr(e.expression, hint);
    if (ts.isPrefixUnaryExpression(e)) {
      if (e.operator === ts.SyntaxKind.MinusToken) {
        if (ts.isNumericLiteral(e.operand)) return c(-Number(e.operand.text));
        return this.node("neg", [this.expr(e.operand)], e, hint);
      }
      if (e.operator === ts.SyntaxKind.PlusToken) return this.expr(e.operand, hint);
      if (e.operator === ts.SyntaxKind.ExclamationToken)
        this.fail(codes.branch, "'!' makes a condition; branches are not supported yet", e);
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
    if (ts.isConditionalExpression(e))
      this.fail(codes.branch, "conditional expression (?:): branches are not supported yet", e);
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
      const left = this.expr(e.left);
      const right = this.expr(e.right);
      return this.node(op, [left, right], e, hint);
    }
    if (isAssignmentOperator(k))
      this.fail(
        codes.expression,
        `assignment inside an expression ('${this.text(e)}') is not supported; write it as its own statement`,
        e,
      );
    if (CONDITION_OPS.has(k))
      this.fail(
        codes.branch,
        `'${ts.tokenToString(k)}' makes a condition; branches are not supported yet`,
        e.operatorToken,
      );
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
      if (b?.kind === "gateNamespace") {
        const r = rules[member];
        if (!r || r.print.kind !== "gate")
          this.fail(codes.unknownCall, `'${member}' is not a gate of ${GATES_MODULE}`, callee.name);
        return this.opCall(member, `${object}.${member}`, e, hint);
      }
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
    if (this.lookup(name)) this.fail(codes.notNumber, `'${name}' is a number, not a function`, callee);
    const b = this.mod.bindings.get(name);
    if (b?.kind === "gate") return this.opCall(b.op, name, e, hint);
    if (b?.kind === "function" && name === this.fn.name)
      this.fail(codes.recursion, `'${name}' calls itself; recursion is not supported`, callee);
    if (b?.kind === "function")
      this.fail(
        codes.unknownCall,
        `call to '${name}': calls to other functions are not supported yet; inline '${name}' into '${this.fn.name}'`,
        callee,
      );
    if (b?.kind === "import")
      this.fail(
        codes.unknownCall,
        `'${name}' is imported from '${b.from}', and adgen has no derivative rule for it`,
        callee,
      );
    if (name === "eval")
      this.fail(codes.evalCall, "'eval' runs code unknown at compile time and cannot be differentiated", callee);
    if (name === "Function")
      this.fail(codes.evalCall, "'Function' builds code at run time and cannot be differentiated", callee);
    if (name === "Date") this.fail(codes.date, "'Date()' depends on the clock; pass times in as parameters", callee);
    this.fail(
      codes.unknownCall,
      `'${name}' is not a function adgen knows (a Math function or a gate of ${GATES_MODULE})`,
      callee,
    );
  }

  /** A call to a rule-table op, checking arity; n-ary max/min become chains of binary ones. */
  private opCall(op: OpName, shown: string, e: ts.CallExpression, hint?: string): Atom {
    const args = e.arguments.map((a) => this.expr(a));
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

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function isIncrement(op: ts.SyntaxKind): boolean {
  return op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken;
}

function isAssignmentOperator(k: ts.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

/** Statements with no run-time effect: empty statements and type declarations. */
function isInert(st: ts.Statement): boolean {
  return ts.isEmptyStatement(st) || ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st);
}
