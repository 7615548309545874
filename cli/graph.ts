/**
 * `adgen graph file.ts`: a picture of a function's computational graph (SVG, DOT or PNG), at a
 * point (`--at w0=2,x0=-1`) labelled with every wire's value and gradient. Exit codes as adgen's:
 * 0 done, 1 diagnostics, 2 usage errors.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { colors, humanDiagnostic } from "./report.js";
import { shown } from "./files.js";
import type { CliIO } from "./run.js";

interface Options {
  at?: string;
  format?: "svg" | "dot" | "png";
  out?: string;
  function?: string;
  expandGates?: boolean;
  maxNodes?: number;
  color?: boolean;
}

const HELP_AFTER = `
Examples:
  adgen graph neuron.ts -o neuron.svg                            the graph alone
  adgen graph neuron.ts --at w0=2,x0=-1,w1=-3,x1=-2,w2=-3 -o neuron.svg
                                                                 each wire's value (green, above) and gradient (red, below)
  adgen graph neuron.ts --expand-gates --format dot              sigmoid as its operations; DOT text on stdout

Calls are drawn as clusters holding the callee's body; a loop as one cluster holding its body
once (its wires inside carry a value per iteration, so they are left unlabelled at a point).
`;

/** The format -o's extension asks for, if any. */
function formatOf(file: string | undefined): Options["format"] {
  const ext = file ? extname(file).toLowerCase() : "";
  return ext === ".dot" || ext === ".gv" ? "dot" : ext === ".png" ? "png" : ext === ".svg" ? "svg" : undefined;
}

/** Parses `w0=2,x0=-1`: a number per name. */
function parsePoint(text: string): Record<string, number> | string {
  const point: Record<string, number> = {};
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_$][\w$]*)\s*=\s*(.+)$/.exec(part);
    const value = m ? Number(m[2]) : NaN;
    if (!m || m[2]!.trim() === "" || Number.isNaN(value))
      return `--at takes name=number pairs separated by commas (w0=2,x0=-1); got '${part}'`;
    if (m[1]! in point) return `--at gives '${m[1]}' twice`;
    point[m[1]!] = value;
  }
  return point;
}

/** Runs `adgen graph` with its arguments (after `graph`); resolves to the exit code. */
export async function graph(argv: string[], io: CliIO): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const command = new Command("adgen graph")
    .description("Draw a function's computational graph, optionally with values and gradients at a point.")
    .argument("<file>", "the TypeScript or JavaScript file; - reads standard input")
    .option("--at <point>", "label every wire with its value and gradient at this point: name=number,...")
    .addOption(
      new Option(
        "--format <format>",
        "svg, dot (Graphviz text) or png (default: from -o's extension, else svg)",
      ).choices(["svg", "dot", "png"]),
    )
    .option("-o, --out <file>", "write the picture to <file> instead of stdout")
    .option("--function <name>", "the function to draw (default: the first one adgen differentiates)")
    .option("--expand-gates", "draw each gate (sigmoid, ...) as the operations of its forward")
    .option("--max-nodes <n>", "draw a summary above this many nodes (default 300)", (v) => Number(v))
    .option("--color", "colour diagnostics")
    .option("--no-color", "do not colour diagnostics")
    .helpOption("-h, --help", "show this help")
    .addHelpText("after", HELP_AFTER)
    .showHelpAfterError("(run 'adgen graph --help' for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: (t) => io.stderr(t.replace(/^error: /, "adgen graph: ")) });
  try {
    command.parse(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const opts = command.opts<Options>();
  const usage = (message: string) => {
    io.stderr(`adgen graph: ${message}\n`);
    return 2;
  };
  const [input] = command.args as [string];
  const format = opts.format ?? formatOf(opts.out) ?? "svg";
  if (format === "png" && !opts.out) return usage("--format png writes a binary file: give it with -o");
  if (opts.maxNodes !== undefined && !(Number.isInteger(opts.maxNodes) && opts.maxNodes > 0))
    return usage("--max-nodes takes a positive whole number");
  const at = opts.at === undefined ? undefined : parsePoint(opts.at);
  if (typeof at === "string") return usage(at);

  let source: string;
  try {
    source = input === "-" ? await (io.stdin ?? (async () => ""))() : await readFile(resolve(cwd, input), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return usage(`cannot read '${input}': ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }

  const { circuit, PictureError, renderSvg } = await import("../src/picture/index.js");
  const { readFileSync } = await import("node:fs");
  const fileName = input === "-" ? "<stdin>" : shown(resolve(cwd, input), cwd);
  let result;
  try {
    result = circuit(source, {
      fileName,
      ...(opts.function ? { function: opts.function } : {}),
      ...(at ? { at } : {}),
      ...(opts.expandGates ? { expandGates: true } : {}),
      ...(opts.maxNodes ? { maxNodes: opts.maxNodes } : {}),
      readFile: (path) => {
        try {
          return readFileSync(resolve(cwd, path), "utf8");
        } catch {
          return undefined;
        }
      },
    });
  } catch (e) {
    if (e instanceof PictureError) return usage(e.message);
    throw e;
  }
  if (result.diagnostics.length > 0) {
    const paint = colors(opts.color ?? io.color ?? false);
    io.stderr(result.diagnostics.map((d) => humanDiagnostic(d, paint)).join("\n"));
    const n = result.diagnostics.length;
    io.stderr(`adgen graph: ${n} error${n === 1 ? "" : "s"}; nothing was drawn.\n`);
    return 1;
  }
  const others = result.functions ?? [];
  if (!opts.function && others.length > 1)
    io.stderr(
      `adgen graph: drawing '${result.function}', the first of ${others.length} functions (${others.join(", ")}); --function picks another\n`,
    );
  if (result.summary)
    io.stderr(
      `adgen graph: '${result.function}' has more than ${opts.maxNodes ?? 300} nodes; drawing a summary (raise --max-nodes to draw them all)\n`,
    );

  const output: string | Uint8Array =
    format === "dot"
      ? result.dot
      : format === "svg"
        ? await renderSvg(result.dot)
        : await (await import("./png.js")).svgToPng(await renderSvg(result.dot));
  if (!opts.out) {
    io.stdout(output as string);
    return 0;
  }
  const out = resolve(cwd, opts.out);
  try {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, output);
  } catch (e) {
    return usage(`cannot write '${opts.out}': ${(e as Error).message}`);
  }
  return 0;
}
