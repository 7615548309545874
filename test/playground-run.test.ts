/**
 * The playground's DOM-free part in Node: compiling, running a generated f_grad on typed values,
 * and the user's own functions made live (what the page's check compares against).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { livePrimals } from "../playground/src/primal.js";
import { compileSource, evaluate, liveFunctions, parseValue } from "../playground/src/run.js";
import { root } from "./support/fixtures.js";

const input = (fixture: string) => readFileSync(join(root, "fixtures", fixture, "input.ts"), "utf8");

describe("playground: run", () => {
  it("reads a typed value by the parameter's type", () => {
    expect(parseValue("number", " -2.5 ")).toBe(-2.5);
    expect(parseValue("number", "")).toBeUndefined();
    expect(parseValue("number", "x")).toBeUndefined();
    expect(parseValue("number[]", "1, 2,3")).toEqual([1, 2, 3]);
    expect(parseValue("number[]", "1, ,3")).toBeUndefined();
    expect(parseValue("Float64Array", "0.5, 1")).toEqual(Float64Array.from([0.5, 1]));
  });

  it("compiles and runs the lecture's neuron at the lecture's point", async () => {
    const source = input("core/lecture");
    const { result } = await compileSource(source);
    expect(result.diagnostics).toEqual([]);
    const fn = result.functions.find((f) => f.name === "f_grad")!;
    const texts = { w0: "2", x0: "-1", w1: "-3", x1: "-2", w2: "-3" };
    const out = evaluate(liveFunctions(source).get("f_grad")!, fn, texts);
    expect(out).toEqual({
      value: 1 / (1 + Math.exp(-1)),
      grad: expect.objectContaining({ w0: expect.closeTo(-0.1966, 4), x0: expect.closeTo(0.3932, 4) }),
    });
    expect(evaluate(liveFunctions(source).get("f_grad")!, fn, { ...texts, w1: "three" })).toEqual({
      error: "'w1' needs a number",
    });
  });

  it("runs a loop over an array, its gradient one number per element", async () => {
    const source = input("loops/horner");
    const { result } = await compileSource(source);
    const fn = result.functions.find((f) => f.name === "horner_grad")!;
    const out = evaluate(liveFunctions(source).get("horner_grad")!, fn, { c: "1, 2, 3", x: "2" });
    // y = 1 + 2x + 3x^2: dy/dc = [1, x, x^2], dy/dx = 2 + 6x.
    expect(out).toEqual({ value: 17, grad: { c: [1, 2, 4], x: 14 } });
  });

  it("makes the source's functions live, exported or not, with adgen/gates bound", () => {
    expect(livePrimals(input("core/lecture"), ["f"]).get("f")!(2, -1, -3, -2, -3)).toBe(1 / (1 + Math.exp(-1)));
    expect([...livePrimals(input("core/export-list"), ["rosenbrock", "bowl"]).keys()]).toEqual(["rosenbrock", "bowl"]);
    expect(livePrimals(input("core/no-exports"), ["f"]).get("f")!(2, 3)).toBe(6 + Math.sin(2));
    expect(() => livePrimals(`import { h } from "./h";\nexport const f = (x: number) => h(x);`, ["f"])).toThrow(
      "only adgen/gates",
    );
  });
});
