/**
 * Helpers that take or return records, inlined: the arguments' fields are copied into the
 * helper's parameters, and copied back into the caller's record when the helper writes them (an
 * object is passed by reference); a returned record comes back as its leaves, which merge like
 * any returned values. Also: which records a loop writes, so that their fields are carried.
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError } from "../../diagnostics.js";
import { derivativeOf } from "../nested.js";
import type { Atom } from "../../ir.js";
import { c } from "../../rules/expr.js";
import type { FunctionSource, ModuleScope } from "../module.js";
import { leaves, optionalField, recordType, shown, type RecordType } from "./record-types.js";
import { LowerRecordWrites } from "./record-writes.js";
import { isRecord, strip, unsourced, type RecordValue } from "./records.js";

/**
 * Whether an unannotated function returns an object literal (`return { value, grad: { x } }`, as
 * adgen's own companions do): a helper returning a record whose type its first return gives.
 */
export function returnsObjectLiteral(fn: ts.Node): boolean {
  if (ts.isArrowFunction(fn) && !ts.isBlock(fn.body)) return ts.isObjectLiteralExpression(strip(fn.body));
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression && ts.isObjectLiteralExpression(strip(n.expression))) found = true;
    else ts.forEachChild(n, visit);
  };
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (body) ts.forEachChild(body, visit);
  return found;
}

/** Return types that are no record. */
const NOT_RECORDS = new Set([
  "number",
  "boolean",
  "void",
  "number[]",
  "readonly number[]",
  "Float64Array",
  "number[][]",
  "Float64Array[]",
]);

export abstract class LowerRecordCalls extends LowerRecordWrites {
  // ---- helpers that take or return records

  protected inlineCall(e: ts.CallExpression, asStatement = false): Atom | undefined {
    const saved = this.recordReturn;
    this.recordReturn = undefined;
    try {
      const r = this.inlineRecordCall(e, asStatement) ?? super.inlineCall(e, asStatement);
      if (isRecord(r)) {
        if (asStatement) return c(0);
        this.fail(
          codes.notNumber,
          `'${this.text(e.expression)}(...)' returns a record (${shown(r.type)}), not a number`,
          e,
        );
      }
      return r;
    } finally {
      this.recordReturn = saved;
    }
  }

  /**
   * `grad(g)(x, y)`, or `dg(x, y)` with `const dg = grad(g)`: the generated companion it calls
   * (src/parser/nested.ts); undefined for any other call.
   */
  protected derivativeCallee(e: ts.CallExpression) {
    const callee = strip(e.expression);
    const ref = ts.isIdentifier(callee) ? this.lookup(callee.text)?.derivative : derivativeOf(callee, this.mod);
    return ref ? this.resolver.companion(ref, e.expression) : undefined;
  }

  protected recordCallee(e: ts.CallExpression) {
    const nested = this.derivativeCallee(e);
    if (nested) return nested;
    if (!ts.isIdentifier(e.expression) || this.lookup(e.expression.text)) return undefined;
    const b = this.mod.bindings.get(e.expression.text);
    if (b?.kind !== "function" && b?.kind !== "import") return undefined;
    const src = this.resolver.functionSource(this.mod, e.expression.text, e.expression);
    if (!src) return undefined;
    const node = src.fn.node;
    const takes =
      node.parameters.some((p) => recordType(p.type, src.mod.sf) !== undefined) ||
      recordType(node.type, src.mod.sf) !== undefined ||
      (node.type === undefined && returnsObjectLiteral(node)) ||
      e.arguments.some((a) => ts.isObjectLiteralExpression(strip(a)) || this.recordKey(a) !== undefined);
    return takes ? src : undefined;
  }

  /**
   * A call of a helper that takes records but is declared to return a number, a boolean, an array
   * of numbers or nothing makes no record (`[h(x, p), 0]`, `return h(x, p)`): it is still inlined,
   * as a call, where it is lowered.
   */
  protected isRecordExpression(e: ts.Expression): boolean {
    const inner = strip(e);
    if (ts.isCallExpression(inner) && !this.derivativeCallee(inner)) {
      const declared = this.recordCallee(inner)?.fn.node.type;
      if (declared && NOT_RECORDS.has(declared.getText().replace(/\s+/g, " "))) return false;
    }
    return super.isRecordExpression(e);
  }

