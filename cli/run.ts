/**
 * The `adgen` command: a shell over `compile`. Exit codes: 0 success, 1 diagnostics (or, with
 * --check, an out-of-date file), 2 usage errors. Diagnostics and the summary go to stderr; stdout
 * gets the generated code (one input, no -o) and nothing else.
 */
import { watch as watchFile } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { Command, CommanderError, Option } from "commander";
import type { Diagnostic } from "../src/diagnostics.js";
import { passes, passNames } from "../src/optimise/index.js";
import { version } from "../src/version.js";
import { MODES, type ModeName } from "../src/conventions.js";
import { colors, diagnosticsJson, docsUrl, humanDiagnostic } from "./report.js";
import { commonDir, expandGlob, isDirectory, isGenerated, isGlob, outputName, shown } from "./files.js";

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal that shows colour (default: no). */
  color?: boolean;
  /** The standard input, for `-` (default: none). */
  stdin?: () => Promise<string>;
  /** The working directory (default: process.cwd()). */
  cwd?: string;
  /** Ends --watch (default: never; Ctrl-C). */
  signal?: AbortSignal;
}

const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  color:
    process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0"
      ? true
      : !process.env.NO_COLOR && process.env.TERM !== "dumb" && process.stderr.isTTY === true,
  stdin: async () => {
    let text = "";
    for await (const chunk of process.stdin) text += String(chunk);
    return text;
  },
};

interface Options {
  out?: string;
  outDir?: string;
  wrt?: string;
  function?: string[];
  format?: boolean;
  emit: "code" | "graph";
  passes?: string;
  mode?: string;
  lang?: "ts" | "js";
  check?: boolean;
  watch?: boolean;
  diagnostics: "human" | "json";
  color?: boolean;
}

/** JavaScript file extensions: such an output (or, without -o, input) gets JavaScript. */
const JS_EXTENSIONS = new Set([".js", ".mjs", ".cjs"]);

/** One file to compile, and where its module goes (undefined: stdout). */
interface Job {
  /** Absolute path, or "-" for stdin. */
  input: string;
  output?: string;
  lang: "ts" | "js";
}

const HELP_AFTER = `
Examples:
  adgen model.ts                     print model.ts's gradient module
  adgen model.ts -o model.grad.ts    write it to a file (.js/.mjs: JavaScript)
  adgen "src/**/*.ts" --out-dir gen  every matching file, into gen/ as <name>.grad.ts
  adgen src/a.ts src/b.ts            several files: each beside its input, as <name>.grad.ts
  adgen model.ts --check             exit 1 if model.grad.ts is not what adgen generates (CI)
  adgen model.ts --wrt w,b --function loss
  cat model.ts | adgen -             read standard input
  adgen check model.ts               check the gradients against finite differences (adgen check --help)
  adgen graph model.ts --at x=1      draw model.ts's computational graph (see adgen graph --help)

Exit codes: 0 done, 1 diagnostics (or --check found a file out of date), 2 usage error.
Diagnostics: ${docsUrl("").replace(/#$/, "")}
`;

