// Starts adgen's GradBench tool (`npm run --silent gradbench-tool`): runs main.ts bundled into one
// plain JavaScript file by esbuild, so that the tool starts as fast as Node does (tsx would compile
// every module at each start). The bundle, .build/tool.mjs, is rebuilt when it is missing or older
// than any file it was built from (esbuild's list of its inputs, kept beside it). Nothing here writes
// to stdout: it belongs to the protocol.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(here, ".build", "tool.mjs");
const inputsFile = join(here, ".build", "inputs.json");

function stale() {
  try {
    const built = statSync(out).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
    return inputs.some(
      (f) =>
        !existsSync(join(root, f)) || statSync(join(root, f)).mtimeMs > built,
    );
  } catch {
    return true; // no bundle yet, or no list of its inputs
  }
}

/** Writes under a temporary name and renames: a tool starting meanwhile reads whole files. */
function write(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

if (stale()) {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(here, "main.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    tsconfig: join(here, "tsconfig.json"),
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  mkdirSync(dirname(out), { recursive: true });
  write(out, result.outputFiles[0].contents);
  write(
    inputsFile,
    JSON.stringify([
      ...Object.keys(result.metafile.inputs),
      "gradbench/tool/start.mjs",
    ]),
  );
}
await import(pathToFileURL(out).href);
