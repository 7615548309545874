/**
 * From a live function to source text adgen can compile: `f.toString()` wrapped as a module with
 * one top-level function. Only what the text shows is known here, so module constants, helper
 * functions and mutable state that `f` closes over are free names the compiler rejects.
 */

export type PreparedSource =
  | {
      /** The module text to compile. */
      source: string;
      /** What diagnostics call the text. */
      fileName: string;
      /** The top-level name given to the function: its companion is `<name>_grad`. */
      name: string;
    }
  | { error: string };

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
const MEMBER = /(?<![\w$.])([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)/g;

/**
 * Wraps `f`'s source as `const <name> = <source>;` after a one-line prelude that imports the
 * gates it names, so the function keeps its own line numbers in diagnostics. Names of adgen's
 * gates (`sigmoid`, or `ns.sigmoid` for any namespace `ns` but `Math`) are taken to be the gates.
 */
export function prepareSource(f: Function, gateNames: string[]): PreparedSource {
  let text = functionToString.call(f).trim();
  if (/\{\s*\[native code\]\s*\}$/.test(text))
    return { error: "it is a native or bound function, so there is no source text to differentiate" };
  if (/^class\b/.test(text)) return { error: "it is a class, not a function" };

  const name = IDENTIFIER.test(f.name) && !RESERVED.has(f.name) ? f.name : "f";
  if (!/^(async\s+)?function\b/.test(text) && !isArrow(text)) text = `function ${text}`; // method shorthand
  text = text.replace(INDIRECT_MEMBER, "$1");

  const gates = new Set(gateNames);
  const namespaces = new Set<string>();
  for (const [, object, member] of text.matchAll(MEMBER))
    if (object !== "Math" && gates.has(member!) && object !== name) namespaces.add(object!);
  const named = gateNames.filter((g) => g !== name && new RegExp(`(?<![\\w$.])${escape(g)}(?![\\w$])`).test(text));

  const prelude = [
    ...(named.length > 0 ? [`import { ${named.join(", ")} } from "adgen/gates";`] : []),
    ...[...namespaces].map((n) => `import * as ${n} from "adgen/gates";`),
  ];
  return { source: `${[...prelude, `const ${name} = ${text};`].join(" ")}\n`, fileName: `grad(${name})`, name };
}

function isArrow(text: string): boolean {
  return /^(async\s*)?(\([^]*?\)|[A-Za-z_$][\w$]*)\s*=>/.test(text);
}

function escape(s: string): string {
  return s.replace(/[$]/g, "\\$");
}
