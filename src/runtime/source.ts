/**
 * From a live function to source text adgen can compile: `f.toString()` wrapped as a module with
 * one top-level function. Only what the text shows is known here, so module constants, helper
 * functions and mutable state that `f` closes over are free names the compiler rejects. The text
 * has no types either: `annotate` writes the parameters' types in, as the arguments of a call
 * show them (`number[]`, `Float64Array`, a record's type literal; a parameter left bare is a number).
 */
import { ts } from "ts-morph";
import { GATES_MODULE } from "../conventions.js";

export type PreparedSource =
  | {
      /** The module text to compile. */
      source: string;
      /** What diagnostics call the text. */
      fileName: string;
      /** The top-level name given to the function: its companion is `<name>_grad` or `<name>_vjp`. */
      name: string;
      /** Its parameters, in order: each name (undefined for a pattern) and where a type annotation goes. */
      params: Param[];
    }
  | { error: string };

export interface Param {
  name: string | undefined;
  /** Offset in `source` after the name (and `?`): where `: type` is inserted. */
  at: number;
  /** An arrow's single parameter without parentheses: its span, to put them around it. */
  bare?: { start: number; end: number };
}

/**
 * What a parameter is, judged from an argument: a number, an array, an array of arrays, a
 * record of these, or an array of records, as the type literal its shape makes
 * (`{ x: number; w: number[]; pos: { x: number; y: number } }`).
 */
export type ParamKind =
  "number" | "number[]" | "Float64Array" | "number[][]" | "Float64Array[]" | `{ ${string} }` | `{ ${string} }[]`;

/** Taken once: the source text of a function, whatever later code does to `Function`. */
const functionToString = Function.prototype.toString;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof let new null return static super switch this throw true try typeof var void " +
    "while with yield await implements interface package private protected public arguments eval"
  ).split(" "),
);

/** `(0, ns.name)`: how transpilers and module runners spell a call to an imported binding. */
const INDIRECT_MEMBER = /\(\s*0\s*,\s*([A-Za-z_$][\w$]*\s*\.\s*[A-Za-z_$][\w$]*)\s*\)/g;
/** `ns.name`, and the `(` after it when it is called. */
const MEMBER = /(?<![\w$.])([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)(?:\s*\()?/g;

/**
 * Wraps `f`'s source as `const <name> = <source>;` after a one-line prelude that imports the
 * gates it names, so the function keeps its own line numbers in diagnostics. Names of adgen's
 * gates (`sigmoid`, or `ns.sigmoid` for any namespace `ns` but `Math`) are taken to be the gates;
 * array gates (`dot`, `sum`, ...) only where called (`dot(a, b)`, or `ns.dot(a, b)` where every
 * member of `ns` used is a gate).
 */
export function prepareSource(f: Function, gateNames: string[], arrayGateNames: string[] = []): PreparedSource {
  let text = functionToString.call(f).trim();
  if (/\{\s*\[native code\]\s*\}$/.test(text))
    return { error: "it is a native or bound function, so there is no source text to differentiate" };
  if (/^class\b/.test(text)) return { error: "it is a class, not a function" };

  const name = IDENTIFIER.test(f.name) && !RESERVED.has(f.name) ? f.name : "f";
  if (!/^(async\s+)?function\b/.test(text) && !isArrow(text)) text = `function ${text}`; // method shorthand
  text = text.replace(INDIRECT_MEMBER, "$1");

  const gates = new Set(gateNames);
  const namespaces = new Set<string>();
  const arrayGates = new Set(arrayGateNames);
  // A namespace that calls array gates and nothing but gates (not `h.dot(...)` beside `h.norm`).
  const members = new Map<string, { all: boolean; arrayCall: boolean }>();
  for (const [whole, object, member] of text.matchAll(MEMBER)) {
    if (object === "Math" || object === name) continue;
    if (gates.has(member!)) namespaces.add(object!);
    const m = members.get(object!) ?? { all: true, arrayCall: false };
    m.all &&= gates.has(member!) || arrayGates.has(member!);
    m.arrayCall ||= arrayGates.has(member!) && whole.endsWith("(");
    members.set(object!, m);
  }
  for (const [object, m] of members) if (m.all && m.arrayCall) namespaces.add(object);
  const named = [
    ...gateNames.filter((g) => g !== name && new RegExp(`(?<![\\w$.])${escape(g)}(?![\\w$])`).test(text)),
    // Array gates have common names (`sum`, `dot`): taken to be the gates only where called by the bare name.
    ...arrayGateNames.filter((g) => g !== name && new RegExp(`(?<![\\w$.])${escape(g)}\\s*\\(`).test(text)),
  ];

  const prelude = [
    ...(named.length > 0 ? [`import { ${named.join(", ")} } from "${GATES_MODULE}";`] : []),
    ...[...namespaces].map((n) => `import * as ${n} from "${GATES_MODULE}";`),
  ];
  const head = `${[...prelude, `const ${name} = `].join(" ")}`;
  const source = `${head}${text};\n`;
  return { source, fileName: `grad(${name})`, name, params: parameters(source, head.length) };
}

/** The parameters of the function whose text starts at `offset` of `source`. */
function parameters(source: string, offset: number): Param[] {
  const sf = ts.createSourceFile("/f.ts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let fn: ts.SignatureDeclaration | undefined;
  const visit = (node: ts.Node): void => {
    if (fn) return;
    if ((ts.isFunctionExpression(node) || ts.isArrowFunction(node)) && node.getStart(sf) === offset) fn = node;
    else ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!fn) return [];
  const parenthesized = fn.getChildren(sf).some((c) => c.kind === ts.SyntaxKind.OpenParenToken);
  return fn.parameters.map((p) => ({
    name: ts.isIdentifier(p.name) ? p.name.text : undefined,
    at: (p.questionToken ?? p.name).end,
    ...(parenthesized ? {} : { bare: { start: p.getStart(sf), end: p.end } }),
  }));
}

/** `source` with the parameters of kind `number[]`, `Float64Array` or a record annotated so. */
export function annotate(source: string, params: Param[], kinds: ParamKind[]): string {
  const edits: [number, string][] = [];
  params.forEach((p, i) => {
    const kind = kinds[i];
    if (p.bare) {
      // Applied from the end, so at the same offset `)` is pushed first and lands after the type.
      edits.push([p.bare.start, "("], [p.bare.end, ")"]);
      if (kind && kind !== "number" && p.name) edits.push([p.at, `: ${kind}`]);
    } else if (kind && kind !== "number" && p.name) edits.push([p.at, `: ${kind}`]);
  });
  edits.sort((a, b) => b[0] - a[0]);
  let out = source;
  for (const [at, text] of edits) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

function isArrow(text: string): boolean {
  return /^(async\s*)?(\([^]*?\)|[A-Za-z_$][\w$]*)\s*=>/.test(text);
}

function escape(s: string): string {
  return s.replace(/[$]/g, "\\$");
}
