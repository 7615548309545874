/**
 * A seeded generator of random straight-line programs that adgen accepts today: number
 * parameters, `const` temporaries, `+ - * /` and `Math` functions. The same seed always gives
 * the same program. The benchmark and the compile-time scaling measurements both use it.
 *
 * Every generated value is used (the last unused ones are summed into the result; `live` checks
 * it, and `deadFraction` leaves some unused on purpose), and the
 * program is numerically safe for every parameter in `domain`: the generator tracks a sound
 * interval for each value and only applies an operation where its result stays within
 * ±BOUND, `log` and `sqrt` see values >= 0.25, `exp` values <= 2, and divisors stay away from 0.
 *
 * Run directly to print a program: `node --import tsx bench/generate.ts <ops> [seed]`.
 */
import { rng } from "./rng.js";

export interface GeneratedProgram {
  /** The function's name. */
  name: string;
  /** TypeScript source, the input for adgen. */
  source: string;
  /** The same function as a plain JavaScript module. */
  js: string;
  /** Parameter names, in order. */
  params: string[];
  /** Operations in the program: binary operators and `Math` calls. */
  ops: number;
  /** Every parameter is drawn from this range. */
  domain: [number, number];
  /** The fraction of its statements whose value reaches the result (computed from the program's
   * uses, not assumed): 1 unless `deadFraction` asked for dead statements. */
  live: number;
}

export interface GenerateOptions {
  /** Target number of operations (the program has this many, give or take two). */
  ops: number;
  seed?: number;
  /** Number of parameters; default about the square root of `ops`. */
  params?: number;
  /** Function name; default `random<ops>`. */
  name?: string;
  /**
   * The probability that a statement's value is never read (dead code, which an engine may skip
   * and adgen's gradient drops; what it read is then dead too unless something else reads it, so
   * `live` falls much faster than this); default 0: every statement reaches the result, the
   * programs on which the benchmark measures gradient/primal ratios.
   */
  deadFraction?: number;
}

/** Largest magnitude any intermediate value may reach over the whole domain. */
const BOUND = 8;
const DOMAIN: [number, number] = [0.5, 1.5];
/** Operands are drawn from this many most recent values, like the locals of real code. */
const WINDOW = 16;

interface Value {
  /** A name or a parenthesised expression. */
  text: string;
  lo: number;
  hi: number;
  /** Operations inside `text`. */
  ops: number;
}

type Unary = "sin" | "cos" | "tanh" | "exp" | "log" | "sqrt";
type Binary = "+" | "-" | "*" | "/";

/** Relative weights: mostly arithmetic, like numeric code. */
const OPS: [Binary | Unary, number][] = [
  ["+", 24],
  ["-", 14],
  ["*", 24],
  ["/", 8],
  ["sin", 6],
  ["cos", 6],
  ["tanh", 7],
  ["exp", 4],
  ["log", 4],
  ["sqrt", 3],
];
const TOTAL_WEIGHT = OPS.reduce((s, [, w]) => s + w, 0);
const LITERALS = [0.5, 0.25, 1.5, 2, 3, 0.75];

const magnitude = (v: { lo: number; hi: number }) => Math.max(Math.abs(v.lo), Math.abs(v.hi));

/** The interval of `op` applied to its operands, or undefined where the op is not safe there. */
function apply(op: Binary | Unary, a: Value, b?: Value): { lo: number; hi: number } | undefined {
  let r: { lo: number; hi: number } | undefined;
  switch (op) {
    case "+":
      r = { lo: a.lo + b!.lo, hi: a.hi + b!.hi };
      break;
    case "-":
      r = { lo: a.lo - b!.hi, hi: a.hi - b!.lo };
      break;
    case "*": {
      const p = [a.lo * b!.lo, a.lo * b!.hi, a.hi * b!.lo, a.hi * b!.hi];
      r = { lo: Math.min(...p), hi: Math.max(...p) };
      break;
    }
    case "/": {
      if (!(b!.lo >= 0.5 || b!.hi <= -0.5)) return undefined;
      const p = [a.lo / b!.lo, a.lo / b!.hi, a.hi / b!.lo, a.hi / b!.hi];
      r = { lo: Math.min(...p), hi: Math.max(...p) };
      break;
    }
    case "sin":
    case "cos":
      r = { lo: -1, hi: 1 };
      break;
    case "tanh":
      r = { lo: Math.tanh(a.lo), hi: Math.tanh(a.hi) };
      break;
    case "exp":
      if (a.hi > 2) return undefined;
      r = { lo: Math.exp(a.lo), hi: Math.exp(a.hi) };
      break;
    case "log":
      if (a.lo < 0.25) return undefined;
      r = { lo: Math.log(a.lo), hi: Math.log(a.hi) };
      break;
    case "sqrt":
      if (a.lo < 0.25) return undefined;
      r = { lo: Math.sqrt(a.lo), hi: Math.sqrt(a.hi) };
      break;
  }
  return magnitude(r) <= BOUND ? r : undefined;
}

