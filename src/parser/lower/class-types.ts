/**
 * Classes as record types: a class declared in the module, without inheritance, is the record of
 * its fields (constructor parameter properties first, then the fields its body declares, the
 * order in which JavaScript creates them), and its constructor and methods are functions that
 * src/parser/lower/classes.ts inlines with `this` bound to that record. What a class may hold
 * beyond that (accessors, static or `#` members, inheritance, ...) is a diagnostic naming it.
 */
import { ts } from "ts-morph";
import { codes, DiagnosticError, type DiagnosticCode } from "../../diagnostics.js";
import type { RecordField, Type } from "../../ir.js";
import { NUMBER } from "../../ir-types.js";

type RecordType = Extract<Type, { kind: "record" }>;

/** What the lowering needs of a class besides its fields' types. */
export interface ClassInfo {
  name: string;
  decl: ts.ClassDeclaration;
  sf: ts.SourceFile;
  ctor: ts.ConstructorDeclaration | undefined;
  methods: Map<string, ts.MethodDeclaration>;
  /** Fields with an initializer in the class body, in order (`vx = 0`, `pos = new Vec2(0, 0)`). */
  initialized: ts.PropertyDeclaration[];
  /** Fields declared `private` or `protected`: a differentiated function cannot take them as a plain record. */
  hidden: string[];
}

const byDecl = new WeakMap<ts.ClassDeclaration, RecordType>();
const infos = new WeakMap<RecordType, ClassInfo>();

/** The class a record type is the instance type of, if it is one. */
export const classOf = (t: Type | undefined): ClassInfo | undefined =>
  t?.kind === "record" ? infos.get(t) : undefined;

/** `t` (a class's type) registered as that class's too: the constructor's view, whose readonly fields it may assign. */
export function sameClass(t: RecordType, of: RecordType): RecordType {
  const info = infos.get(of);
  if (info) infos.set(t, info);
  return t;
}

/** The top-level class declaration named `name`, if the module has one. */
export function classDeclaration(sf: ts.SourceFile, name: string): ts.ClassDeclaration | undefined {
  for (const st of sf.statements) if (ts.isClassDeclaration(st) && st.name?.text === name) return st;
  return undefined;
}

const fail = (code: DiagnosticCode, sf: ts.SourceFile, node: ts.Node, message: string): never => {
  throw new DiagnosticError(code, message, node.getStart(sf), node.getEnd());
};

const has = (node: ts.Node, kind: ts.SyntaxKind) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

/** Whether a parameter declares a field (`constructor(public x: number, readonly y: number)`). */
export const isParameterProperty = (p: ts.ParameterDeclaration): boolean =>
  ts
    .getModifiers(p)
    ?.some(
      (m) =>
        m.kind === ts.SyntaxKind.PublicKeyword ||
        m.kind === ts.SyntaxKind.PrivateKeyword ||
        m.kind === ts.SyntaxKind.ProtectedKeyword ||
        m.kind === ts.SyntaxKind.ReadonlyKeyword,
    ) ?? false;

/**
 * The record type of class `decl` (one object per class, so that a value's type says its class).
 * `fieldType` types an annotated field (src/parser/lower/record-types.ts).
 */
