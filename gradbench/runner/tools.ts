/** The tools the runner compares: adgen's own, and GradBench's manual (C++) and TensorFlow.js tools. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const TOOL_NAMES = ["adgen", "manual", "tfjs"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface Tool {
  name: string;
  command: string;
  cwd: string;
  /** The evals it supports (its evals.txt), or "all" when it has no such list. */
  evals: string[] | "all";
  /** Runs from the prepared GradBench copy. */
  fromCheckout: boolean;
}

/** What each tool is, for the report. */
export const TOOL_TITLES: Record<string, string> = {
  adgen:
    "adgen's tool (`gradbench/tool/`, `npm run --silent gradbench-tool`): each eval as plain TypeScript " +
    "(gradbench/tool/model/), differentiated by adgen ahead of time, in Node",
  manual:
    "GradBench's `manual` tool: hand-written C++ derivatives (g++ -O3), the golden outputs most evals validate against",
  tfjs: "GradBench's TensorFlow.js tool (`js/tensorflow`) on @tensorflow/tfjs-core with the CPU backend, in float32 (tfjs has no float64)",
};

const evalsTxt = (file: string): string[] | "all" =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
    : "all";

/**
 * The tools, with commands from `overrides` where given (an overridden tool supports every eval
 * and runs in the repository). `checkout` is the prepared GradBench copy; only needed by the tools
 * that run from it.
 */
export function makeTools(
  repo: string,
  checkout: string | undefined,
  overrides: Record<string, string>,
): Tool[] {
  const cp = checkout ?? "<GradBench copy>";
  const defaults: Record<ToolName, Tool> = {
    adgen: {
      name: "adgen",
      command: "npm run --silent gradbench-tool",
      cwd: repo,
      evals: evalsTxt(join(repo, "gradbench/tool/evals.txt")),
      fromCheckout: false,
    },
    manual: {
      name: "manual",
      command: "python3 python/gradbench/gradbench/cpp.py manual",
      cwd: cp,
      evals: checkout
        ? evalsTxt(join(checkout, "tools/manual/evals.txt"))
        : "all",
      fromCheckout: true,
    },
    tfjs: {
      name: "tfjs",
      command: `${JSON.stringify(join(repo, "node_modules/.bin/tsx"))} js/tensorflow/run.ts`,
      cwd: cp,
      evals: checkout
        ? evalsTxt(join(checkout, "tools/tensorflow-js/evals.txt"))
        : "all",
      fromCheckout: true,
    },
  };
  return TOOL_NAMES.map((name) => {
    const o = overrides[name];
    return o === undefined
      ? defaults[name]
      : { name, command: o, cwd: repo, evals: "all", fromCheckout: false };
  });
}

export const supports = (tool: Tool, evalName: string): boolean =>
  tool.evals === "all" || tool.evals.includes(evalName);
