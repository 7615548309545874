/**
 * Circuit pictures (`adgen graph`, `circuit()`): DOT snapshots of the lecture's neuron and of a
 * branch, a loop, a call and a graph too large to draw; the SVG is well-formed and carries the
 * lecture's numbers; every wire's numbers come from an interpreter whose gradients must equal the
 * generated `f_grad`'s on every fixture of numbers; the README's picture is what adgen draws.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../cli/run.js";
import { optimise } from "../src/optimise/index.js";
import { parseProgram } from "../src/parser/index.js";
import { buildCircuit } from "../src/picture/build.js";
import { evaluateCircuit } from "../src/picture/evaluate.js";
import { formatValue } from "../src/picture/format.js";
import { circuit, PictureError, renderSvg } from "../src/picture/index.js";
import { passingFixtures, root } from "./support/fixtures.js";
import { rng } from "./support/numeric.js";

const read = (path: string) => readFileSync(join(root, path), "utf8");
const LECTURE = read("fixtures/core/lecture/input.ts");
const LECTURE_INLINE = read("fixtures/core/lecture-inline/input.ts");
const POINT = { w0: 2, x0: -1, w1: -3, x1: -2, w2: -3 };
const snapshot = (name: string) => join(root, "test", "picture", name);

/** `circuit()`'s DOT, which must come without diagnostics. */
function dotOf(source: string, options: Parameters<typeof circuit>[1] = {}): string {
  const r = circuit(source, options);
  expect(r.diagnostics).toEqual([]);
  return r.dot;
}

