/**
 * The repository's own checks: its type check passes, every file prettier cannot parse is in
 * .prettierignore (so `npm run format:check` can pass), and CI runs both.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import * as prettier from "prettier";
import { expect, it } from "vitest";
import { root } from "./support/fixtures.js";

it("npm run typecheck passes", async () => {
  const tsc = join(root, "node_modules", ".bin", "tsc");
  const output = await promisify(execFile)(tsc, ["-p", join(root, "tsconfig.json"), "--noEmit"], { cwd: root }).then(
    () => "",
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`,
  );
  expect(output).toBe("");
});

it("every error fixture's input that prettier cannot parse is in .prettierignore", async () => {
  const dir = join(root, "fixtures", "_error_");
  const ignorePath = join(root, ".prettierignore");
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, "input.ts");
    const info = await prettier.getFileInfo(file, { ignorePath });
    if (info.ignored) continue;
    const source = readFileSync(file, "utf8");
    await expect(prettier.format(source, { filepath: file }), `${name}/input.ts`).resolves.toBeTypeOf("string");
  }
});

it(".ci/run runs the type check and the format check", () => {
  const ci = readFileSync(join(root, ".ci", "run"), "utf8");
  expect(ci).toMatch(/^npm run typecheck$/m);
  expect(ci).toMatch(/^npm run format:check$/m);
});

it("nothing in the project reads ../shared (a fresh clone has nothing beside it)", () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js|mjs|json)$/.test(entry.name)) {
        const text = readFileSync(join(root, path), "utf8");
        if (/\.\.\/shared\/|["']\.\.["'],\s*["']shared["']/.test(text)) offenders.push(path);
      }
    }
  };
  for (const dir of ["src", "cli", "test", "examples", "bench"]) walk(dir);
  expect(offenders.filter((p) => p !== join("test", "project.test.ts"))).toEqual([]);
});
