/**
 * mathjs, symbolically: the function is written out as one expression, each partial derivative
 * is derived once with `derivative` and compiled once; a call evaluates the compiled value and
 * every compiled partial in one scope.
 *
 * `derivative` simplifies its result by default, which makes the partials cheaper to evaluate
 * but costs time exponential in the expression's size here (measured: 0.2 s for the 28-node
 * projectile, 100 s for the 215-node MLP, 85 s for one partial of the 606-node random-100), so
 * only expressions of at most SIMPLIFY_MAX nodes are simplified.
 *
 * A program that shares intermediate values must be written out as a tree for mathjs, which
 * repeats every shared value at each use; programs whose tree would exceed MAX_TREE nodes are
 * skipped, with their tree size as the reason.
 */
import { derivative, parse, type EvalFunction } from "mathjs";
import type { BenchCase } from "../cases/types.js";
import { inlinedSize, readStraightLine, type Node } from "./straight-line.js";
import type { Peer } from "./types.js";

export const MAX_TREE = 5_000;
export const SIMPLIFY_MAX = 64;

const INFIX: Record<string, string> = { add: "+", sub: "-", mul: "*", div: "/", pow: "^" };

export function text(n: Node): string {
  if (n.kind === "num") return n.value < 0 ? `(${n.value})` : String(n.value);
  if (n.kind === "param") return n.name;
  const [a, b] = n.args.map(text);
  if (n.op in INFIX) return `(${a} ${INFIX[n.op]} ${b})`;
  if (n.op === "neg") return `(-${a})`;
  if (n.op === "sigmoid") return `(1 / (1 + exp(-${a})))`;
  return `${n.op}(${a})`;
}

export const mathjsPeer: Peer = {
  name: "mathjs",
  description: `mathjs \`derivative\` of each partial (simplified when the expression has at most ${SIMPLIFY_MAX} nodes), each compiled once, evaluated per call`,
  prepare(c: BenchCase) {
    if (!c.params) return Promise.resolve("array case");
    const line = readStraightLine(c.source, c.fn);
    const size = inlinedSize(line);
    if (size > MAX_TREE)
      return Promise.resolve(`the program as one expression has ${size.toExponential(1)} nodes (cap ${MAX_TREE})`);
    const t0 = performance.now();
    const expr = parse(text(line.result));
    const wrt = c.wrt ?? line.params;
    const value = expr.compile();
    const simplify = size <= SIMPLIFY_MAX;
    const partials: EvalFunction[] = wrt.map((p) => derivative(expr, p, { simplify }).compile());
    const setupMs = performance.now() - t0;

    const names = line.params;
    const scope = new Map<string, number>();
    const bind = (args: unknown[]) => {
      for (let i = 0; i < names.length; i++) scope.set(names[i]!, args[i] as number);
    };
    return Promise.resolve({
      setupMs,
      remark: simplify
        ? `simplified (${size} nodes)`
        : `not simplified: ${size} nodes, over the ${SIMPLIFY_MAX} that simplify handles in reasonable time`,
      gradient: (args: unknown[]) => {
        bind(args);
        return { value: value.evaluate(scope) as number, grad: partials.map((d) => d.evaluate(scope) as number) };
      },
      sum: (args: unknown[]) => {
        bind(args);
        let s = value.evaluate(scope) as number;
        for (const d of partials) s += d.evaluate(scope) as number;
        return s;
      },
    });
  },
};