describe("DOT", () => {
  it("draws the lecture's neuron alone", async () => {
    await expect(dotOf(LECTURE)).toMatchFileSnapshot(snapshot("neuron.dot"));
  });

  it("labels the neuron's wires at the lecture's point", async () => {
    const dot = dotOf(LECTURE, { at: POINT });
    await expect(dot).toMatchFileSnapshot(snapshot("neuron-at.dot"));
    // The output wire carries 0.73 and gradient 1; the inputs' wires the lecture's gradients.
    for (const [value, gradient] of [
      ["0.73", "1.00"],
      ["2.00", "-0.20"],
      ["-1.00", "0.39"],
      ["-3.00", "-0.39"],
      ["-2.00", "-0.59"],
      ["-3.00", "0.20"],
    ])
      expect(dot).toContain(`${value}</font></td></tr><hr/><tr><td><font color="#cf222e">${gradient}</font>`);
  });

  it("draws the sigmoid as its operations with --expand-gates (the lecture's other neuron)", async () => {
    const dot = dotOf(LECTURE, { at: POINT, expandGates: true });
    await expect(dot).toMatchFileSnapshot(snapshot("neuron-expanded.dot"));
    expect(dot).toContain('label="sigmoid"'); // the cluster
    for (const op of ['"-x"', '"exp"', '"+1"', '"1/x"']) expect(dot).toContain(`label=${op}`);
    // The lecture's numbers inside the expanded gate: e^-1 = 0.37, 1.37, and -0.53 flowing back.
    for (const text of [">0.37<", ">1.37<", ">-0.53<"]) expect(dot).toContain(text);
    // The written-out sigmoid gives the same wires (the gate is the same function).
    expect(dotOf(LECTURE_INLINE, { at: POINT })).toContain(">-0.53<");
  });

  it("draws a branch as two arms, the one not taken unlabelled", async () => {
    const source = read("fixtures/branches/huber-loss/input.ts");
    const dot = dotOf(source, { at: { pred: 3, target: 0, delta: 1 } });
    await expect(dot).toMatchFileSnapshot(snapshot("huber-at.dot"));
    expect(dot).toContain('label="else (not taken)"');
    expect(dot).toContain('label="if cond"');
    expect(dot).toContain(
      'label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="1"><tr><td><font color="#1a7f37">true</font>',
    );
  });

  it("draws a loop as one cluster holding its body once", async () => {
    const source = read("fixtures/loops/for-power/input.ts");
    const dot = dotOf(source, { at: { x: 2 } });
    await expect(dot).toMatchFileSnapshot(snapshot("loop-at.dot"));
    expect(dot).toContain('label="loop, 3 iterations"');
    expect(dot.match(/label="\*"/g)).toHaveLength(1); // the body's multiplication, drawn once
    // x^3 at 2: the value 8 leaves the loop with gradient 1; x's wire carries 3 x^2 = 12.
    expect(dot).toMatch(/>8\.00<.*>1\.00</);
    expect(dot).toMatch(/>2\.00<.*>12\.0</);
  });

  it("counts a nested loop's iterations in all, and says when a loop was not reached", () => {
    const nested =
      "export function f(x: number): number {\n  let s = 0;\n  for (let i = 0; i < 2; i++) {\n" +
      "    for (let j = 0; j < 3; j++) s = s + x * j;\n  }\n  return s;\n}\n";
    const dot = dotOf(nested, { at: { x: 2 } });
    expect(dot).toContain('label="loop, 2 iterations"');
    expect(dot).toContain('label="loop, 6 iterations in 2 runs"');
    const guarded =
      "export function f(x: number): number {\n  if (x > 0) return x;\n  let y = x;\n  while (y < 0) y = y + 1;\n  return y;\n}\n";
    expect(dotOf(guarded, { at: { x: 1 } })).toContain('label="loop (not reached)"');
  });

  it("draws a call as a cluster holding the callee's body", async () => {
    const source = read("fixtures/calls/square-helper/input.ts");
    const dot = dotOf(source, { at: { x: 3 } });
    await expect(dot).toMatchFileSnapshot(snapshot("call-at.dot"));
    expect(dot).toContain('label="square"');
    // x fans out to x * x and to + 1: the wire into the branching point carries the sum 2x + 1 = 7.
    expect(dot).toMatch(/>3\.00<.*>7\.00</);
  });

  it("draws a summary of a graph of more than 300 nodes, and says so", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `  y = y * x + ${i + 1};`);
    const source = `export function f(x: number): number {\n  let y = x;\n${lines.join("\n")}\n  return y;\n}\n`;
    const r = circuit(source);
    expect(r.summary).toBe(true);
    await expect(r.dot).toMatchFileSnapshot(snapshot("summary.dot"));
    expect(r.dot).toContain('402 nodes, more than 300" + "\\n" + "a summary');
    expect(circuit(source, { maxNodes: 500 }).summary).toBeUndefined();
  });

  it("picks a function by name, and reports one that is not there", () => {
    const source =
      "export function f(x: number) { return x * x; }\nexport function g(y: number) { return Math.sin(y); }\n";
    expect(circuit(source).function).toBe("f");
    expect(circuit(source, { function: "g" }).dot).toContain('label="sin"');
    expect(circuit(source, { function: "h" }).diagnostics[0]?.code).toBe("ADG1002");
  });

  it("refuses a point that does not fit the function", () => {
    expect(() => circuit(LECTURE, { at: { w0: 1 } })).toThrow(/'x0', 'w1', 'x1', 'w2' missing/);
    expect(() => circuit(LECTURE, { at: { ...POINT, v: 1 } })).toThrow(PictureError);
    const arrays = "export function f(a: Float64Array): number { return a[0] * a[1]; }\n";
    expect(dotOf(arrays)).toContain('label="*"');
    expect(() => circuit(arrays, { at: { a: 1 } })).toThrow(/functions of numbers only/);
  });

  it("refuses a point where the function runs without end", () => {
    const forever = "export function f(x: number) {\n  let y = x;\n  while (y > 0) y = y + 1;\n  return y;\n}\n";
    expect(circuit(forever, { at: { x: -1 } }).value).toBe(-1);
    expect(() => circuit(forever, { at: { x: 1 } })).toThrow(/ran more than 1,000,000 operations at this point/);
  });
});

