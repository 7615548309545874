/**
 * Splitting large functions (src/simplify/split.ts): a function too large for V8 to optimise is
 * cut into parts that pass numbers through a scratch array. The split gradient must equal the
 * unsplit one exactly (the same operations in the same order), every part must stay under the
 * size limit, and V8 must optimise every function of a split module.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { generateProgram } from "../bench/generate.js";
import { compileSync, type CompileOptions } from "../src/index.js";
import { codeSize, PART_SIZE, SPLIT_ABOVE } from "../src/simplify/split.js";
import { root } from "./support/fixtures.js";

const out = join(root, "test", ".generated", "split");
mkdirSync(out, { recursive: true });
let written = 0;
/** Writes `code` as a module where `adgen/gates` resolves, and imports it. */
async function importCode<T>(code: string): Promise<T> {
  const file = join(out, `module${written++}.mjs`);
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)) as T;
}

type Grad = (...args: unknown[]) => { value: number; grad: Record<string, number | number[]> };

async function load(source: string, name: string, options: CompileOptions): Promise<{ code: string; grad: Grad }> {
  const { code, diagnostics } = compileSync(source, { language: "js", ...options });
  expect(diagnostics).toEqual([]);
  const mod = await importCode<Record<string, Grad>>(code);
  return { code, grad: mod[`${name}_grad`]! };
}

/** The generated functions' names and bodies, split at each top-level `function`. */
function functionsOf(code: string): { name: string; body: string }[] {
  return [...code.matchAll(/^(?:export )?function (\w+)\(.*\) \{\n([\s\S]*?)^\}$/gm)].map((m) => ({
    name: m[1]!,
    body: m[2]!,
  }));
}

const SMALL = { above: 400, part: 150 };

