/**
 * The `adgen` command: a thin shell over `compile`. Exit codes: 0 success, 1 diagnostics,
 * 2 usage errors. Diagnostics go to stderr; stdout gets the generated code and nothing else.
 */
import { realpathSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { version } from "../src/version.js";

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

interface Options {
  out?: string;
  wrt?: string;
  format?: boolean;
  emit: "code" | "graph";
  lang?: "ts" | "js";
}

/** JavaScript file extensions: such an output (or, without -o, input) gets JavaScript. */
const JS_EXTENSIONS = new Set([".js", ".mjs", ".cjs"]);

/** The language to write: --lang, else the output's extension, else the input's. */
function outputLanguage(file: string, out: string | undefined, lang: "ts" | "js" | undefined): "ts" | "js" {
  if (lang) return lang;
  return JS_EXTENSIONS.has(extname(out ?? file).toLowerCase()) ? "js" : "ts";
}

/** The real path of `path`, or its absolute path when it does not exist (yet). */
function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Runs adgen with `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: string[], io: CliIO = processIO): Promise<number> {
  const program = new Command("adgen")
    .description("Generate flat reverse-mode gradient code for the numeric functions in a TypeScript file.")
    .argument("<file>", "TypeScript file whose functions to differentiate")
    .option("-o, --out <file>", "write the generated module to <file> instead of stdout")
    .option("--wrt <params>", "differentiate only these parameters (comma-separated)")
    .option("--format", "format with prettier even above 1,000 lines")
    .option("--no-format", "do not format with prettier")
    .addOption(
      new Option(
        "--lang <lang>",
        "write TypeScript or JavaScript (default: js for a .js, .mjs output, or input without -o; else ts)",
      ).choices(["ts", "js"]),
    )
    .addOption(
      new Option("--emit <kind>", "what to print: the gradient code, or the SSA graph")
        .choices(["code", "graph"])
        .default("code"),
    )
    .version(version, "-V, --version")
    .helpOption("-h, --help", "show this help")
    .showHelpAfterError("(run 'adgen --help' for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  try {
    program.parse(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const file = program.args[0]!;
  const opts = program.opts<Options>();

  if (opts.out && extname(opts.out).toLowerCase() === ".cjs") {
    io.stderr(
      `adgen: '${opts.out}': adgen writes an ES module (import/export), which a .cjs file cannot hold; name it .js or .mjs\n`,
    );
    return 2;
  }
  if (opts.out && realOrResolved(opts.out) === realOrResolved(file)) {
    io.stderr(`adgen: cannot write '${opts.out}': it is the input file, which would be overwritten\n`);
    return 2;
  }
  const language = outputLanguage(file, opts.out, opts.lang);

  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    io.stderr(
      `adgen: cannot read '${file}': ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}\n`,
    );
    return 2;
  }
  const wrt = opts.wrt
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // The compiler (TypeScript's parser, prettier) loads only now: --help and --version stay fast.
  const { compile, formatDiagnostic } = await import("../src/index.js");
  const { code, diagnostics } = await compile(source, {
    fileName: file,
    emit: opts.emit,
    language,
    ...(wrt ? { wrt } : {}),
    ...(opts.format !== undefined ? { format: opts.format } : {}),
  });
  if (diagnostics.length > 0) {
    io.stderr(diagnostics.map(formatDiagnostic).join("\n"));
    io.stderr(`\n${diagnostics.length} error${diagnostics.length === 1 ? "" : "s"}; nothing was generated.\n`);
    return 1;
  }
  if (opts.out) {
    try {
      await writeFile(opts.out, code);
    } catch (e) {
      io.stderr(`adgen: cannot write '${opts.out}': ${(e as Error).message}\n`);
      return 2;
    }
  } else io.stdout(code);
  return 0;
}
