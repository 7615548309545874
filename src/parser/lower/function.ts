/**
 * Lowering one TypeScript function to an SSA graph: its parameters and body. The entry point of
 * src/parser/lower.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Graph, Param, ValueType } from "../../ir.js";
import { dataArgument, type FunctionSource, type ModuleScope } from "../module.js";
import { ARRAY_TYPES, NESTED_ARRAY_TYPES, READONLY_ARRAY_TYPES, hasModifier } from "../syntax.js";
import { LowerClasses } from "./classes.js";
import { type CalleeResolver, type LowerOptions } from "./state.js";

export function lowerFunction(
  fn: FunctionSource,
  mod: ModuleScope,
  resolver: CalleeResolver,
  options: LowerOptions = { role: "function" },
): Graph {
  return new FunctionLowering(fn, mod, resolver, options).run();
}

class FunctionLowering extends LowerClasses {
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

    const params = node.parameters.flatMap((p) => this.recordParam(p) ?? [this.param(p)]);
    this.entryParamList = params;
    // A function of a module adgen generated may name its scratch array (src/parser/lower/scratch.ts).
    this.enterScratch(node, this.mod, nameNode);
    let results: Atom[] | undefined;
    if (node.body && ts.isBlock(node.body)) {
      results = this.statements(node.body.statements, 0, () => undefined);
    } else if (node.body) {
      results = this.returned(node.body);
    }
    if (results === undefined)
      this.fail(codes.missingReturn, `${what} does not return a value on every path`, nameNode);
    this.emptyFallbacks();
    const graph: Graph = {
      name,
      params,
      body: this.body,
      results,
      types: new Map(),
      pos: nameNode.getStart(this.sf),
      file: this.file,
    };
    const returned = node.body && lastReturn(node.body);
    if (returned) graph.returnPos = returned.getStart(this.sf);
    return graph;
  }

  protected param(p: ts.ParameterDeclaration): Param {
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
    // `xs: Data<Float64Array>`: data, typed as what `Data` wraps.
    const data = dataArgument(this.mod, p.type);
    const declared = data ?? p.type;
    const typeText = declared?.getText(this.sf).replace(/\s+/g, " ");
    const arrayType = typeText === undefined ? undefined : ARRAY_TYPES[typeText];
    const nested = typeText === undefined ? undefined : NESTED_ARRAY_TYPES[typeText];
    if (declared && declared.kind !== ts.SyntaxKind.NumberKeyword && !arrayType && !nested)
      this.fail(
        codes.parameter,
        `parameter '${name}' has type '${this.text(p.type!)}'; adgen differentiates number, number[], Float64Array, number[][] and Float64Array[] parameters${data ? " (also as Data<...>)" : ""}`,
        declared,
      );
    if (nested) {
      this.names.reserve(name);
      this.scopes[0]!.set(name, { keyword: "param", value: { kind: "var", name } });
      this.entryParams.add(name);
      this.arrays.set(name, "number[]");
      this.nested.set(name, nested.rows);
      return {
        name,
        type: nested.rows === "number[]" ? "number[][]" : "Float64Array[]",
        ...(nested.readonly ? { readonly: true as const } : {}),
        ...(data ? { data: true as const } : {}),
      };
    }
    this.names.reserve(name);
    this.scopes[0]!.set(name, { keyword: "param", value: { kind: "var", name } });
    this.entryParams.add(name);
    if (arrayType) this.arrays.set(name, arrayType);
    const type: ValueType = arrayType ?? "number";
    return {
      name,
      type,
      ...(arrayType === "number[]" && READONLY_ARRAY_TYPES.has(typeText!) ? { readonly: true as const } : {}),
      ...(data ? { data: true as const } : {}),
    };
  }
}

/** The last `return` of a function body (not of functions nested in it), or an expression body. */
function lastReturn(body: ts.ConciseBody): ts.Node | undefined {
  if (!ts.isBlock(body)) return body;
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node)) found = node;
    ts.forEachChild(node, visit);
  };
  body.statements.forEach(visit);
  return found;
}
