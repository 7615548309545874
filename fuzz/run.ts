/**
 * `npm run fuzz -- --count N --seed S [--smoke] [--only I] [--shrink-per-kind K] [--shrink-ms MS]`
 *
 * Runs the differential fuzzer (docs/FUZZING.md) and prints a summary, then each kind of failure
 * with its minimal programs. `--only I` checks program I of the seed alone and prints it.
 * Exits with 1 when any program fails.
 */
import { Command, InvalidArgumentError } from "commander";
import { printProgram } from "./ast.js";
import { check } from "./check.js";
import { formatReport, fuzz } from "./fuzz.js";
import { generate, programSeed } from "./generate.js";
import { shrink } from "./shrink.js";

const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
};

const cli = new Command("fuzz")
  .description("differential fuzzer: random programs, adgen's gradients against finite differences")
  .option("--count <n>", "how many programs", integer)
  .option("--seed <s>", "the seed (the same seed gives the same programs)", integer, 1)
  .option("--smoke", "the CI run: 300 programs, one shrunk example per failure kind, 10 s of shrinking each")
  .option("--only <i>", "check program i of the seed alone, print it and its outcome (shrunk if it fails)", integer)
  .option("--shrink-per-kind <k>", "failing programs to shrink per kind of failure", integer)
  .option("--shrink-ms <ms>", "time limit for shrinking one program", integer)
  .parse();

const o = cli.opts<{
  count?: number;
  seed: number;
  smoke?: boolean;
  only?: number;
  shrinkPerKind?: number;
  shrinkMs?: number;
}>();

if (o.only !== undefined) {
  const program = generate(o.seed, o.only);
  const seed = programSeed(o.seed, o.only);
  console.log(printProgram(program));
  const outcome = await check(program, seed);
  console.log(JSON.stringify(outcome));
  if (outcome.status === "fail") {
    const s = await shrink(program, seed, outcome, o.shrinkMs ?? 60_000);
    console.log(`\nshrunk in ${s.tries} tries: ${s.outcome.detail}\n${printProgram(s.program)}`);
  }
  process.exit(outcome.status === "fail" ? 1 : 0);
}

const report = await fuzz({
  count: o.count ?? (o.smoke ? 300 : 1000),
  seed: o.seed,
  shrinkPerKind: o.shrinkPerKind ?? (o.smoke ? 1 : 3),
  shrinkMs: o.shrinkMs ?? (o.smoke ? 10_000 : 60_000),
  progress: process.stderr.isTTY
    ? (done, failures) => {
        if (done % 100 === 0) process.stderr.write(`\r${done} programs, ${failures} failures`);
      }
    : undefined,
});
if (process.stderr.isTTY) process.stderr.write("\r");
console.log(formatReport(report));
process.exit(report.failed > 0 ? 1 : 0);