describe("formatValue", () => {
  it("writes two or three significant digits, as the lecture does", () => {
    expect(
      [0.7310585786300049, -0.19661193324148185, 6, 1, 0, 12.04, 456.7, 0.0123, 1.5e-5, 3.4e6].map(formatValue),
    ).toEqual(["0.73", "-0.20", "6.00", "1.00", "0", "12.0", "457", "0.012", "1.5e-5", "3.4e6"]);
    expect([NaN, Infinity, -Infinity, -0, -0.001 / 1e9].map(formatValue)).toEqual(["NaN", "∞", "-∞", "-0", "-1e-12"]);
  });
});

/** A minimal XML well-formedness check: every tag closes in order, attributes are quoted, text has no stray `<` or `&`. */
function checkXml(xml: string): void {
  const body = xml
    .replace(/^<\?xml[^>]*\?>\s*/, "")
    .replace(/<!DOCTYPE[^>]*>/, "")
    .replace(/<!--[\s\S]*?-->/g, "");
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(body))) {
    const text = body.slice(last, m.index);
    expect(text, "text between tags").not.toMatch(/<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);)/i);
    last = tag.lastIndex;
    if (m[1]) expect(stack.pop(), `closing </${m[2]}>`).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]!);
  }
  expect(body.slice(last).trim()).toBe("");
  expect(stack).toEqual([]);
}

describe("SVG", () => {
  it("is well-formed, and its labels carry the lecture's numbers", async () => {
    const svg = await renderSvg(dotOf(LECTURE, { at: POINT }));
    checkXml(svg);
    const texts = (color: string) =>
      [...svg.matchAll(new RegExp(`<text[^>]*fill="${color}"[^>]*>([^<]*)</text>`, "g"))].map((m) =>
        m[1]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))),
      );
    expect(texts("#1a7f37")).toEqual(expect.arrayContaining(["0.73", "2.00", "-1.00", "-3.00", "-2.00"]));
    expect(texts("#cf222e")).toEqual(expect.arrayContaining(["1.00", "-0.20", "0.39", "-0.39", "-0.59", "0.20"]));
  });

  it("is the README's picture of the neuron, regenerated", async () => {
    for (const [file, expandGates] of [
      ["docs/images/neuron.svg", false],
      ["docs/images/neuron-expanded.svg", true],
    ] as const) {
      const svg = await renderSvg(dotOf(LECTURE, { at: POINT, expandGates }));
      await expect(svg, `${file} is out of date: run the command in the README`).toMatchFileSnapshot(join(root, file));
    }
    expect(read("README.md")).toContain("docs/images/neuron.svg");
  });
});

type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

/** Equal, or both NaN, or within 1e-12 relative to their size (sums may add up in another order). */
const agrees = (a: number, b: number) =>
  Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

describe("values and gradients at a point agree with the generated f_grad", () => {
  const cases = passingFixtures().flatMap((fixture) => {
    const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
    const { program, sinks } = parseProgram(source, fixture.input, {
      readFile: (p) => {
        try {
          return readFileSync(join(root, p), "utf8");
        } catch {
          return undefined;
        }
      },
    });
    if (sinks.some((s) => s.diagnostics.length > 0)) return [];
    optimise(program);
    return program.entries
      .filter((g) => g.params.every((p) => p.type === "number"))
      .map((g) => ({ name: `${fixture.name} ${g.name}`, fixture, graph: g, program }))
      .filter((c) => !buildCircuit(c.graph, c.program).arrays);
  });

  it("covers the fixtures of numbers", () => expect(cases.length).toBeGreaterThan(100));

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_, { fixture, graph, program }) => {
    const output = (await import(join(fixture.dir, "output.ts"))) as Record<string, unknown>;
    const fGrad = output[`${graph.name}_grad`] as GradFn | undefined;
    if (!fGrad) return; // a vector-valued function (f_vjp)
    const seeded = rng(0x91c);
    const params = graph.params.map((p) => p.name);
    const d = fixture.options.domain;
    const draw = (p: string) => {
      const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-2, 2]);
      return lo + (hi - lo) * seeded();
    };
    const points = [
      ...(fixture.options.at ?? []).filter((xs) => xs.length === params.length),
      ...Array.from({ length: 3 }, () => params.map(draw)),
    ];
    for (const expandGates of [false, true]) {
      const built = buildCircuit(graph, program, { expandGates });
      for (const xs of points) {
        const expected = fGrad(...xs);
        const got = evaluateCircuit(built, program, Object.fromEntries(params.map((p, i) => [p, xs[i]!])));
        const where = `at (${xs.join(", ")})${expandGates ? " with gates expanded" : ""}`;
        expect(agrees(got.value, expected.value), where).toBe(true);
        for (const [p, g] of Object.entries(expected.grad))
          expect(agrees(got.gradients[p]!, g), `${p} ${where}: ${got.gradients[p]} vs ${g}`).toBe(true);
      }
    }
  });
});

