/**
 * Diagnostics: what adgen says about input it cannot differentiate.
 * Every diagnostic has a code from the catalogue below (documented in docs/DIAGNOSTICS.md),
 * a location, and a code frame. `formatDiagnostic` renders `path:line:col - error ADG####: msg`.
 */

/** The catalogue. Codes never change meaning; retired codes are not reused. */
export const codes = {
  /** Syntax error. The file does not parse as TypeScript. */
  syntax: "ADG1001",
  /** No function to differentiate. The file has no function (declaration, `const` arrow or function expression, default export). */
  noFunction: "ADG1002",
  /** `--wrt` names something that is not a parameter. Also: an empty `wrt`, a function none of whose parameters is listed, a `wrt` that `grad()`'s result type would get wrong, a `wrt` naming a `Data<T>` parameter, a function whose parameters are all `Data<T>`. */
  unknownWrt: "ADG1003",
  /** Unsupported statement. A statement kind outside the supported subset. */
  statement: "ADG2001",
  /** Unsupported expression. An expression kind outside the supported subset. */
  expression: "ADG2002",
  /** Unsupported operator. An operator outside the supported subset. */
  operator: "ADG2003",
  /** Switch. `switch` statements; write them as `if` / `else if` / `else` (branches and `?:` are supported). */
  branch: "ADG2004",
  /** Loop form. What loops cannot do yet: returning an array from inside a loop, labelled `break`/`continue`, `for...in`, a loop that never ends. */
  loop: "ADG2005",
  /** Unsupported function form. async, generator, generic or body-less functions. */
  functionForm: "ADG2006",
  /** Unsupported parameter. Parameters other than plain names of type number, `number[]` or `Float64Array`. */
  parameter: "ADG2007",
  /** String value. Strings are not numbers. */
  string: "ADG2008",
  /** `this`. Functions are differentiated on their own, without an object. */
  thisKeyword: "ADG2009",
  /** Unsupported record. A record type or use outside the subset: `Map`/`Set`, string fields, methods, index signatures, a record returned by the differentiated function, records in `?:`. */
  record: "ADG2010",
  /** Class inheritance. A class that `extends` another; declare its fields and methods in it. */
  classExtends: "ADG2020",
  /** Class accessor. A getter or setter (`get norm()`); write a method (`norm()`). */
  classAccessor: "ADG2021",
  /** Static class member. A `static` field, method or block; use a module-level `const` or function. */
  classStatic: "ADG2022",
  /** Private `#` member. A `#x` field or `#m()` method; use TypeScript's `private x`. */
  classPrivateName: "ADG2023",
  /** Imported class. A class declared in another module; declare it in the module that uses it. */
  classImported: "ADG2024",
  /** Unsupported class. Other class forms outside the subset: generic, abstract or decorated classes, class expressions, untyped or function-valued fields, overloads, a `return` in a constructor, `private` fields on a differentiated parameter. */
  classForm: "ADG2025",
  /** Derivative request adgen cannot read. `grad(g)` / `jvp(g)` / `hvp(g)` inside a differentiated function must name a function of the program and write its options out (`{ wrt: ["x"] }`); `vjp(g)` there is not supported. */
  nestedOperator: "ADG2050",
  /** Generated code adgen cannot differentiate again. A construct of a generated companion (`g_grad`, `g_jvp`) that adgen does not read back as input, named in the message. */
  nestedOwnOutput: "ADG2051",
  /** Optional field read otherwise than generated code does. A parameter's optional field (`tangents: { x?: number; a?: Float64Array }`, a forward-mode companion's tangents) is read by destructuring with a default that is a zero of its kind (`const { x: dot_x = 0, a: dot_a = new Float64Array(a.length) } = tangents;`), or passed on whole; an optional array of records, a default of another kind, two different defaults, or an optional array never read are refused. */
  optionalField: "ADG2120",
  /** Stack used otherwise than generated code does. A `Tape.acquire()` (adgen/gates) or `boolean[]` stack read back as input: declared with `const`, used through `push`, `pop` and `release` only, `pop` where its value (a number, a decision) is expected. */
  tapeStack: "ADG2090",
  /** Nothing to differentiate in a derivative request. `grad(g)` where `g` is not a function of the program (a gate, a value), returns an array, or differentiates itself through its own derivative. */
  nestedTarget: "ADG2052",
  /** Unknown name. A name that is not a parameter, local, Math member or gate. */
  unknownName: "ADG3001",
  /** Call adgen has no rule for. A call to a function adgen has no rule for. */
  unknownCall: "ADG3002",
  /** Refused `Math` function. A Math member adgen refuses (Math.random, Math.imul, ...). */
  unsupportedMath: "ADG3003",
  /** No such `Math` member. A Math member that does not exist. */
  unknownMath: "ADG3004",
  /** Clock. `Date`: time is not a differentiable input. */
  date: "ADG3005",
  /** Code built at run time. `eval` and `Function`. */
  evalCall: "ADG3006",
  /** Recursion. A function that calls itself. */
  recursion: "ADG3007",
  /** Write outside the function. An assignment to something outside the function. */
  outerWrite: "ADG3008",
  /** Missing `return`, or code after it. A function without a final `return`, or code after it. */
  missingReturn: "ADG3009",
  /** Assignment to a `const`. Declare it with `let`. */
  constAssign: "ADG3010",
  /** Read before assignment. A variable read before it has a value. */
  unassigned: "ADG3011",
  /** Wrong number of arguments. A call with the wrong number of arguments. */
  arity: "ADG3012",
  /** Not a number. A value that is not a number (a boolean, a function, an array, nothing) where a number is needed. */
  notNumber: "ADG3013",
  /** Malformed gate. A `gate({ forward, backward })` that is malformed. */
  gate: "ADG3014",
  /** Module not found. An imported module that cannot be found or read. */
  moduleNotFound: "ADG3015",
  /** Not an array. A value that is not an array (a number) where an array is needed. */
  notArray: "ADG3016",
  /** Not a condition. A value that is not a condition (a number) where a condition is needed. */
  notCondition: "ADG3017",
  /** Not a function. A call of something that is not a function (a local, a module-level value, a member of a number). */
  notFunction: "ADG3018",
  /** Shared record written. A write to a record that another name also refers to (`const q = p;` then `q.x = 1`); copy it with `{ ...p }`. */
  sharedRecord: "ADG3019",
  /** `this` escapes. An object stored into another (`other.owner = this`, `b.r = a` in a helper) in a way adgen's copies of records cannot follow, or a method that returns `this` on one path and another object on another. */
  thisEscapes: "ADG3020",
  /** Array of arrays outside the subset. Array methods on an array of arrays (its rows' are fine), array literals of arrays, deeper nesting, returning or choosing an array of arrays or a row of one. */
  nestedArray: "ADG2030",
  /** Push outside the subset. `push` on a Float64Array, a parameter, a row of an array of arrays, or used for its value. */
  push: "ADG2031",
  /** Row replaced or shared. A write of a whole row (`A[i] = ...`, `A[i] = A[j]`), or a matrix built from a row it does not make (`Array.from({ length: n }, () => row)`): two names for one row, which adgen's row adjoints cannot follow. */
  rowAlias: "ADG3030",
  /** Unsupported tuple or array of records. A tuple or array-of-records type or use outside the subset: an index into a tuple that is not a literal, optional or rest tuple elements, arrays of records inside records or of arrays, an array of records returned by the differentiated function. */
  tuple: "ADG2040",
  /** Element aliasing. An element of an array of records (`pts[i]`, a reference) used where adgen's copies cannot follow it: passed to a helper together with its array, returned by a helper, put into another record, or a name for one reassigned. */
  elementAlias: "ADG3040",
  /** Not in forward mode. A construct forward mode (`f_jvp`) does not differentiate yet. */
  forwardMode: "ADG4001",
  /** No Hessian of an array. A Hessian (`--mode hessian`, `hessian_diag`) of a function that returns an array. */
  hessianOfArray: "ADG4010",
} as const;

