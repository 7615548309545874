// Times adgen's compile() in a fresh process: `node bench/compile-child.mjs <file> <sync|format> [runs]`.
// Prints one JSON line: the first (cold) call, any further (warm) calls, and peak memory.
// Plain JavaScript, run by node itself, so that nothing but adgen is loaded in the process.
import { readFileSync } from "node:fs";
import { compile, compileSync } from "adgen";

const [file, mode = "sync", runs = "1"] = process.argv.slice(2);
const source = readFileSync(file, "utf8");
const baselineRssMB = process.memoryUsage().rss / 2 ** 20;
const ms = [];
let length = 0;
for (let i = 0; i < Number(runs); i++) {
  const t0 = performance.now();
  const result =
    mode === "format" ? await compile(source, { fileName: file }) : compileSync(source, { fileName: file });
  ms.push(performance.now() - t0);
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics[0].message);
  length = result.code.length;
}
const maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ ms, maxRssMB, baselineRssMB, length })}\n`);
