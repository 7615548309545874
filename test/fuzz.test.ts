/**
 * The fuzzer's smoke run (docs/FUZZING.md): 300 random programs of the subset adgen accepts,
 * each compiled, run, and compared with the original (value exactly) and with finite differences
 * (gradient); f_jvp against the gradient, f_hvp against differences of f_grad (fuzz/modes.ts), and
 * grad of grad(f) and of jvp(f) against f_hvp (fuzz/nested.ts). Any failure fails the test and prints the minimal programs it shrank to.
 * Also: the generator's programs are valid TypeScript (tsc --strict), and the same seed gives the
 * same programs.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { invalidity, printProgram } from "../fuzz/ast.js";
import { formatReport, fuzz } from "../fuzz/fuzz.js";
import { generate } from "../fuzz/generate.js";
import { root } from "./support/fixtures.js";

it("smoke: 300 random programs, no wrong value, gradient, tangent, hvp or nested gradient, crash, hang or wrong refusal", async () => {
  const report = await fuzz({ count: 300, seed: 1, shrinkPerKind: 1, shrinkMs: 5_000 });
  expect(report.invalid, "the generator made programs outside the subset").toEqual([]);
  expect(report.failed, formatReport(report)).toBe(0);
}, 300_000);

it("generates the same programs from the same seed, valid by its own rules", () => {
  for (let i = 0; i < 50; i++) {
    const p = generate(42, i);
    expect(printProgram(generate(42, i))).toBe(printProgram(p));
    expect(invalidity(p), printProgram(p)).toBeUndefined();
  }
  expect(printProgram(generate(42, 0))).not.toBe(printProgram(generate(43, 0)));
});

it("generates programs that pass tsc --strict", async () => {
  const dir = mkdtempSync(join(tmpdir(), "adgen-fuzz-"));
  try {
    for (let i = 0; i < 400; i++) writeFileSync(join(dir, `p${i}.ts`), printProgram(generate(3, i)));
    const compilerOptions = {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "bundler",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      paths: { "adgen/gates": [join(root, "src", "gates", "index.ts")] },
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
    const tsc = join(root, "node_modules", ".bin", "tsc");
    const output = await promisify(execFile)(tsc, ["-p", join(dir, "tsconfig.json")], { cwd: dir }).then(
      () => "",
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
    expect(output).toBe("");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