export type DiagnosticCode = (typeof codes)[keyof typeof codes];

export interface Diagnostic {
  /** The catalogue code, `ADG####`. */
  code: DiagnosticCode;
  /** One sentence naming the construct and, where it helps, what to do instead. */
  message: string;
  /** The file, as it was named to adgen. */
  file: string;
  /** 1-based line of the construct's start. */
  line: number;
  /** 1-based column of the construct's start. */
  column: number;
  /** 1-based line and column just past the construct's end. */
  endLine: number;
  endColumn: number;
  /** The source lines around it, with the construct underlined. */
  frame: string;
}

/** Raised inside a phase to abandon the current function; turned into a Diagnostic by its sink. */
export class DiagnosticError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/**
 * Raised to abandon the current function when the real diagnostic was already reported in
 * another file (a callee's): the caller stops without reporting anything twice.
 */
export class AlreadyReported extends Error {}

/** Turns source offsets into Diagnostics for one file. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === "\n" && i + 1 < text.length) this.lineStarts.push(i + 1);
  }

  report(code: DiagnosticCode, message: string, start: number, end = start + 1): void {
    const { line, column } = this.position(start);
    const last = this.position(Math.max(start + 1, end));
    const frame = codeFrame(this.text, this.lineStarts, line, column, Math.max(1, end - start));
    this.diagnostics.push({
      code,
      message,
      file: this.file,
      line,
      column,
      endLine: last.line,
      endColumn: last.column,
      frame,
    });
  }

  /** Runs `f`, reporting a DiagnosticError it raises; returns undefined then. */
  guard<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (e instanceof AlreadyReported) return undefined;
      if (!(e instanceof DiagnosticError)) throw e;
      this.report(e.code, e.message, e.start, e.end);
      return undefined;
    }
  }

  private position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }
}

/** Babel-style code frame: two lines of context, the offending span underlined. */
function codeFrame(text: string, lineStarts: number[], line: number, column: number, length: number): string {
  const lineText = (n: number) => {
    const start = lineStarts[n - 1]!;
    const end = n < lineStarts.length ? lineStarts[n]! - 1 : text.length;
    return text
      .slice(start, end)
      .replace(/\r?\n$/, "")
      .replace(/\r$/, "");
  };
  const first = Math.max(1, line - 2);
  const last = Math.min(lineStarts.length, line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const src = lineText(n);
    const gutter = String(n).padStart(width);
    out.push(`${n === line ? ">" : " "} ${gutter} |${src ? " " + src : ""}`);
    if (n === line) {
      const span = Math.max(1, Math.min(length, src.length - column + 1));
      const pad = src.slice(0, column - 1).replace(/[^\t]/g, " ");
      out.push(`  ${" ".repeat(width)} | ${pad}${"^".repeat(span)}`);
    }
  }
  return out.join("\n");
}

/** `path:line:col - error ADG####: message`, then the code frame. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} - error ${d.code}: ${d.message}\n\n${d.frame}\n`;
}