  protected rootedAtCall(e: ts.Expression): boolean {
    const inner = strip(e);
    if (ts.isPropertyAccessExpression(inner)) return this.rootedAtCall(inner.expression);
    return ts.isCallExpression(inner) && this.recordCallee(inner) !== undefined;
  }

  protected callField(e: ts.Expression): Atom | RecordValue | undefined {
    const inner = strip(e);
    if (ts.isCallExpression(inner)) return this.recordCallee(inner) ? this.inlineRecordCall(inner, false) : undefined;
    if (!ts.isPropertyAccessExpression(inner) || !this.rootedAtCall(inner)) return undefined;
    const base = this.callField(inner.expression);
    if (!isRecord(base))
      this.fail(
        codes.record,
        `'${this.text(inner.expression)}' is not a record; it has no field '${inner.name.text}'`,
        inner,
      );
    const field = base.fields.get(inner.name.text);
    if (field === undefined)
      this.fail(codes.record, `${shown(base.type)} has no field '${inner.name.text}'`, inner.name);
    return field;
  }

  /** A call to a helper that takes or returns records, inlined; undefined for any other call. */
  protected inlineRecordCall(e: ts.CallExpression, asStatement: boolean): Atom | RecordValue | undefined {
    const src = this.recordCallee(e);
    if (!src) return undefined;
    if (src.mod.companionOf === undefined) return this.inlineRecordHelper(e, asStatement, src);
    const sf = this.sf;
    try {
      return this.inlineRecordHelper(e, asStatement, src);
    } catch (err) {
      // Generated code adgen does not read back is named at the request (`grad(g)`), in the user's file.
      if (!(err instanceof DiagnosticError) || this.sf !== sf) throw err;
      throw new DiagnosticError(
        codes.nestedOwnOutput,
        `${src.mod.companionOf}: adgen cannot differentiate its generated '${src.fn.name}' here: ${err.message}`,
        e.getStart(sf),
        e.getEnd(),
      );
    }
  }