export function generateProgram(options: GenerateOptions): GeneratedProgram {
  const target = options.ops;
  const random = rng(options.seed ?? 1);
  const nParams = options.params ?? Math.max(2, Math.round(Math.sqrt(target)));
  const name = options.name ?? `random${target}`;
  const params = Array.from({ length: nParams }, (_, i) => `x${i}`);

  const defined: Value[] = params.map((p) => ({ text: p, lo: DOMAIN[0], hi: DOMAIN[1], ops: 0 }));
  // Values not used yet, in insertion order: the oldest is consumed first, so every value gets a use.
  const unused = new Set<Value>(defined);
  // Values taken from `unused` by the expression being built, to give back if it is abandoned.
  const journal: Value[] = [];
  const lines: string[] = [];
  let ops = 0;
  let next = 1;

  const pick = (): Value => {
    let v: Value;
    const r = random();
    // Parameters are read all through the program, as in real code: every parameter then has
    // short paths to the result, and its gradient neither vanishes nor explodes with length.
    if (r < 0.3) v = defined[Math.floor(random() * nParams)]!;
    else if (unused.size > 0 && r < 0.75) v = unused.values().next().value!;
    else {
      const from = Math.max(0, defined.length - WINDOW);
      v = defined[from + Math.floor(random() * (defined.length - from))]!;
    }
    if (unused.delete(v)) journal.push(v);
    return v;
  };
  const rollback = (mark: number) => {
    for (const v of journal.splice(mark)) unused.add(v);
  };
  const literal = (): Value => {
    const x = LITERALS[Math.floor(random() * LITERALS.length)]!;
    return { text: String(x), lo: x, hi: x, ops: 0 };
  };
  const chooseOp = (): Binary | Unary => {
    let r = random() * TOTAL_WEIGHT;
    for (const [op, w] of OPS) if ((r -= w) < 0) return op;
    return "+";
  };

  /** One operation on operands picked now; `depth` allows a nested operand. */
  const expression = (depth: number): Value => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const mark = journal.length;
      const op = chooseOp();
      const operand = () => (depth > 0 && random() < 0.3 ? expression(depth - 1) : pick());
      if (op === "+" || op === "-" || op === "*" || op === "/") {
        const a = operand();
        const b = op !== "-" && op !== "+" && random() < 0.15 ? literal() : operand();
        const r = apply(op, a, b);
        if (!r) {
          rollback(mark);
          continue;
        }
        return { text: `(${a.text} ${op} ${b.text})`, ...r, ops: a.ops + b.ops + 1 };
      }
      const a = operand();
      const r = apply(op, a);
      if (!r) {
        rollback(mark);
        continue;
      }
      return { text: `Math.${op}(${strip(a.text)})`, ...r, ops: a.ops + 1 };
    }
    // Always safe: squash the most recent value into [-1, 1].
    const a = pick();
    return { text: `Math.tanh(${strip(a.text)})`, ...apply("tanh", a)!, ops: a.ops + 1 };
  };

  // Leave room for summing what is still unused at the end (one `+` per extra value).
  const planned = () => ops + Math.max(unused.size - 1, 0);
  const dead = options.deadFraction ?? 0;
  while (planned() < target - 1) {
    const e = expression(planned() < target - 4 ? 1 : 0);
    journal.length = 0;
    const v: Value = { text: `v${next++}`, lo: e.lo, hi: e.hi, ops: 0 };
    lines.push(`  const ${v.text} = ${strip(e.text)};`);
    ops += e.ops;
    // A dead value is never read (the random draw only happens when asked for, so the programs
    // without dead code are the ones this generator always made).
    if (dead > 0 && random() < dead) continue;
    defined.push(v);
    unused.add(v);
  }
  const rest = [...unused];
  let result = rest.map((v) => v.text).join(" + ");
  ops += Math.max(rest.length - 1, 0);
  if (rest.length === 0) result = defined[defined.length - 1]!.text;

  const body = [...lines, `  return ${result};`].join("\n");
  const live = liveFraction(lines, result);
  const header = `// Random straight-line program: ${ops} operations, ${nParams} parameters, seed ${options.seed ?? 1}.\n// Generated by bench/generate.ts. Do not edit.\n`;
  const signature = (types: boolean) => params.map((p) => (types ? `${p}: number` : p)).join(", ");
  return {
    name,
    source: `${header}export function ${name}(${signature(true)}): number {\n${body}\n}\n`,
    js: `${header}export function ${name}(${signature(false)}) {\n${body}\n}\n`,
    params,
    ops,
    domain: DOMAIN,
    live,
  };
}

/** The fraction of `const vN = ...;` lines whose value the result reads, directly or through others. */
export function liveFraction(lines: string[], result: string): number {
  const reads = (text: string): string[] => text.match(/\bv\d+\b/g) ?? [];
  const uses = new Map<string, string[]>();
  for (const line of lines) {
    const [, name, expr] = /const (v\d+) = (.*);$/.exec(line)!;
    uses.set(name!, reads(expr!));
  }
  const live = new Set<string>();
  const stack = reads(result);
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (live.has(v)) continue;
    live.add(v);
    stack.push(...(uses.get(v) ?? []));
  }
  return lines.length === 0 ? 1 : live.size / lines.length;
}

/** Drops one pair of outer parentheses, which statement context never needs. */
function strip(text: string): string {
  if (!text.startsWith("(") || !text.endsWith(")")) return text;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    if (depth === 0 && i < text.length - 1) return text;
  }
  return text.slice(1, -1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ops = Number(process.argv[2] ?? 100);
  const seed = Number(process.argv[3] ?? 1);
  process.stdout.write(generateProgram({ ops, seed }).source);
}
