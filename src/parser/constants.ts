/**
 * Module-level numeric constants: `const RATE = 0.05`, `const A = Math.PI / 6`,
 * `const M = N * HALF + 1`, read by name, through imports (`import { RATE } from "./consts"`) or
 * namespaces (`H.RATE`).
 *
 * Generated code declares each constant it reads once, at the top of the module, under its own
 * name (`const A = Math.PI / 6;`), and refers to it by that name. Why not inline the value: the
 * name is what the reader knows the number by, and the initializer is evaluated by the same
 * engine, with the same operations, as the user's module evaluates it, so the generated value
 * is exactly the user's even where the initializer calls a Math function whose last bit
 * engines may round differently (a value folded at compile time would be this compiler's
 * engine's). The compile-time value (`Const.value`) only serves the simplifications that
 * look at numbers (`* 1`, integer counters), which are exact either way.
 */
import { ts } from "ts-morph";
import { AlreadyReported, codes, DiagnosticError, type DiagnosticCode } from "../diagnostics.js";
import type { Const, Expr } from "../ir.js";
import { evaluate } from "../rules/evaluate.js";
import { c, op } from "../rules/expr.js";
import { mathConstants, mathOp, rules, unsupported } from "../rules/table.js";
import type { ModuleBinding, ModuleScope } from "./module.js";
import { BINARY_OPS } from "./syntax.js";

/** What the constants need from the program builder. */
export interface ConstantsHost {
  /** A unique name for generated code, free of every other module-level name. */
  claim(name: string): string;
  /** The module and local name an import refers to, or undefined for a package (not followed). */
  follow(
    mod: ModuleScope,
    from: string,
    imported: string,
    at: ts.Node,
  ): { mod: ModuleScope; name: string | undefined } | undefined;
  /** Reports `error` in `mod`'s file and throws AlreadyReported. */
  reportIn(mod: ModuleScope, error: unknown): never;
}

/** A constant's atom, or what the name is instead (`"a function"`), for a message. */
export type ConstantLookup = Const | string;

export class ModuleConstants {
  /** Unique name -> initializer, dependencies first: `Program.constants`. */
  readonly declared = new Map<string, Expr>();
  /** `file#name` -> its atom; null while its initializer is being lowered (a cycle). */
  private readonly done = new Map<string, Const | null>();
  private readonly failed = new Set<string>();

  constructor(private readonly host: ConstantsHost) {}

  /** What `name` means in `mod` (declared there, or imported through any chain of re-exports). */
  lookup(mod: ModuleScope, name: string, at: ts.Node): ConstantLookup {
    const b = mod.bindings.get(name);
    if (b?.kind === "constant") return this.of(mod, b);
    if (b?.kind === "import") return this.imported(mod, b.from, b.imported, at);
    return describe(b);
  }

  /** What `ns.member` means in `mod`, where `ns` is a namespace import. */
  member(mod: ModuleScope, ns: string, member: string, at: ts.Node): ConstantLookup {
    const b = mod.bindings.get(ns);
    if (b?.kind !== "namespace") return describe(b);
    return this.imported(mod, b.from, member, at);
  }

  private imported(mod: ModuleScope, from: string, imported: string, at: ts.Node): ConstantLookup {
    const target = this.host.follow(mod, from, imported, at);
    // adgen's own modules export functions (gates, grad) and the Tape class, no numbers.
    if (!target)
      return from === "adgen" || from.startsWith("adgen/") ? "a function" : `imported from the package '${from}'`;
    if (target.name === undefined) return `not exported by '${from}'`;
    return this.lookup(target.mod, target.name, at);
  }

  private of(mod: ModuleScope, b: Extract<ModuleBinding, { kind: "constant" }>): Const {
    const id = `${mod.file}#${b.name}`;
    if (this.failed.has(id)) throw new AlreadyReported();
    const known = this.done.get(id);
    if (known) return known;
    try {
      if (known === null)
        throw new DiagnosticError(
          codes.unknownName,
          `module-level const '${b.name}' is defined in terms of itself`,
          b.nameNode.getStart(mod.sf),
          b.nameNode.getEnd(),
        );
      this.done.set(id, null);
      const expr = this.expr(mod, b.init, b.name);
      const name = this.host.claim(b.name);
      this.declared.set(name, expr);
      const atom = c(evaluate(expr, new Map()), name);
      this.done.set(id, atom);
      return atom;
    } catch (error) {
      this.failed.add(id);
      return this.host.reportIn(mod, error);
    }
  }

  /** The initializer of constant `owner` as an expression of literals, Math and other constants. */
  private expr(mod: ModuleScope, e: ts.Expression, owner: string): Expr {
    const fail = (message: string, node: ts.Node, code: DiagnosticCode = codes.expression): never => {
      throw new DiagnosticError(code, message, node.getStart(mod.sf), node.getEnd());
    };
    const sub = (x: ts.Expression) => this.expr(mod, x, owner);
    if (ts.isNumericLiteral(e)) return c(Number(e.text), e.getText(mod.sf));
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e))
      return sub(e.expression);
    if (ts.isPrefixUnaryExpression(e))
      return e.operator === ts.SyntaxKind.MinusToken ? op("neg", sub(e.operand)) : sub(e.operand);
    if (ts.isBinaryExpression(e)) return op(BINARY_OPS[e.operatorToken.kind]!, sub(e.left), sub(e.right));
    if (ts.isPropertyAccessExpression(e)) {
      const value = mathConstants[e.name.text];
      if (value === undefined) fail(`'Math.${e.name.text}' is not a Math constant`, e.name, codes.unknownMath);
      return c(value!, `Math.${e.name.text}`);
    }
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
      const member = e.expression.name.text;
      const reason = unsupported[`Math.${member}`];
      if (reason) fail(`'Math.${member}' is not supported: ${reason}`, e.expression, codes.unsupportedMath);
      const name =
        mathOp(member) ?? fail(`'Math.${member}' is not a Math function`, e.expression.name, codes.unknownMath);
      const args = e.arguments.map(sub);
      if (name === "max" || name === "min") {
        if (args.length === 0) return c(name === "max" ? -Infinity : Infinity);
        return args.reduce((acc, a) => op(name, acc, a));
      }
      const arity = rules[name]!.arity;
      if (arity !== "variadic" && arity !== args.length)
        fail(`'Math.${member}' takes ${arity} argument${arity === 1 ? "" : "s"}, got ${args.length}`, e, codes.arity);
      return op(name, ...args);
    }
    if (ts.isIdentifier(e)) {
      if (e.text === "Infinity" || e.text === "NaN") return c(e.text === "NaN" ? NaN : Infinity, e.text);
      const found = this.lookup(mod, e.text, e);
      if (typeof found !== "string") return found;
      fail(
        `module-level const '${owner}' is computed from '${e.text}', which is ${found}, not a numeric constant`,
        e,
        codes.unknownName,
      );
    }
    return fail(`module-level const '${owner}': ${ts.SyntaxKind[e.kind]} is not supported`, e);
  }
}

function describe(b: ModuleBinding | undefined): string {
  switch (b?.kind) {
    case undefined:
      return "not defined at the top level";
    case "function":
    case "gate":
    case "gateDefiner":
      return "a function";
    case "mutable":
      return `a module-level ${b.keyword}`;
    case "namespace":
      return "a namespace import";
    default:
      return "not a numeric constant";
  }
}
