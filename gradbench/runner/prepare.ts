/**
 * Prepares the eval side from a GradBench checkout, as its setup.sh does: a writable copy in a
 * cache folder, nlohmann's json.hpp (Debian's nlohmann-json3-dev) for the C++ tools, the `manual`
 * tool built; and, for the TensorFlow.js tool, node_modules that resolve its imports to this
 * repository's @tensorflow/tfjs-core and CPU backend. The copy is reused while the checkout, the
 * repository and this preparation are unchanged.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { NOT_RUNNABLE } from "./evals.js";

/** Bump when the preparation changes, so older copies are rebuilt. */
const PREPARATION = 1;
const STAMP = ".adgen-prepared.json";
const JSON_HPP = "/usr/include/nlohmann/json.hpp";

export class PrepareError extends Error {}

/** The default cache folder: one per checkout and repository, in the temp dir. */
export function defaultCache(checkout: string, repo: string): string {
  const h = createHash("sha256")
    .update(`${resolve(checkout)}\0${resolve(repo)}`)
    .digest("hex")
    .slice(0, 10);
  return join(tmpdir(), `adgen-gradbench-${h}`);
}

function* files(dir: string, root = dir): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name === ".git" || entry.name === "node_modules") continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p, root);
    else yield relative(root, p);
  }
}

/** Every file's path, size and modification time: a copy made from the same fingerprint is up to date. */
export function fingerprint(checkout: string, repo: string): string {
  const h = createHash("sha256").update(
    `${PREPARATION}\0${resolve(checkout)}\0${resolve(repo)}\0`,
  );
  for (const f of files(checkout)) {
    const s = statSync(join(checkout, f));
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
  }
  return h.digest("hex");
}

function makeWritable(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    chmodSync(p, statSync(p).mode | 0o200 | (entry.isDirectory() ? 0o700 : 0));
    if (entry.isDirectory()) makeWritable(p);
  }
}

/** json.hpp from Debian's nlohmann-json3-dev, installed with apt-get when missing (as setup.sh does). */
function jsonHpp(log: (s: string) => void): string {
  if (existsSync(JSON_HPP)) return JSON_HPP;
  log("gradbench: installing Debian's nlohmann-json3-dev for json.hpp");
  const apt = (...args: string[]) =>
    spawnSync("apt-get", args, { stdio: "ignore" }).status === 0;
  const ok =
    apt("install", "-y", "nlohmann-json3-dev") ||
    (apt("update") && apt("install", "-y", "nlohmann-json3-dev"));
  if (!ok || !existsSync(JSON_HPP))
    throw new PrepareError(
      `${JSON_HPP} is missing and apt-get could not install nlohmann-json3-dev: install it`,
    );
  return JSON_HPP;
}

/** node_modules for js/tensorflow: @gradbench/common, and @tensorflow/tfjs as tfjs-core with the CPU backend. */
function tfjsModules(copy: string, repo: string): void {
  const nm = join(copy, "node_modules");
  rmSync(nm, { recursive: true, force: true });
  mkdirSync(join(nm, "@gradbench"), { recursive: true });
  mkdirSync(join(nm, "@tensorflow/tfjs"), { recursive: true });
  symlinkSync(join(copy, "js/common"), join(nm, "@gradbench/common"), "dir");
  for (const pkg of ["tfjs-core", "tfjs-backend-cpu"]) {
    const target = join(repo, "node_modules/@tensorflow", pkg);
    if (!existsSync(target))
      throw new PrepareError(
        `${target} is missing: run npm ci in the repository`,
      );
    symlinkSync(target, join(nm, "@tensorflow", pkg), "dir");
  }
  const tfjs = join(nm, "@tensorflow/tfjs");
  const hooks = pathToFileURL(join(repo, "bench/peers/tfjs-hooks.mjs")).href;
  writeFileSync(
    join(tfjs, "package.json"),
    JSON.stringify({
      name: "@tensorflow/tfjs",
      type: "module",
      main: "index.js",
    }),
  );
  writeFileSync(
    join(tfjs, "index.js"),
    [
      "// What GradBench's TensorFlow.js tool needs of @tensorflow/tfjs, written by adgen's gradbench runner:",
      "// tfjs-core with the CPU backend, and the gradients and chained-op methods (x.max()) that",
      "// @tensorflow/tfjs registers from tfjs-core's ES modules, which Node loads with adgen's bench hooks.",
      'import { register } from "node:module";',
      'import "@tensorflow/tfjs-backend-cpu";',
      'export * from "@tensorflow/tfjs-core";',
      `register(${JSON.stringify(hooks)});`,
      'await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");',
      'await import("@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js");',
      "",
    ].join("\n"),
  );
}

function checkCheckout(checkout: string): void {
  for (const p of [
    "python/gradbench/gradbench/evals",
    "tools/manual/Makefile",
    "cpp",
  ])
    if (!existsSync(join(checkout, p)))
      throw new PrepareError(
        `${checkout} does not look like a GradBench checkout (no ${p})`,
      );
}

/** Returns the prepared copy, making it when it is missing or out of date. */
export function prepare(
  checkout: string,
  repo: string,
  cache: string,
  log: (s: string) => void,
): string {
  if (!existsSync(checkout))
    throw new PrepareError(`no GradBench checkout at ${checkout}`);
  checkCheckout(checkout);
  const print = fingerprint(checkout, repo);
  const stampFile = join(cache, STAMP);
  if (existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as {
      fingerprint?: string;
    };
    if (stamp.fingerprint === print) {
      tfjsModules(cache, repo); // cheap, and follows the repository's packages
      return cache;
    }
  }
  log(
    `gradbench: preparing ${checkout} in ${cache} (copy, json.hpp, the manual tool's build: about a minute)`,
  );
  if (existsSync(cache) && !lstatSync(cache).isDirectory())
    throw new PrepareError(`${cache} is not a folder`);
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  cpSync(checkout, cache, {
    recursive: true,
    filter: (src) => !/[/\\](\.git|node_modules)$/.test(src),
  });
  makeWritable(cache);
  cpSync(jsonHpp(log), join(cache, "cpp/json.hpp"));
  // The binaries the evals validate against (the manual tool's define rebuilds its own anyway).
  const targets = readFileSync(join(cache, "tools/manual/evals.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((e) => e && !(e in NOT_RUNNABLE))
    .map((e) => `bin/${e}`);
  const build = spawnSync(
    "make",
    ["-C", join(cache, "tools/manual"), "-j2", ...targets],
    { encoding: "utf8" },
  );
  writeFileSync(
    join(cache, "manual-build.log"),
    `${build.stdout ?? ""}${build.stderr ?? ""}`,
  );
  if (build.status !== 0)
    throw new PrepareError(
      `building the manual tool failed:\n${(build.stderr || build.stdout || "").slice(-2000)}`,
    );
  tfjsModules(cache, repo);
  try {
    execFileSync("python3", ["-c", "import numpy, pydantic"], {
      stdio: "ignore",
    });
  } catch {
    log(
      "gradbench: warning: the evals need python3 with numpy and pydantic (and scipy for gmm)",
    );
  }
  writeFileSync(
    stampFile,
    JSON.stringify({
      fingerprint: print,
      checkout: resolve(checkout),
      date: new Date().toISOString(),
    }),
  );
  return cache;
}