  private inlineRecordHelper(
    e: ts.CallExpression,
    asStatement: boolean,
    src: { fn: FunctionSource; mod: ModuleScope },
  ): Atom | RecordValue {
    const node = src.fn.node;
    const name = src.fn.name;
    const owner = ts.isClassLike(node.parent) ? `${node.parent.name?.text}.` : "";
    const id = `${src.mod.file}#${owner}${name}`;
    if (this.inlining.includes(id) || (node === this.fn.node && this.inlining.length === 0))
      this.fail(codes.recursion, `'${name}' calls itself; recursion is not supported`, e.expression);
    if (e.arguments.length !== node.parameters.length)
      this.fail(
        codes.arity,
        `'${name}' takes ${node.parameters.length} argument${node.parameters.length === 1 ? "" : "s"}, got ${e.arguments.length}`,
        e,
      );
    // A method's object, before its arguments (JavaScript's order): bound to `this` (src/parser/lower/classes.ts).
    const self = this.receiver(e);
    const types = node.parameters.map((p) => recordType(p.type, src.mod.sf));
    const args = e.arguments.map((a, i) => {
      const v = this.anyValue(a, undefined, types[i]);
      const p = node.parameters[i]!;
      if (types[i] && !isRecord(v))
        this.fail(codes.record, `argument ${i + 1} of '${name}' must be a record (${shown(types[i])})`, a);
      if (!types[i] && isRecord(v) && p.type)
        this.fail(
          codes.record,
          `argument ${i + 1} of '${name}' is a record, but '${name}' takes '${p.type.getText(src.mod.sf)}'`,
          a,
        );
      if (!isRecord(v)) this.argumentKind(v, p.type, src.mod.sf, a, `argument ${i + 1} of '${name}'`);
      return isRecord(v) ? this.conform(v, types[i] ?? v.type, a) : v;
    });
    // Module state comes first: what a helper does with it is beside the point (adgen's kernels pass their records on).
    this.readsModuleState(node, src.mod);
    // Copy-out gives reference semantics, unless two arguments are one object the helper writes.
    const written = node.parameters.map((p) => ts.isIdentifier(p.name) && this.mutates(node, p.name.text));
    // An optional field (`x?: number`) may be absent: only read, never copied back or returned,
    // where the fields a record has would no longer line up with its type's.
    const returnType = recordType(node.type, src.mod.sf);
    const absent = (t: RecordType | undefined) => (t ? optionalField(t) : undefined);
    node.parameters.forEach((p, i) => {
      const field = written[i] ? absent(types[i]) : undefined;
      if (field !== undefined)
        this.fail(
          codes.record,
          `'${name}' writes its parameter '${p.name.getText(src.mod.sf)}', whose field '${field}?' is optional: declare it without '?'`,
          p,
        );
    });
    if (absent(returnType) !== undefined)
      this.fail(
        codes.record,
        `'${name}' returns a record with an optional field '${absent(returnType)}?': declare it without '?'`,
        node.type!,
      );
    if (self) {
      args.unshift(self.value);
      written.unshift(self.written);
    }
    args.forEach((a, i) =>
      args.forEach((b, j) => {
        if (j <= i || !isRecord(a) || !isRecord(b) || a.source === undefined || b.source === undefined) return;
        const overlap =
          a.source === b.source || a.source.startsWith(`${b.source}.`) || b.source.startsWith(`${a.source}.`);
        if (overlap && (written[i] || written[j]))
          this.fail(
            codes.sharedRecord,
            `'${name}' writes its record parameters, and gets one object twice ('${a.source}', '${b.source}'); pass a copy ('{ ...${b.source} }')`,
            e,
          );
      }),
    );
    if (self) {
      args.shift();
      written.shift();
    }

    const saved = {
      fn: this.fn,
      mod: this.mod,
      sf: this.sf,
      scopes: this.scopes,
      loops: this.loops.splice(0),
      shared: this.shared,
      ret: this.recordReturn,
      scratch: this.enterScratch(node, src.mod, e),
    };
    this.inlining.push(id);
    this.fn = src.fn;
    this.mod = src.mod;
    this.sf = src.mod.sf;
    this.scopes = [new Map()];
    this.shared = new Map();
    this.recordReturn = { type: recordType(node.type, src.mod.sf), written: [] };
    const copyOut: { source: string; value: RecordValue }[] = [];
    // Where each record parameter's object lives in the caller, to carry aliases the helper makes out.
    const callerKeys = new Map<string, string>();
    let aliases: [string, string][] = [];
    let result: Atom | RecordValue;
    try {
      if (self) {
        this.bindRecord("this", unsourced(self.value), "param", true, e);
        if (self.written) this.recordReturn.written.push({ name: "this", type: self.value.type });
        callerKeys.set("this", self.value.source!);
      }
      node.parameters.forEach((p, i) => {
        const a = args[i]!;
        if (!ts.isIdentifier(p.name)) return this.parameterPattern(node, p.name, a);
        if (isRecord(a)) this.bindRecord(p.name.text, unsourced(a), "param", true, p);
        else this.scopes[0]!.set(p.name.text, { keyword: "param", value: a });
        if (isRecord(a) && written[i] && a.source !== undefined)
          this.recordReturn!.written.push({ name: p.name.text, type: a.type });
        if (isRecord(a) && a.source !== undefined) callerKeys.set(p.name.text, a.source);
      });
      let results: Atom[] | undefined;
      if (node.body && ts.isBlock(node.body)) results = this.statements(node.body.statements, 0, () => undefined);
      else if (node.body) results = this.returned(node.body);
      const isVoid = returnsNothing(node);
      if (isVoid && !asStatement) this.fail(codes.notNumber, `'${name}' returns nothing; call it as a statement`, e);
      if (!isVoid && !results)
        this.fail(codes.missingReturn, `'${name}' does not return a value on every path`, src.fn.nameNode);
      // The written parameters' fields: after the returned value in every return, else as they end.
      const type = this.recordReturn.type;
      const tail = results && !isVoid ? results.slice(type ? leaves(type).length : 1) : undefined;
      let k = 0;
      if (self?.written)
        copyOut.push({
          source: self.value.source!,
          value: tail
            ? this.fromLeaves(self.value.type, tail.slice(k, (k += leaves(self.value.type).length)))
            : this.readRecord("this", self.value.type, e),
        });
      for (const [i, p] of node.parameters.entries()) {
        const a = args[i]!;
        if (!(isRecord(a) && written[i] && a.source !== undefined)) continue;
        const value = tail
          ? this.fromLeaves(a.type, tail.slice(k, (k += leaves(a.type).length)))
          : this.readRecord((p.name as ts.Identifier).text, a.type, p);
        copyOut.push({ source: a.source, value });
      }
      if (isVoid) result = c(0);
      else if (type) {
        result = this.fromLeaves(type, results!);
      } else result = results![0]!;
      aliases = this.outerAliases(callerKeys);
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
      this.shared = saved.shared;
      this.recordReturn = saved.ret;
      this.scratch = saved.scratch;
    }
    for (const { source, value } of copyOut) this.copyOut(source, value, e);
    for (const [a, b] of aliases) this.share(a, b);
    return result;
  }

