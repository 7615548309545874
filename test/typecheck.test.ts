/**
 * Generated code (and the fixtures' inputs) pass `tsc --strict --noEmit`; the generated code also
 * with `noUncheckedIndexedAccess`, which projects (this one included) turn on.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { root } from "./support/fixtures.js";

async function tsc(project: string): Promise<{ ok: boolean; output: string }> {
  const bin = join(root, "node_modules", ".bin", "tsc");
  return promisify(execFile)(bin, ["-p", join(root, "fixtures", project), "--strict", "--noEmit"], { cwd: root }).then(
    () => ({ ok: true, output: "" }),
    (e: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` }),
  );
}

it("every fixture's generated output type-checks with tsc --strict", async () => {
  const result = await tsc("tsconfig.json");
  expect(result.output).toBe("");
  expect(result.ok).toBe(true);
});

it("every fixture's generated output type-checks with noUncheckedIndexedAccess", async () => {
  const result = await tsc("tsconfig.outputs.json");
  expect(result.output).toBe("");
  expect(result.ok).toBe(true);
});