describe("adgen graph", () => {
  async function adgen(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await run(["graph", ...argv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }
  const FILE = "fixtures/core/lecture/input.ts";
  const AT = "w0=2,x0=-1,w1=-3,x1=-2,w2=-3";

  it("prints the SVG, or with --format dot the DOT", async () => {
    const svg = await adgen(FILE, "--at", AT);
    expect(svg.code).toBe(0);
    expect(svg.stderr).toBe("");
    expect(svg.stdout).toBe(await renderSvg(dotOf(LECTURE, { at: POINT })));
    const dot = await adgen(FILE, "--format", "dot", "--expand-gates");
    expect(dot).toEqual({ code: 0, stdout: dotOf(LECTURE, { expandGates: true }), stderr: "" });
  });

  it("writes a PNG with -o", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "adgen-graph-"));
    try {
      const r = await adgen(FILE, "--at", AT, "-o", join(dir, "neuron.png"));
      expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
      const png = readFileSync(join(dir, "neuron.png"));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(10_000);
      const dotFile = await adgen(FILE, "-o", join(dir, "neuron.dot"));
      expect(dotFile.code).toBe(0);
      expect(readFileSync(join(dir, "neuron.dot"), "utf8")).toBe(dotOf(LECTURE));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad usage with exit 2 and a message", async () => {
    for (const [args, message] of [
      [["--at", "w0=2"], "'x0', 'w1', 'x1', 'w2' missing"],
      [["--at", "w0=two"], "--at takes name=number pairs"],
      [["--at", `${AT},v=1`], "'v' is not a parameter of 'f'"],
      [["--format", "png"], "--format png writes a binary file: give it with -o"],
      [["--max-nodes", "0"], "--max-nodes takes a positive whole number"],
    ] as const) {
      const r = await adgen(FILE, ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(message);
    }
    expect((await adgen("no/such/file.ts")).code).toBe(2);
  });

  it("draws the first function unless --function picks another, and says so", async () => {
    const first = await adgen("examples/gmm/gmm.ts", "--format", "dot");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('digraph "logGamma"');
    expect(first.stderr).toBe(
      "adgen graph: drawing 'logGamma', the first of 3 functions (logGamma, wishartConstant, gmmObjective); --function picks another\n",
    );
    const picked = await adgen("examples/gmm/gmm.ts", "--format", "dot", "--function", "wishartConstant");
    expect(picked.stdout).toContain('digraph "wishartConstant"');
    expect(picked.stderr).toBe("");
  });

  it("reports diagnostics with exit 1", async () => {
    const r = await adgen("fixtures/_error_/math-random/input.ts");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("ADG3003");
    expect(r.stderr).toContain("nothing was drawn");
  });

  it("says when it draws a summary", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `  y = y * x + ${i + 1};`);
    const source = `export function f(x: number): number {\n  let y = x;\n${lines.join("\n")}\n  return y;\n}\n`;
    let stdout = "";
    let stderr = "";
    const code = await run(["graph", "-", "--format", "dot"], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      stdin: async () => source,
    });
    expect(code).toBe(0);
    expect(stderr).toContain("more than 300 nodes; drawing a summary");
    expect(stdout).toContain("a summary: one box per part");
  });
});
