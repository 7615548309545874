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

describe("compile() gives each generated line its source position", () => {
  const source = [
    "import { scale } from './helpers';", // 1
    "export function f(x: number, y: number): number {", // 2
    "  const a = x * y;", // 3
    "  const b = Math.sin(a);", // 4
    "  let s = 0;", // 5
    "  for (let i = 0; i < 3; i++) s += scale(b);", // 6
    "  return s + a;", // 7
    "}", // 8
  ].join("\n");
  const helpers = "export function scale(v: number): number {\n  const w = v * 3;\n  return w * w;\n}\n";
  const readFile = (path: string) => (path.endsWith("helpers.ts") ? helpers : undefined);

  /** The source position of the first generated line that starts with `text`. */
  function at(
    result: { code: string; lines: ({ file: string; line: number; column: number } | null)[] },
    text: string,
  ) {
    const lines = result.code.split("\n");
    expect(result.lines).toHaveLength(lines.length);
    const i = lines.findIndex((l) => l.trim().startsWith(text));
    expect(i, text).toBeGreaterThanOrEqual(0);
    return result.lines[i];
  }

  it.each([
    ["compileSync", false],
    ["compile (formatted)", true],
  ])("%s", async (_, formatted) => {
    const options = { fileName: "model.ts", readFile };
    const result = formatted ? await compile(source, options) : compileSync(source, options);
    expect(result.diagnostics).toEqual([]);
    expect(at(result, "// Generated")).toBeNull();
    expect(at(result, "export function f_grad")).toEqual({ file: "model.ts", line: 2, column: 17 });
    expect(at(result, "const a = x * y")).toEqual({ file: "model.ts", line: 3, column: 13 });
    expect(at(result, "const grad_a")?.line).toBe(3); // an adjoint: the line of its value
    expect(at(result, "const grad_b_1")?.line).toBe(6); // the pullback of the call in the loop
    expect(at(result, "return")?.line).toBe(7);
    // The helper's own function is in its own file.
    expect(at(result, "function scale")?.file).toBe("helpers.ts");
    expect(at(result, "const w = v * 3")).toEqual({ file: "helpers.ts", line: 2, column: 13 });
  });
});