/** Runs adgen with `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: string[], io: CliIO = processIO): Promise<number> {
  if (argv[0] === "check") return (await import("./check.js")).runCheck(argv.slice(1), io);
  if (argv[0] === "graph") return (await import("./graph.js")).graph(argv.slice(1), io);
  const cwd = io.cwd ?? process.cwd();
  const program = new Command("adgen")
    .description("Generate flat reverse-mode gradient code for the numeric functions in TypeScript files.")
    .argument("<files...>", "TypeScript or JavaScript files or globs to differentiate; - reads standard input")
    .option("-o, --out <file>", "write the generated module to <file> (one input) instead of stdout")
    .option("--out-dir <dir>", "write each module into <dir> (created if missing) as <name>.grad.ts")
    .option("--wrt <params>", "differentiate only these parameters (comma-separated)")
    .option(
      "--function <names...>",
      "differentiate only these functions (comma-separated or repeated; default: the exported ones)",
    )
    .addOption(
      new Option(
        "--lang <lang>",
        "write TypeScript or JavaScript (default: js for a .js or .mjs output, or input without -o; else ts)",
      ).choices(["ts", "js"]),
    )
    .option("--check", "write nothing; exit 1 if a generated file is missing or out of date")
    .option("--watch", "compile again whenever an input changes")
    .addOption(
      new Option("--diagnostics <style>", "how to print diagnostics: human, or json (one array on stderr)")
        .choices(["human", "json"])
        .default("human"),
    )
    .option("--color", "colour diagnostics (default: when stderr is a terminal and NO_COLOR is unset)")
    .option("--no-color", "do not colour diagnostics")
    .option("--format", "format with prettier even above 1,000 lines")
    .option("--no-format", "do not format with prettier")
    .addOption(
      new Option("--emit <kind>", "what to print: the gradient code, or the SSA graph")
        .choices(["code", "graph"])
        .default("code"),
    )
    .option(
      "--mode <list>",
      "the companions to generate, a list of: grad (reverse mode: f_grad, or f_vjp for an array result), jvp (forward mode: f_jvp), hvp (Hessian-vector products: f_hvp), hessian (f_hessian), hessian_diag (f_hessian_diag), jacobian (f_jacobian) (default: grad)",
    )
    .option(
      "--passes <list>",
      `the optimisation passes to run, in order: none, or a list of ${passNames.join(", ")} (default: the pipeline's, ${passes.map((p) => p.name).join(", ")}); with --emit graph, shows what each does`,
    )
    .version(version, "-V, --version")
    .helpOption("-h, --help", "show this help")
    .addHelpText("after", HELP_AFTER)
    .showHelpAfterError("(run 'adgen --help' for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: (t) => io.stderr(t.replace(/^error: /, "adgen: ")),
    });

  try {
    program.parse(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const opts = program.opts<Options>();
  const paint = colors(opts.color ?? io.color ?? false);
  const usage = (message: string) => {
    io.stderr(`adgen: ${message}\n`);
    return 2;
  };

  // The inputs: paths as given, globs expanded (adgen's own outputs are never inputs).
  const inputs: string[] = [];
  for (const arg of program.args) {
    if (arg === "-") inputs.push("-");
    else if (isGlob(arg)) {
      const found = expandGlob(arg, cwd).filter((f) => !isGenerated(f));
      if (found.length === 0) return usage(`no file matches '${arg}'`);
      inputs.push(...found);
    } else if (isDirectory(resolve(cwd, arg)))
      return usage(`'${arg}' is a directory; pass its files, or a glob such as '${arg.replace(/\/$/, "")}/**/*.ts'`);
    else inputs.push(resolve(cwd, arg));
  }
  const unique = [...new Set(inputs)];
  if (unique.includes("-") && unique.length > 1) return usage("'-' (standard input) cannot be combined with files");
  if (opts.out && opts.outDir) return usage("-o and --out-dir cannot be combined");
  if (opts.out && unique.length > 1) return usage(`-o takes one input, got ${unique.length}; use --out-dir`);
  if (opts.watch && unique.includes("-")) return usage("--watch cannot watch standard input");
  if (opts.emit === "graph" && (opts.out || opts.outDir || opts.check || unique.length > 1))
    return usage("--emit graph prints one file's graph to stdout");
  if (opts.out && extname(opts.out).toLowerCase() === ".cjs")
    return usage(
      `'${opts.out}': adgen writes an ES module (import/export), which a .cjs file cannot hold; name it .js or .mjs`,
    );

  // Where each module goes: -o; --out-dir (mirroring the inputs' folders); beside its input when
  // there are several or with --check; else stdout.
  const base = unique[0] !== "-" && opts.outDir ? commonDir(unique) : cwd;
  const jobs: Job[] = unique.map((input) => {
    const out = opts.out ? resolve(cwd, opts.out) : undefined;
    const inputLang: "ts" | "js" =
      opts.lang ?? (JS_EXTENSIONS.has(extname(out ?? (input === "-" ? "" : input)).toLowerCase()) ? "js" : "ts");
    if (out || input === "-") return { input, ...(out ? { output: out } : {}), lang: inputLang };
    const name = outputName(input, inputLang);
    if (opts.outDir)
      return { input, output: join(resolve(cwd, opts.outDir), relative(base, dirname(input)), name), lang: inputLang };
    if (unique.length > 1 || opts.check) return { input, output: join(dirname(input), name), lang: inputLang };
    return { input, lang: inputLang };
  });
  for (const job of jobs)
    if (job.output && job.input !== "-" && realOrResolved(job.output) === realOrResolved(job.input))
      return usage(`cannot write '${shown(job.output, cwd)}': it is the input file, which would be overwritten`);
  if (opts.check && jobs.some((j) => !j.output)) return usage("--check needs files to compare: pass -o or files");

  const passList =
    opts.passes === undefined
      ? undefined
      : opts.passes.trim() === "none"
        ? []
        : opts.passes
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean);
  const unknownPass = passList?.find((name) => !passNames.includes(name));
  if (unknownPass !== undefined)
    return usage(`--passes: unknown pass '${unknownPass}' (passes: ${passNames.join(", ")}, or none)`);

  const modes = opts.mode
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknownMode = modes?.find((m) => !(MODES as readonly string[]).includes(m));
  if (unknownMode !== undefined) return usage(`--mode: unknown mode '${unknownMode}' (modes: ${MODES.join(", ")})`);
  if (modes?.length === 0) return usage(`--mode lists no mode: name some of ${MODES.join(", ")}`);

  const functions = opts.function
    ?.flatMap((f) => f.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  const wrt = opts.wrt
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

  // The compiler (TypeScript's parser, prettier) loads only now: --help and --version stay fast.
  const { compile } = await import("../src/index.js");
  const prettier = await import("prettier");

  /** Compiles one job; its diagnostics, or its code and whether its file changed (or is out of date). */
  const compileJob = async (job: Job) => {
    let source: string;
    try {
      source = job.input === "-" ? await (io.stdin ?? (async () => ""))() : await readFile(job.input, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return {
        readError: `cannot read '${shown(job.input, cwd)}': ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
      };
    }
    const fileName = job.input === "-" ? "<stdin>" : shown(job.input, cwd);
    const header =
      job.output && job.input !== "-" ? relative(dirname(job.output), job.input).split(sep).join("/") : fileName;
    const config =
      job.input === "-" && !job.output
        ? null
        : await prettier.resolveConfig(job.output ?? job.input, { editorconfig: true });
    const result = await compile(source, {
      fileName,
      header,
      emit: opts.emit,
      ...(passList ? { passes: passList } : {}),
      ...(modes ? { modes: modes as ModeName[] } : {}),
      language: job.lang,
      ...(config ? { prettier: config as Record<string, unknown> } : {}),
      ...(functions ? { functions } : {}),
      ...(wrt ? { wrt } : {}),
      ...(opts.format !== undefined ? { format: opts.format } : {}),
    });
    return { result };
  };

  /** One pass over `todo`: returns the exit code. */
  const pass = async (todo: Job[]): Promise<number> => {
    await prettier.clearConfigCache(); // a configuration edited since (in --watch, or between runs in one process)
    const diagnostics: Diagnostic[] = [];
    const readErrors: string[] = [];
    const stale: string[] = [];
    let written = 0;
    for (const job of todo) {
      const done = await compileJob(job);
      if (!done.result) {
        readErrors.push(done.readError ?? "");
        continue;
      }
      const { code, diagnostics: found } = done.result;
      if (found.length > 0) {
        diagnostics.push(...found);
        continue;
      }
      if (!job.output) {
        io.stdout(code);
        continue;
      }
      const existing = await readFile(job.output, "utf8").catch(() => undefined);
      if (opts.check) {
        if (existing !== code) stale.push(shown(job.output, cwd));
        continue;
      }
      if (existing === code) continue;
      try {
        await mkdir(dirname(job.output), { recursive: true });
        await writeFile(job.output, code);
        written++;
      } catch (e) {
        readErrors.push(`cannot write '${shown(job.output, cwd)}': ${(e as Error).message}`);
      }
    }

    for (const message of readErrors) io.stderr(`adgen: ${message}\n`);
    if (opts.diagnostics === "json") {
      if (diagnostics.length > 0 || readErrors.length === 0) io.stderr(diagnosticsJson(diagnostics));
    } else if (diagnostics.length > 0) io.stderr(diagnostics.map((d) => humanDiagnostic(d, paint)).join("\n"));
    if (readErrors.length > 0 && diagnostics.length === 0) return 2;

    const files = (n: number) => `${n} file${n === 1 ? "" : "s"}`;
    const summary = (text: string) => {
      if (opts.diagnostics === "human") io.stderr(`adgen: ${text}\n`);
    };
    if (diagnostics.length > 0) {
      const n = diagnostics.length;
      const failed = new Set(diagnostics.map((d) => d.file)).size;
      summary(
        `${n} error${n === 1 ? "" : "s"}${todo.length > 1 ? ` in ${files(failed)}` : ""}; ` +
          `${todo.length > 1 && written > 0 ? `${files(written)} written, the others not` : "nothing was generated"}.`,
      );
      return 1;
    }
    if (opts.check) {
      if (stale.length > 0) {
        summary(
          `${stale.length} of ${files(todo.length)} out of date: ${stale.join(", ")} (run adgen without --check to update)`,
        );
        return 1;
      }
      summary(`${files(todo.length)} up to date.`);
      return 0;
    }
    if (todo.length > 1 || opts.outDir || opts.watch)
      summary(`${files(written)} written${todo.length > written ? `, ${todo.length - written} unchanged` : ""}.`);
    return 0;
  };

  const code = await pass(jobs);
  if (!opts.watch) return code;
  return watchJobs(jobs, pass, io, paint);
}

/** --watch: each input is compiled again when it changes, until the signal (or Ctrl-C). */
async function watchJobs(
  jobs: Job[],
  pass: (todo: Job[]) => Promise<number>,
  io: CliIO,
  paint: ReturnType<typeof colors>,
): Promise<number> {
  io.stderr(paint.dim(`adgen: watching ${jobs.length} file${jobs.length === 1 ? "" : "s"} for changes\n`));
  const timers = new Map<Job, NodeJS.Timeout>();
  let queue = Promise.resolve();
  const watchers = jobs.map((job) =>
    watchFile(job.input, () => {
      clearTimeout(timers.get(job));
      // Editors write in several steps: compile once they are done.
      timers.set(
        job,
        setTimeout(() => {
          queue = queue.then(async () => {
            await pass([job]);
          });
        }, 50),
      );
    }),
  );
  await new Promise<void>((done) => {
    if (io.signal?.aborted) return done();
    io.signal?.addEventListener("abort", () => done());
    if (!io.signal) process.once("SIGINT", () => done());
  });
  for (const w of watchers) w.close();
  for (const t of timers.values()) clearTimeout(t);
  await queue;
  return 0;
}

/** The real path of `path`, or its absolute path when it does not exist (yet). */
function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
