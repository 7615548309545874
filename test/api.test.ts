/**
 * The library API beyond the code: `compile()` says which functions it generated, so the plugin
 * and the runtime find companions without searching the text.
 */
import { describe, expect, it } from "vitest";
import { compile, compileSync } from "../src/index.js";

describe("compile() lists the generated functions", () => {
  it("names each with its kind and typed parameters, in output order", async () => {
    const source = `
      function sq(v: number): number { return v * v; }
      export function loss(w: number, xs: Float64Array): number { return sq(w) * xs[0]; }
      export function twice(x: number): number[] { return [2 * x, x]; }
    `;
    const { functions, code } = await compile(source);
    expect(functions).toEqual([
      {
        name: "loss_grad",
        kind: "grad",
        params: [
          { name: "w", type: "number" },
          { name: "xs", type: "Float64Array" },
        ],
      },
      {
        name: "twice_vjp",
        kind: "vjp",
        params: [
          { name: "x", type: "number" },
          { name: "grad_out", type: "number[]" },
        ],
      },
      { name: "sq", kind: "primal", params: [{ name: "v", type: "number" }] },
      {
        name: "sq_pullback",
        kind: "pullback",
        params: [
          { name: "v", type: "number" },
          { name: "grad_sq", type: "number" },
        ],
      },
    ]);
    for (const f of functions) expect(code).toContain(`function ${f.name}(`);
  });

  it("lists none when there are diagnostics", () => {
    expect(compileSync("export function f(x: number) { return Math.random() * x; }").functions).toEqual([]);
  });
});