export function classType(
  decl: ts.ClassDeclaration,
  sf: ts.SourceFile,
  seen: string[],
  fieldType: (t: ts.TypeNode, name: string, owner: string, sf: ts.SourceFile, seen: string[]) => Type,
): RecordType {
  const cached = byDecl.get(decl);
  if (cached) return cached;
  const name = decl.name!.text;
  const owner = `class '${name}'`;
  const extend = decl.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
  if (extend)
    fail(
      codes.classExtends,
      sf,
      extend,
      `class '${name}' extends another class; adgen differentiates classes without inheritance: declare the fields and methods in '${name}'`,
    );
  if (decl.typeParameters)
    fail(
      codes.classForm,
      sf,
      decl.typeParameters[0]!,
      `class '${name}' is generic; classes hold number, array and record fields`,
    );
  if (has(decl, ts.SyntaxKind.AbstractKeyword))
    fail(codes.classForm, sf, decl.name!, `class '${name}' is abstract; adgen differentiates classes it can construct`);
  const decorator = ts.getDecorators(decl)?.[0];
  if (decorator) fail(codes.classForm, sf, decorator, `decorators are not supported (on class '${name}')`);

  const fields: RecordField[] = [];
  const body: RecordField[] = [];
  const info: ClassInfo = { name, decl, sf, ctor: undefined, methods: new Map(), initialized: [], hidden: [] };
  const readonly = (n: ts.Node) => (has(n, ts.SyntaxKind.ReadonlyKeyword) ? ({ readonly: true } as const) : {});
  const hidden = (n: ts.Node, field: string) => {
    if (has(n, ts.SyntaxKind.PrivateKeyword) || has(n, ts.SyntaxKind.ProtectedKeyword)) info.hidden.push(field);
  };
  for (const m of decl.members) {
    if (ts.getDecorators(m as ts.HasDecorators)?.length)
      fail(codes.classForm, sf, m, `decorators are not supported (in class '${name}')`);
    if (ts.isClassStaticBlockDeclaration(m) || has(m, ts.SyntaxKind.StaticKeyword))
      fail(
        codes.classStatic,
        sf,
        m,
        `static members are not supported (in class '${name}'); use a module-level const or function`,
      );
    if (m.name && ts.isPrivateIdentifier(m.name))
      fail(
        codes.classPrivateName,
        sf,
        m.name,
        `'${m.name.text}' in class '${name}': '#' private members are not supported; use TypeScript's 'private ${m.name.text.slice(1)}'`,
      );
    if (ts.isGetAccessor(m) || ts.isSetAccessor(m))
      fail(
        codes.classAccessor,
        sf,
        m,
        `${ts.isGetAccessor(m) ? "getter" : "setter"} '${m.name.getText(sf)}' of class '${name}' is not supported; write a method ('${m.name.getText(sf)}()')`,
      );
    if (ts.isIndexSignatureDeclaration(m))
      fail(codes.record, sf, m, `${owner} has an index signature; fields are declared by name`);
    if (has(m, ts.SyntaxKind.AbstractKeyword))
      fail(codes.classForm, sf, m, `abstract members are not supported (in class '${name}')`);
    if (ts.isConstructorDeclaration(m)) {
      if (!m.body) fail(codes.classForm, sf, m, `constructor overloads are not supported (in class '${name}')`);
      info.ctor = m;
      for (const p of m.parameters) {
        if (!isParameterProperty(p)) continue;
        if (!ts.isIdentifier(p.name)) fail(codes.classForm, sf, p.name, `a parameter property is a plain name`);
        const field = (p.name as ts.Identifier).text;
        if (p.questionToken || p.initializer || p.dotDotDotToken)
          fail(
            codes.classForm,
            sf,
            p,
            `parameter property '${field}' must be a plain parameter (no '?', default or '...')`,
          );
        hidden(p, field);
        fields.push({ name: field, type: p.type ? fieldType(p.type, field, owner, sf, seen) : NUMBER, ...readonly(p) });
      }
    } else if (ts.isMethodDeclaration(m)) {
      if (!ts.isIdentifier(m.name))
        fail(codes.classForm, sf, m.name, `method names are plain names (in class '${name}')`);
      if (!m.body) fail(codes.classForm, sf, m, `method overloads are not supported (in class '${name}')`);
      info.methods.set((m.name as ts.Identifier).text, m);
    } else if (ts.isPropertyDeclaration(m)) {
      if (!ts.isIdentifier(m.name))
        fail(codes.classForm, sf, m.name, `field names are plain names (in class '${name}')`);
      const field = (m.name as ts.Identifier).text;
      if (m.questionToken)
        fail(
          codes.record,
          sf,
          m,
          `optional field '${field}?' of ${owner} is not supported: every field must hold a value`,
        );
      const init = m.initializer;
      if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)))
        fail(codes.classForm, sf, m, `field '${field}' of ${owner} holds a function; declare it as a method`);
      hidden(m, field);
      if (init) info.initialized.push(m);
      body.push({ name: field, type: untypedField(m, field, owner, sf, seen, fieldType), ...readonly(m) });
    } else if (!ts.isSemicolonClassElement(m)) fail(codes.classForm, sf, m, `this class member is not supported`);
  }
  const type: RecordType = { kind: "record", name, fields: [...fields, ...body] };
  if (type.fields.length === 0)
    fail(
      codes.classForm,
      sf,
      decl.name!,
      `class '${name}' has no fields; adgen differentiates classes of numeric fields`,
    );
  byDecl.set(decl, type);
  infos.set(type, info);
  return type;
}

/** A field's type: its annotation, else what its initializer makes (a number, or `new C(...)` of a class). */
function untypedField(
  m: ts.PropertyDeclaration,
  field: string,
  owner: string,
  sf: ts.SourceFile,
  seen: string[],
  fieldType: (t: ts.TypeNode, name: string, owner: string, sf: ts.SourceFile, seen: string[]) => Type,
): Type {
  if (m.type) return fieldType(m.type, field, owner, sf, seen);
  let init = m.initializer;
  while (init && (ts.isParenthesizedExpression(init) || ts.isPrefixUnaryExpression(init)))
    init = ts.isParenthesizedExpression(init) ? init.expression : (init as ts.PrefixUnaryExpression).operand;
  if (init && ts.isNumericLiteral(init)) return NUMBER;
  if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression)) {
    const cls = classDeclaration(sf, init.expression.text);
    if (cls) {
      if (seen.includes(init.expression.text))
        fail(codes.record, sf, init, `'${init.expression.text}' contains itself; records nest to a fixed depth`);
      return classType(cls, sf, [...seen, init.expression.text], fieldType);
    }
  }
  return fail(codes.classForm, sf, m, `field '${field}' of ${owner} has no type; declare it ('${field}: number')`);
}
