/**
 * vitest globalSetup: builds dist/ (the package as published: the CLI and the modules) when it is
 * missing or older than src/ and cli/, so that the tests of the built CLI and of the package run
 * on a fresh clone (`npm ci` no longer builds: the build runs at `npm pack`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((t, d) => {
    const p = join(dir, d.name);
    return Math.max(t, d.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
}

export default function setup(): void {
  const stamp = join(root, "dist", "cli", "adgen.js");
  const sources = Math.max(
    newest(join(root, "src")),
    newest(join(root, "cli")),
    statSync(join(root, "package.json")).mtimeMs,
  );
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= sources) return;
  // A clean build: files of modules that no longer exist must not ship.
  rmSync(join(root, "dist"), { recursive: true, force: true });
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, "tsconfig.build.json")], {
    cwd: root,
    stdio: "inherit",
  });
}