describe("splitting large functions", () => {
  const program = generateProgram({ ops: 400, seed: 11, name: "big" });
  const point = program.params.map((_, i) => 0.55 + ((i * 37) % 90) / 100);

  it("leaves a function under the threshold alone", async () => {
    const { code } = await load(program.source, "big", {});
    expect(functionsOf(code).map((f) => f.name)).toEqual(["big_grad"]);
    expect(code).not.toContain("scratch");
  });

  it("gives exactly the unsplit gradient, from parts under the size limit", async () => {
    const whole = await load(program.source, "big", { split: false });
    const split = await load(program.source, "big", { split: SMALL });
    const fns = functionsOf(split.code);
    expect(fns.filter((f) => f.name.startsWith("big_grad_part")).length).toBeGreaterThan(5);
    expect(split.code).toMatch(/^const big_grad_scratch = new Float64Array\(\d+\);$/m);
    // The number parameters reach the parts through the scratch array, stored once: no part takes
    // arguments (passed to every part, they made the caller too large to optimise at 100,000 operations).
    const parts = fns.filter((f) => f.name.startsWith("big_grad_part"));
    expect(split.code.match(/^function big_grad_part\d+\(\)/gm)?.length).toBe(parts.length);
    expect(split.code).toContain(`big_grad_scratch[0] = ${program.params[0]};`);
    expect(split.grad(...point)).toEqual(whole.grad(...point));
    // The same program compiles to the same text.
    expect(compileSync(program.source, { language: "js", split: SMALL }).code).toBe(split.code);
  });

  it("agrees with finite differences", async () => {
    const { grad } = await load(program.source, "big", { split: SMALL });
    const f = await importCode<Record<string, (...a: number[]) => number>>(program.js);
    const r = grad(...point);
    expect(r.value).toBe(f.big!(...point));
    for (const i of [0, 3, program.params.length - 1]) {
      const h = 1e-6;
      const up = point.map((x, j) => (j === i ? x + h : x));
      const down = point.map((x, j) => (j === i ? x - h : x));
      const fd = (f.big!(...up) - f.big!(...down)) / (2 * h);
      const g = r.grad[program.params[i]!] as number;
      expect(Math.abs(g - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
    }
  });

  it("splits forward mode and Hessian-vector products the same way", async () => {
    const small = generateProgram({ ops: 150, seed: 3, name: "fwd" });
    const at = small.params.map((_, i) => 0.6 + ((i * 29) % 80) / 100);
    const tangents = Object.fromEntries(small.params.map((p, i) => [p, (i % 3) - 1]));
    const companions = async (split: CompileOptions["split"]) => {
      const { code, diagnostics } = compileSync(small.source, { language: "js", modes: ["jvp", "hvp"], split });
      expect(diagnostics).toEqual([]);
      return { code, mod: await importCode<Record<string, (...a: unknown[]) => unknown>>(code) };
    };
    const whole = await companions(false);
    const split = await companions({ above: 150, part: 100 });
    const names = functionsOf(split.code).map((f) => f.name);
    expect(names).toContain("fwd_jvp_part1");
    expect(names).toContain("fwd_hvp_part1");
    expect(split.mod.fwd_jvp!(...at, tangents)).toEqual(whole.mod.fwd_jvp!(...at, tangents));
    expect(split.mod.fwd_hvp!(...at, tangents)).toEqual(whole.mod.fwd_hvp!(...at, tangents));
  });

  it("keeps loops, branches, lets and array reads in the function, passing values across parts", async () => {
    // Long straight-line code on both sides of a loop and a branch that read values of the parts
    // and are read by them, an accumulated `let`, and reads of an array parameter.
    const line = (i: number) =>
      `  const u${i} = Math.sin(u${i - 1} * 0.5) + a[${i % 4}]! * x - Math.cos(y * u${Math.max(0, i - 3)});`;
    const source = [
      "export function mixed(x: number, y: number, a: number[]): number {",
      "  const u0 = x * y;",
      ...Array.from({ length: 40 }, (_, i) => line(i + 1)),
      "  let acc = 0;",
      "  for (let i = 0; i < a.length; i++) acc += a[i]! * u40 + Math.tanh(acc * u17);",
      "  let b = acc;",
      "  if (u33 > 0.1) b = b * u21 + u40;",
      "  else b = b - u12;",
      "  const w0 = b * u2;",
      ...Array.from(
        { length: 40 },
        (_, i) => `  const w${i + 1} = Math.tanh(w${i} + u${40 - i} * b) * ${1 + (i % 3)};`,
      ),
      "  return w40 + acc * u1;",
      "}",
      "",
    ].join("\n");
    const args = [0.7, 1.3, [0.5, -0.25, 1.5, 0.75]] as const;
    const whole = await load(source, "mixed", { split: false });
    const split = await load(source, "mixed", { split: { above: 200, part: 120 } });
    expect(functionsOf(split.code).filter((f) => f.name.startsWith("mixed_grad_part")).length).toBeGreaterThan(3);
    const main = functionsOf(split.code).find((f) => f.name === "mixed_grad")!.body;
    expect(main).toMatch(/for \(let i = 0;/);
    expect(main).toMatch(/mixed_grad_scratch\[\d+\]/);
    expect(split.grad(...args)).toEqual(whole.grad(...args));
    // And at a point taking the other arm of the branch.
    const other = [0.1, 0.1, [0.1, 0.1, 0.1, 0.1]] as const;
    expect(split.grad(...other)).toEqual(whole.grad(...other));
  });

  it("emits TypeScript that type-checks under --strict", () => {
    const { code, diagnostics } = compileSync(program.source, { split: SMALL, format: false });
    expect(diagnostics).toEqual([]);
    expect(code).toMatch(/function big_grad_part1\(.*\): void \{/);
    expect(code).toMatch(/= big_grad_scratch\[\d+\]!;/);
  });

  it("splits at the default sizes into functions V8 optimises, none over its bytecode limit", () => {
    expect(PART_SIZE).toBeLessThan(SPLIT_ABOVE);
    const large = generateProgram({ ops: 1000, seed: 5, name: "large" });
    const { code } = compileSync(large.source, { language: "js" });
    const fns = functionsOf(code);
    expect(fns.length).toBeGreaterThan(2);
    // In a child process, every function is optimised by TurboFan, or the test fails.
    const script = [
      code.replace(/^export /gm, ""),
      `const fns = { ${fns.map((f) => f.name).join(", ")} };`,
      `const args = ${JSON.stringify(large.params.map((_, i) => 0.6 + (i % 9) / 10))};`,
      "for (const f of Object.values(fns)) %PrepareFunctionForOptimization(f);",
      "large_grad(...args); large_grad(...args);",
      "for (const f of Object.values(fns)) %OptimizeFunctionOnNextCall(f);",
      "large_grad(...args);",
      "const status = Object.entries(fns).map(([n, f]) => [n, (%GetOptimizationStatus(f) & 16) !== 0]);",
      "console.log(JSON.stringify({ status, bytes: Object.entries(fns).length }));",
    ].join("\n");
    const file = join(out, "optimised.mjs");
    writeFileSync(file, script);
    const printed = execFileSync(process.execPath, ["--allow-natives-syntax", "--no-concurrent-recompilation", file], {
      encoding: "utf8",
    });
    const { status } = JSON.parse(printed) as { status: [string, boolean][] };
    expect(status.filter(([, optimised]) => !optimised)).toEqual([]);
  }, 60_000);
});

describe("codeSize", () => {
  it("counts statements, operations and operands", () => {
    expect(
      codeSize([
        {
          kind: "const",
          name: "a",
          expr: {
            kind: "op",
            op: "mul",
            args: [
              { kind: "var", name: "x" },
              { kind: "const", value: 2 },
            ],
          },
        },
      ]),
    ).toBe(4);
  });
});
