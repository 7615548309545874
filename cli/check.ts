/**
 * `adgen check file.ts`: compiles the file (or takes a generated file with --companion), runs
 * every companion against finite differences of the file's own functions at seeded random or
 * given points, and prints a table per function (src/check). Exit codes: 0 every check passed
 * (points next to a kink are skipped, not failed), 1 a mismatch, a function that could not be
 * checked, or diagnostics; 2 usage errors.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import type { CheckOptions, CheckReport, GeneratedFunction } from "../src/index.js";
import { draw } from "../src/check/random.js";
import type { CliIO } from "./run.js";
import { outputName, shown } from "./files.js";
import { colors, humanDiagnostic } from "./report.js";
import { fits, parseLengths, parsePoint, type Template } from "./check-args.js";
import { hessianAsVjp } from "./check-hessian.js";
import {
  asInstance,
  classParams,
  recordAsType,
  sampledLeaves,
  sampleRecord,
  userParams,
  type UserParam,
} from "./check-records.js";

type Fn = (...args: unknown[]) => unknown;

interface Options {
  companion?: string;
  function?: string[];
  wrt?: string;
  mode?: string;
  at?: string[];
  points?: string;
  seed: string;
  length: string;
  range: string;
  tolerance: string;
  step: string;
  color?: boolean;
}

const HELP_AFTER = `
Each companion (f_grad, f_vjp) is run against central finite differences of f, Richardson-
extrapolated, at seeded random points or the points given with --at. A gradient is compared
entry by entry (arrays above 16 elements along a random direction); a vjp by the dot-product
test u·J·v. Points next to a kink or a jump (a branch boundary) are skipped and said so.

Examples:
  adgen check model.ts                          5 random points per function (seed 1)
  adgen check model.ts --points 20 --seed 7
  adgen check model.ts --at w0=2,x0=-1,w1=-3,x1=-2,w2=-3
  adgen check model.ts --at 'a=[1,2,3],n=3'     arrays (and records) as JSON; parameters not given are random
  adgen check model.ts --length 8               random arrays of 8 elements (or --length a=8,b=2)
  adgen check model.ts --companion model.grad.ts   check a committed generated file against its source

Exit codes: 0 all ok, 1 a mismatch (or a function that could not be checked, or diagnostics), 2 usage error.
`;

/** `adgen check ...` (argv after `check`); resolves to the exit code. */
export async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const program = new Command("adgen check")
    .description("Check the generated gradients of a TypeScript file against finite differences.")
    .argument("<file>", "the TypeScript or JavaScript file whose functions to check")
    .option("--companion <file>", "check this generated file (e.g. the committed model.grad.ts) instead of compiling")
    .option("--function <names...>", "check only these functions (comma-separated or repeated)")
    .option("--wrt <params>", "differentiate only these parameters (comma-separated), as adgen --wrt")
    .option(
      "--mode <list>",
      "the companions to check: some of grad, jvp, hessian (f_hessian against differences of f_grad) (default: grad), as adgen --mode",
    )
    .option(
      "--at <point>",
      "check at this point: name=value,... (arrays and records as JSON); repeat for more points",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--points <n>", "random points per function (default 5; with --at naming every parameter, 0)")
    .option("--seed <n>", "seed of the random points", "1")
    .option("--length <n>", "length of random arrays: n, or name=n,... (default 3)", "3")
    .option("--range <lo,hi>", "where random numbers are drawn", "-2,2")
    .option("--tolerance <x>", "relative tolerance", "1e-6")
    .option("--step <h>", "outer step of the finite differences, relative", "1e-3")
    .option("--color", "colour the verdicts (default: when stderr is a terminal and NO_COLOR is unset)")
    .option("--no-color", "do not colour")
    .helpOption("-h, --help", "show this help")
    .addHelpText("after", HELP_AFTER)
    .showHelpAfterError("(run 'adgen check --help' for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: (t) => io.stderr(t.replace(/^error: /, "adgen check: ")) });
  try {
    program.parse(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const opts = program.opts<Options>();
  const paint = colors(opts.color ?? io.color ?? false);
  const usage = (message: string) => {
    io.stderr(`adgen check: ${message}\n`);
    return 2;
  };

  // Numbers and points.
  const whole = (text: string | undefined) =>
    text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
  const positive = (text: string) => (Number(text) > 0 && Number.isFinite(Number(text)) ? Number(text) : undefined);
  const points = whole(opts.points);
  const seed = whole(opts.seed);
  if (opts.points !== undefined && points === undefined)
    return usage(`--points must be a whole number, got '${opts.points}'`);
  if (seed === undefined) return usage(`--seed must be a whole number, got '${opts.seed}'`);
  const tolerance = positive(opts.tolerance);
  const step = positive(opts.step);
  if (tolerance === undefined) return usage(`--tolerance must be a positive number, got '${opts.tolerance}'`);
  if (step === undefined) return usage(`--step must be a positive number, got '${opts.step}'`);
  const range = opts.range.split(",").map((s) => Number(s.trim()));
  if (range.length !== 2 || !range.every(Number.isFinite) || !(range[0]! < range[1]!))
    return usage(`--range takes lo,hi with lo < hi, got '${opts.range}'`);
  const lengths = parseLengths(opts.length);
  if (typeof lengths === "string") return usage(lengths);
  const templates: Template[] = [];
  for (const text of opts.at ?? []) {
    const t = parsePoint(text);
    if (typeof t === "string") return usage(`--at '${text}': ${t}`);
    templates.push(t);
  }

  // Compile.
  const file = resolve(cwd, program.args[0]!);
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return usage(`cannot read '${shown(file, cwd)}': ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const functions = opts.function?.flatMap((f) => f.split(",").map((s) => s.trim())).filter(Boolean);
  const wrt = opts.wrt
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const modes = (opts.mode ?? "grad")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknownMode = modes.find((m) => m !== "grad" && m !== "jvp" && m !== "hessian");
  if (unknownMode !== undefined || modes.length === 0)
    return usage(`--mode takes some of grad, jvp, hessian, got '${opts.mode}'`);
  const { compileSync, checkGrad, formatReport } = await import("../src/index.js");
  const { loadModule } = await import("./load.js");
  const result = compileSync(source, {
    fileName: shown(file, cwd),
    language: "js",
    ...(functions ? { functions } : {}),
    ...(wrt ? { wrt } : {}),
    modes: modes as ("grad" | "jvp" | "hessian")[],
  });
  if (result.diagnostics.length > 0) {
    io.stderr(result.diagnostics.map((d) => humanDiagnostic(d, paint)).join("\n"));
    const n = result.diagnostics.length;
    io.stderr(`adgen check: ${n} error${n === 1 ? "" : "s"}; nothing was checked.\n`);
    return 1;
  }
  const companions = result.functions.filter(
    (f) => f.kind === "grad" || f.kind === "vjp" || f.kind === "jvp" || f.kind === "hessian",
  );
  const entryName = (c: GeneratedFunction) => c.name.replace(/_(grad|vjp|jvp|hessian)$/, "");
  // f_vjp takes the upstream gradient last, f_jvp the tangents; a record's leaves are one parameter.
  const paramsOf = (c: GeneratedFunction) =>
    userParams(c.kind === "grad" || c.kind === "hessian" ? c.params : c.params.slice(0, -1));
  for (const t of templates) {
    const names = Object.keys(t);
    if (!companions.some((c) => names.every((n) => paramsOf(c).some((p) => p.name === n))))
      return usage(
        `--at names ${names.map((n) => `'${n}'`).join(", ")}, which are not all parameters of one function (${companions
          .map(
            (c) =>
              `${entryName(c)}(${paramsOf(c)
                .map((p) => p.name)
                .join(", ")})`,
          )
          .join(", ")})`,
      );
    for (const c of companions)
      for (const p of paramsOf(c))
        if (p.name in t && names.every((n) => paramsOf(c).some((q) => q.name === n)) && !fits(t[p.name], p.type))
          return usage(
            `--at gives ${p.name}=${JSON.stringify(t[p.name])}, but ${entryName(c)}'s '${p.name}' is ${p.type === "number" ? "a number" : p.type}`,
          );
  }
  for (const name of Object.keys(lengths.named))
    if (!companions.some((c) => paramsOf(c).some((p) => p.name === name && p.type !== "number")))
      return usage(`--length names '${name}', which is no array parameter of the functions checked`);

  // Parameters declared with a class of the file: their values are made instances of it.
  const instances = new Map(companions.map((c) => [c.name, classParams(source, entryName(c))]));
  const classNames = [...new Set([...instances.values()].flatMap((m) => [...m.values()].map((v) => v.cls)))];

  // Run the file and the companions.
  const companionFile = opts.companion ? resolve(cwd, opts.companion) : join(dirname(file), outputName(file, "js"));
  let user: ReturnType<typeof loadModule>;
  let generated: ReturnType<typeof loadModule>;
  try {
    user = loadModule(file, { names: [...companions.map(entryName), ...classNames] });
  } catch (e) {
    io.stderr(`adgen check: running ${shown(file, cwd)} failed: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    if (opts.companion) await readFile(companionFile, "utf8");
    generated = loadModule(companionFile, opts.companion ? {} : { text: result.code });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return usage(`cannot read '${shown(companionFile, cwd)}': no such file`);
    io.stderr(`adgen check: running ${shown(companionFile, cwd)} failed: ${(e as Error).message}\n`);
    return 1;
  }

  const reports: CheckReport[] = [];
  const failed: string[] = [];
  for (const c of companions) {
    const fname = entryName(c);
    const f = user.exports[fname] ?? user.locals[fname];
    const companion = generated.exports[c.name];
    if (typeof f !== "function") {
      io.stderr(`adgen check: cannot find function '${fname}' in ${shown(file, cwd)} when it runs\n`);
      failed.push(c.name);
      continue;
    }
    if (typeof companion !== "function") {
      io.stdout(
        `${c.name}: ${shown(companionFile, cwd)} has no function ${c.name} (generate it again: adgen ${shown(file, cwd)} -o ${shown(companionFile, cwd)})\n\n`,
      );
      failed.push(c.name);
      continue;
    }
    const params = paramsOf(c);
    const names = params.map((p) => p.name);
    const classed = instances.get(c.name)!;
    const given = (value: unknown, p: UserParam): unknown => {
      const v = p.leaves ? recordAsType(value, p.leaves, asType) : asType(value, p.type);
      const k = classed.get(p.name);
      return k ? asInstance(v, user.exports[k.cls] ?? user.locals[k.cls], k.array) : v;
    };
    const applying = templates.filter((t) => Object.keys(t).every((n) => names.includes(n)));
    const full = applying.filter((t) => names.every((n) => n in t));
    const partial = applying.filter((t) => !names.every((n) => n in t));
    const options: CheckOptions = {
      // A Hessian is checked as the Jacobian of the gradient (cli/check-hessian.ts).
      kind: c.kind === "hessian" ? "vjp" : (c.kind as "grad" | "vjp" | "jvp"),
      params: names,
      seed,
      tolerance,
      step,
      throwOnMismatch: false,
      at: full.map((t) => params.map((p) => given(t[p.name], p))),
      points:
        (points ?? (full.length > 0 && partial.length === 0 && templates.length > 0 ? 0 : 5)) *
        Math.max(1, partial.length),
      sample: (random, i) => {
        const t = partial.length > 0 ? partial[i % partial.length]! : {};
        return params.map((p) =>
          p.name in t
            ? given(t[p.name], p)
            : p.leaves
              ? given(
                  sampleRecord(p.leaves, lengths.named[p.name] ?? lengths.all, (type) =>
                    randomParam(type, lengths.named[p.name] ?? lengths.all, random, range as [number, number]),
                  ),
                  p,
                )
              : randomParam(p.type, lengths.named[p.name] ?? lengths.all, random, range as [number, number]),
        );
      },
    };
    const unsampled = params.filter((p) => (p.leaves ? !sampledLeaves(p, isSampled) : !isSampled(p.type)));
    if (
      unsampled.length > 0 &&
      (partial.length > 0 || options.points! > 0) &&
      !partial.every((t) => unsampled.every((p) => p.name in t))
    ) {
      io.stderr(
        `adgen check: ${fname}: cannot draw random values for ${unsampled.map((p) => `'${p.name}' (${p.type})`).join(", ")}: give them with --at\n`,
      );
      failed.push(c.name);
      continue;
    }
    const checked =
      c.kind === "hessian"
        ? hessianAsVjp(generated.exports[`${fname}_grad`] as Fn, companion as Fn, fname)
        : { f: f as Fn, companion: companion as Fn };
    let report: CheckReport;
    try {
      report = checkGrad(
        checked.f as (...a: never[]) => unknown,
        checked.companion as (...a: never[]) => unknown,
        options,
      );
    } catch (e) {
      io.stderr(`adgen check: ${c.name}: ${(e as Error).message}\n`);
      failed.push(c.name);
      continue;
    }
    reports.push(report);
    if (!report.ok) failed.push(c.name);
    io.stdout(`${paintVerdicts(formatReport(report), paint)}\n`);
  }

  const n = companions.length;
  if (failed.length > 0) {
    io.stderr(`adgen check: ${failed.length} of ${n} function${n === 1 ? "" : "s"} failed: ${failed.join(", ")}\n`);
    return 1;
  }
  const skipped = reports.reduce((s, r) => s + r.counts.skipped, 0);
  io.stderr(
    `adgen check: ${n} function${n === 1 ? "" : "s"} ok${skipped > 0 ? ` (${skipped} comparison${skipped === 1 ? "" : "s"} skipped, as the tables say)` : ""}.\n`,
  );
  return 0;
}

/** What `--at` gave (JSON) as a value of the parameter's type: a Float64Array for a Float64Array. */
function asType(value: unknown, type: string): unknown {
  if (type === "Float64Array" && Array.isArray(value)) return Float64Array.from(value as number[]);
  if (type === "Float64Array[]" && Array.isArray(value)) return value.map((row) => asType(row, "Float64Array"));
  return value;
}

function isSampled(type: string): boolean {
  return ["number", "boolean", "number[]", "Float64Array", "number[][]", "Float64Array[]"].includes(type);
}

function randomParam(type: string, length: number, random: () => number, range: [number, number]): unknown {
  if (type === "boolean") return random() < 0.5;
  if (type === "number") return draw(random, range);
  // An array of arrays: `length` rows of `length` elements.
  if (type.endsWith("[]") && type !== "number[]")
    return Array.from({ length }, () => randomParam(type.slice(0, -2), length, random, range));
  const values = Array.from({ length }, () => draw(random, range));
  return type === "Float64Array" ? Float64Array.from(values) : values;
}

function paintVerdicts(text: string, paint: ReturnType<typeof colors>): string {
  return text
    .replace(/\bMISMATCH(ES)?\b/g, (m) => paint.red(m))
    .replace(/\bskipped \(/g, (m) => paint.yellow(m.slice(0, -2)) + " (")
    .replace(/\bNOT CHECKED\b/g, (m) => paint.red(m));
}
