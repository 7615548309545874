/**
 * Generated forward-mode and second-order companions pass `tsc --strict` with
 * `noUncheckedIndexedAccess`, like the fixtures' `f_grad` snapshots (test/typecheck.test.ts): every
 * fixture of the suites whose companions call array gates, tangents and records is compiled with
 * `jvp`, `hvp` and `hessian` (`jvp` alone for a function returning an array) and checked at once.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { compile } from "../src/index.js";
import { passingFixtures, root } from "./support/fixtures.js";

const SUITES = ["forward", "second-order", "matrix", "gates", "nested", "records", "record-arrays", "tuples"];
const out = join(root, "test", ".generated", "typecheck-modes");

it("every generated f_jvp, f_hvp and f_hessian of the array, gate and record suites type-checks", async () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const fixtures = passingFixtures().filter((f) => SUITES.includes(f.name.split("/")[0]!));
  expect(fixtures.length).toBeGreaterThan(50);
  const failures: string[] = [];
  for (const fixture of fixtures) {
    const arrayResult = readFileSync(join(fixture.dir, "output.ts"), "utf8").includes("_vjp(");
    const result = await compile(readFileSync(join(fixture.dir, "input.ts"), "utf8"), {
      fileName: fixture.input,
      modes: arrayResult ? ["jvp"] : ["jvp", "hvp", "hessian"],
      ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
    });
    if (result.diagnostics.length > 0) failures.push(`${fixture.name}: ${result.diagnostics[0]!.message}`);
    else writeFileSync(join(out, `${fixture.name.replace("/", "--")}.ts`), result.code);
  }
  expect(failures).toEqual([]);
  const base = relative(out, join(root, "fixtures", "tsconfig.json")).replaceAll("\\", "/");
  writeFileSync(
    join(out, "tsconfig.json"),
    JSON.stringify({ extends: base, compilerOptions: { noUncheckedIndexedAccess: true }, include: ["*.ts"] }),
  );
  const bin = join(root, "node_modules", ".bin", "tsc");
  const output = await promisify(execFile)(bin, ["-p", join(out, "tsconfig.json"), "--noEmit"], { cwd: root }).then(
    () => "",
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}` || "tsc failed",
  );
  expect(output).toBe("");
}, 300_000);
