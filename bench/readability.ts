/**
 * How readable the generated control flow is, measured: backward statements per forward
 * operation, for each fixture suite (the lecture's straight-line code is about 1.4). A statement
 * is any line of the backward pass: an assignment, an array update, a tape pop, and each `if`,
 * loop or `else` counted once (`else if` is one line). Operations are the nodes of the optimised graph.
 *
 *   node --import tsx bench/readability.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CodeStatement } from "../src/ir.js";
import { statementsOf } from "../src/ir-walk.js";
import { optimise } from "../src/optimise/index.js";
import { parseProgram } from "../src/parser/index.js";
import { simplify } from "../src/simplify/index.js";
import { transform } from "../src/transform/index.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

function lines(code: CodeStatement[]): number {
  return code.reduce((n, s) => {
    // An else holding only an `if` is printed `} else if (...) {`: one line.
    if (s.kind === "if")
      return (
        n +
        1 +
        lines(s.then) +
        (s.else.length === 1 && s.else[0]!.kind === "if" ? lines(s.else) : s.else.length > 0 ? 1 + lines(s.else) : 0)
      );
    if (s.kind === "while") return n + 1 + lines(s.head) + lines(s.body);
    if (s.kind === "repeat" || s.kind === "for") return n + 1 + lines(s.body);
    if (s.kind === "release") return n;
    return n + 1;
  }, 0);
}

/** Backward statements per forward operation of each entry function of a fixture. */
function ratios(dir: string): number[] {
  const file = join(dir, "input.ts");
  const { program, sinks } = parseProgram(readFileSync(file, "utf8"), file, {
    readFile: (path) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
  });
  if (sinks.some((s) => s.diagnostics.length > 0)) return [];
  optimise(program);
  const module = transform(program, (g) => new Set(g.params.map((p) => p.name)));
  simplify(module);
  return program.entries.flatMap((g, i) => {
    const operations = [...statementsOf(g.body)].filter((s) => s.kind === "node").length;
    const backward = module.functions.filter((f) => f.kind === "entry")[i]?.backward ?? [];
    return operations > 0 ? [lines(backward) / operations] : [];
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function readability(): { suite: string; functions: number; median: number; max: number }[] {
  return readdirSync(fixtures, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "_error_")
    .map((suite) => {
      const cases = readdirSync(join(fixtures, suite.name), { withFileTypes: true }).filter((d) => d.isDirectory());
      const rs = cases.flatMap((c) => ratios(join(fixtures, suite.name, c.name)));
      return { suite: suite.name, functions: rs.length, median: median(rs), max: Math.max(...rs) };
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log("| suite | functions | backward statements per operation: median | max |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const r of readability())
    console.log(`| ${r.suite} | ${r.functions} | ${r.median.toFixed(2)} | ${r.max.toFixed(2)} |`);
}
