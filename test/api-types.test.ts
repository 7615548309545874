/**
 * The public types as a user's code meets them: test/types/grad-usage.ts and forward-usage.ts
 * (small programs using `grad` and `vjp`, `jvp`, `hvp`, `hessian`, `hessianDiag` and `jacobian`,
 * with `@ts-expect-error` where they must not compile) pass tsc --strict with
 * noUncheckedIndexedAccess.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { root } from "./support/fixtures.js";

it("grad(), vjp(), jvp(), hvp(), ... results have each parameter's own gradient type, and only the parameters'", async () => {
  const tsc = join(root, "node_modules", ".bin", "tsc");
  const output = await promisify(execFile)(tsc, ["-p", join(root, "test", "types", "tsconfig.json")], {
    cwd: root,
  }).then(
    () => "",
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`,
  );
  expect(output).toBe("");
});