  /**
   * The objects a helper made one (`b.r = a`: the caller's `w.r` is now its `p`), as pairs of
   * the caller's keys, so that a later write through either is refused as in the caller itself.
   */
  private outerAliases(callerKeys: ReadonlyMap<string, string>): [string, string][] {
    const outer = (key: string): string | undefined => {
      const [root, ...rest] = key.split(".");
      const at = callerKeys.get(root!);
      return at === undefined ? undefined : [at, ...rest].join(".");
    };
    const pairs: [string, string][] = [];
    for (const [a, others] of this.shared)
      for (const b of others) {
        const [oa, ob] = [outer(a), outer(b)];
        if (a < b && oa !== undefined && ob !== undefined && oa !== ob) pairs.push([oa, ob]);
      }
    return pairs;
  }

  /** A method call's object, bound to `this` in the method (src/parser/lower/classes.ts); none here. */
  protected receiver(_e: ts.CallExpression): { value: RecordValue; written: boolean } | undefined {
    return undefined;
  }

  /**
   * `function f({ x, y }: Vec2)`, `([x, y]: Pair)`: the argument (a copy) destructured. A record
   * bound by the pattern is the caller's object in JavaScript, so the helper may not write it.
   */
  private parameterPattern(fn: ts.SignatureDeclaration, pattern: ts.BindingPattern, a: Atom | RecordValue): void {
    this.bindPattern(pattern, isRecord(a) ? unsourced(a) : a, "let", pattern);
    const names = (n: ts.BindingName): ts.Identifier[] =>
      ts.isIdentifier(n) ? [n] : n.elements.flatMap((el) => (ts.isOmittedExpression(el) ? [] : names(el.name)));
    for (const id of names(pattern))
      if (this.lookup(id.text)?.record && this.mutates(fn, id.text))
        this.fail(
          codes.sharedRecord,
          `'${id.text}' is destructured from a parameter and written; it is the caller's object, which adgen's copies cannot follow: name the parameter and write its fields`,
          id,
        );
  }
}

/** Whether a function returns nothing: declared `void`, or, undeclared, with no `return` of a value. */
export function returnsNothing(node: ts.SignatureDeclaration): boolean {
  if (node.type) return node.type.kind === ts.SyntaxKind.VoidKeyword;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression) found = true;
    ts.forEachChild(n, visit);
  };
  if ("body" in node && node.body) {
    const body = node.body as ts.Node;
    if (!ts.isBlock(body)) return false;
    ts.forEachChild(body, visit);
  }
  return !found;
}
