/** `npm run gradbench -- <eval|all> [eval options] [runner options]`: the command line, parsed. */
import { TOOL_NAMES } from "./tools.js";

export const USAGE = `Usage: npm run gradbench -- <eval>[,<eval>...] | all [eval options] [runner options]

Runs GradBench evals against adgen's tool and, for comparison, GradBench's manual (C++) and
TensorFlow.js tools on the same inputs; keeps the raw results in gradbench/results.json (other
evals' results are kept) and writes GRADBENCH.md from them.

Eval options (-n 2500 10000, --min-seconds 0.2, ...) go to the eval's run.py; see its --help.
With "all", the runner's reduced sizes (gradbench/runner/evals.ts) come first and yours after;
an eval named alone runs at those sizes unless you give it eval options.

Runner options:
  --gradbench <path>    the GradBench checkout (default: $GRADBENCH); copied and built in --cache
  --cache <dir>         where the prepared copy goes (default: a folder in the system's temp dir)
  --tools <list>        tools to run, comma-separated (default: adgen,manual,tfjs)
  --tool <name>=<cmd>   the command for a tool, e.g. a stub: --tool adgen="node stub.mjs"
  --eval-command <cmd>  run this instead of GradBench's eval ({eval} stands for the eval's name)
  --results <file>      the raw results (default: gradbench/results.json)
  --out <file>          the report (default: GRADBENCH.md)
  --timeout <seconds>   limit for one eval against one tool (default: 3600)
  --render              only write the report from the results file
  --quiet               do not pass the eval's and tools' stderr through
  -h, --help`;

export interface Options {
  evals: string[];
  all: boolean;
  evalArgs: string[];
  gradbench?: string;
  cache?: string;
  tools: string[];
  toolCommands: Record<string, string>;
  evalCommand?: string;
  results: string;
  out: string;
  timeoutS: number;
  render: boolean;
  quiet: boolean;
  help: boolean;
}

export class UsageError extends Error {}

const VALUED = [
  "--gradbench",
  "--cache",
  "--tools",
  "--tool",
  "--eval-command",
  "--results",
  "--out",
  "--timeout",
];
const FLAGS = ["--render", "--quiet", "--help", "-h"];

export function parseOptions(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Options {
  const o: Options = {
    evals: [],
    all: false,
    evalArgs: [],
    tools: [...TOOL_NAMES],
    toolCommands: {},
    results: "gradbench/results.json",
    out: "GRADBENCH.md",
    timeoutS: 3600,
    render: false,
    quiet: false,
    help: false,
  };
  if (env.GRADBENCH) o.gradbench = env.GRADBENCH;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (FLAGS.includes(arg)) {
      if (arg === "--render") o.render = true;
      else if (arg === "--quiet") o.quiet = true;
      else o.help = true;
      continue;
    }
    if (!VALUED.includes(name)) {
      // The eval's own options, and the eval's name first.
      if (
        positional.length === 0 &&
        o.evalArgs.length === 0 &&
        !arg.startsWith("-")
      )
        positional.push(arg);
      else o.evalArgs.push(arg);
      continue;
    }
    const value = name !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    switch (name) {
      case "--gradbench":
        o.gradbench = value;
        break;
      case "--cache":
        o.cache = value;
        break;
      case "--tools": {
        const tools = value.split(",").filter(Boolean);
        const unknown = tools.filter(
          (t) => !(TOOL_NAMES as readonly string[]).includes(t),
        );
        if (unknown.length)
          throw new UsageError(
            `unknown tool ${unknown.join(", ")} (tools: ${TOOL_NAMES.join(", ")})`,
          );
        if (tools.length === 0)
          throw new UsageError("--tools needs at least one tool");
        o.tools = tools;
        break;
      }
      case "--tool": {
        const at = value.indexOf("=");
        const tool = value.slice(0, at);
        if (
          at <= 0 ||
          !(TOOL_NAMES as readonly string[]).includes(tool) ||
          value.slice(at + 1).trim() === ""
        )
          throw new UsageError(
            `--tool takes <name>=<command> with a name among ${TOOL_NAMES.join(", ")}, not "${value}"`,
          );
        o.toolCommands[tool] = value.slice(at + 1);
        break;
      }
      case "--eval-command":
        o.evalCommand = value;
        break;
      case "--results":
        o.results = value;
        break;
      case "--out":
        o.out = value;
        break;
      case "--timeout": {
        const s = Number(value);
        if (!(s > 0))
          throw new UsageError(
            `--timeout takes a number of seconds, not "${value}"`,
          );
        o.timeoutS = s;
        break;
      }
    }
  }
  if (o.help || o.render) return o;
  const which = positional[0];
  if (which === undefined)
    throw new UsageError(
      "which eval? (an eval's name, several separated by commas, or all)",
    );
  if (which === "all") o.all = true;
  else o.evals = which.split(",").filter(Boolean);
  if (o.evals.some((e) => !/^[a-z][a-z0-9_-]*$/.test(e)))
    throw new UsageError(`not an eval's name: ${which}`);
  return o;
}
