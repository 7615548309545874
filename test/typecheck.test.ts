/** Generated code (and the fixtures' inputs) pass `tsc --strict --noEmit`. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { root } from "./support/fixtures.js";

it("every fixture's generated output type-checks with tsc --strict", async () => {
  const tsc = join(root, "node_modules", ".bin", "tsc");
  const result = await promisify(execFile)(
    tsc,
    ["-p", join(root, "fixtures", "tsconfig.json"), "--strict", "--noEmit"],
    { cwd: root },
  ).then(
    () => ({ ok: true, output: "" }),
    (e: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` }),
  );
  expect(result.output).toBe("");
  expect(result.ok).toBe(true);
});
