/**
 * The typed IR (src/ir-types.ts): every value of every graph has a type after the parser and
 * after the optimiser, and the types say what the values hold.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Graph, Program } from "../src/ir.js";
import { definitionsOf } from "../src/ir-walk.js";
import { graphsOf } from "../src/ir-types.js";
import { optimise } from "../src/optimise/index.js";
import { parseProgram } from "../src/parser/index.js";
import { passingFixtures, root } from "./support/fixtures.js";

function parsed(source: string, readFile: (path: string) => string | undefined = () => undefined): Program {
  const { program, sinks } = parseProgram(source, join(root, "input.ts"), { readFile });
  expect(sinks.flatMap((s) => s.diagnostics)).toEqual([]);
  return program;
}

/** The names a graph defines or takes that have no type. */
function untyped(g: Graph): string[] {
  return [...g.params.map((p) => p.name), ...definitionsOf(g.body)].filter((n) => !g.types.has(n));
}

/** A value's type as the graph text shows it. */
function typeOf(program: Program, name: string): string {
  const t = program.entries[0]!.types.get(name);
  return t === undefined ? "none" : t.kind === "array" ? t.storage : t.kind;
}

describe("every value has a type", () => {
  it.each(passingFixtures().map((f) => [f.name, f] as const))("%s", (_, f) => {
    const file = join(f.dir, "input.ts");
    const readFile = (path: string) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    };
    const { program } = parseProgram(readFileSync(file, "utf8"), file, { readFile });
    for (const g of graphsOf(program)) expect(untyped(g), `${g.name} after the parser`).toEqual([]);
    optimise(program);
    for (const g of graphsOf(program)) expect(untyped(g), `${g.name} after the optimiser`).toEqual([]);
  });
});

describe("what the types say", () => {
  it("a counter and a length are integers, a condition is a boolean, an element is a number", () => {
    const p = parsed(
      "export function f(a: Float64Array) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * 2; return s; }",
    );
    const g = p.entries[0]!;
    const names = [...definitionsOf(g.body)];
    expect(typeOf(p, "i")).toBe("integer");
    expect(typeOf(p, "s")).toBe("number"); // a phi of 0 and s_1, widened
    expect(typeOf(p, "s_1")).toBe("number");
    const length = names.find((n) => g.body.some((s) => s.kind === "node" && s.name === n && s.op === "length"));
    if (length) expect(typeOf(p, length)).toBe("integer");
    expect(names.some((n) => typeOf(p, n) === "boolean")).toBe(true);
  });

  it("a loop phi widens from integer to number when its next value is a number", () => {
    const p = parsed("export function f(x: number) { let y = 1; for (let i = 0; i < 3; i++) y = y * x; return y; }");
    expect(typeOf(p, "y")).toBe("number");
    expect(typeOf(p, "i")).toBe("integer");
  });

  it("arrays keep their storage through copies and merges; a break flag is a boolean phi", () => {
    const p = parsed(`export function f(a: number[], x: number) {
      const b = a.slice();
      const c = x > 0 ? new Float64Array(2) : new Float64Array(3);
      let k = 0;
      for (let j = 0; j < 9; j++) { k++; if (k > 2) break; }
      b[0] = x * c.length;
      return b[0]! + c[0]! + k;
    }`);
    expect(typeOf(p, "b")).toBe("number[]");
    const g = p.entries[0]!;
    const merges = g.body.flatMap((s) => (s.kind === "branch" ? s.merges.map((m) => m.name) : []));
    expect(merges.map((m) => typeOf(p, m))).toContain("Float64Array");
    // `break` is a boolean flag carried by the loop.
    const phis = g.body.flatMap((s) => (s.kind === "loop" ? s.carried.map((c) => c.name) : []));
    expect(phis.map((n) => typeOf(p, n))).toContain("boolean");
    expect(typeOf(p, "k")).toBe("integer");
  });
});
