/** The runner's raw results (gradbench/results.json): one record per eval, each tool judged. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import prettier from "prettier";
import type { Machine } from "../../bench/machine.js";
import type { RelayRun } from "./relay.js";
import type { Evaluation } from "./relay-state.js";

export type Verdict = "valid" | "invalid" | "failed";

export interface MachineInfo extends Machine {
  python?: string;
  cxx?: string;
}

export interface ToolResult {
  verdict: Verdict;
  /** A short account: "20 of 20 valid", "define failed", ... */
  detail: string;
  /** What went wrong, when something did: define's error, exit codes, stderr, the first invalid answer. */
  errors: string[];
  command: string;
  /** When this tool's run started. */
  date?: string;
  /** Wall time of the whole run of the eval against this tool (input generation and validation included). */
  seconds: number;
  evaluations: Evaluation[];
}

export interface EvalResult {
  eval: string;
  /** The options given to the eval. */
  args: string[];
  /** Why the sizes differ from the eval's defaults, when they do. */
  note?: string;
  date: string;
  machine: MachineInfo;
  /** By tool name, in the order they ran. */
  tools: Record<string, ToolResult>;
  /** Tools not run on this eval, and why. */
  skipped: Record<string, string>;
}

export interface Results {
  version: 1;
  evals: Record<string, EvalResult>;
}

const tail = (s: string, lines = 8) =>
  s.trimEnd().split("\n").slice(-lines).join("\n");
const withStderr = (what: string, stderr: string) =>
  stderr.trim() ? `${what}: ${tail(stderr)}` : what;

/** The verdict on one run: failed if anything kept the eval from judging every answer, invalid if it judged one wrong. */
export function judge(
  run: RelayRun,
): Pick<ToolResult, "verdict" | "detail" | "errors"> {
  const errors: string[] = [];
  const evals = run.evaluations;
  const failed = evals.filter((e) => !e.success);
  const invalid = evals.filter((e) => e.success && e.valid === false);
  const unjudged = evals.filter((e) => e.success && e.valid === undefined);
  if (run.timedOut) errors.push(`timed out after ${Math.round(run.seconds)} s`);
  errors.push(...run.problems);
  if (run.defined === false)
    errors.push(`define failed: ${run.defineError ?? ""}`.trim());
  if (run.unanswered > 0)
    errors.push(`the tool left ${run.unanswered} message(s) unanswered`);
  for (const e of failed.slice(0, 2))
    errors.push(
      `${e.function} ${e.description ?? ""} failed: ${e.error ?? ""}`,
    );
  for (const e of invalid.slice(0, 2))
    errors.push(
      `${e.function} ${e.description ?? ""} invalid: ${e.error ?? ""}`,
    );
  if (run.evalExit !== 0 && !run.timedOut)
    errors.push(
      withStderr(
        `the eval exited with ${run.evalExit ?? "a signal"}`,
        run.evalStderr,
      ),
    );
  if (run.toolExit !== 0 && run.toolExit !== null)
    errors.push(
      withStderr(`the tool exited with ${run.toolExit}`, run.toolStderr),
    );
  if (
    run.defined === undefined &&
    evals.length === 0 &&
    run.toolStderr.trim() !== ""
  )
    errors.push(`the tool's stderr: ${tail(run.toolStderr)}`);
  const broken =
    run.timedOut ||
    run.problems.length > 0 ||
    run.defined === false ||
    run.unanswered > 0 ||
    failed.length > 0 ||
    unjudged.length > 0 ||
    evals.length === 0 ||
    run.evalExit !== 0 ||
    (run.toolExit !== 0 && run.toolExit !== null);
  const counts = [
    `${evals.length - failed.length - invalid.length - unjudged.length} of ${evals.length} valid`,
    invalid.length ? `${invalid.length} invalid` : "",
    failed.length ? `${failed.length} failed` : "",
    unjudged.length ? `${unjudged.length} not judged` : "",
  ].filter(Boolean);
  const detail =
    evals.length === 0 && run.defined !== false && !run.timedOut
      ? "no evaluation"
      : run.defined === false
        ? "define failed"
        : run.timedOut
          ? `timed out, ${counts.join(", ")}`
          : counts.join(", ");
  return {
    verdict: broken ? "failed" : invalid.length ? "invalid" : "valid",
    detail,
    errors,
  };
}

/**
 * The stored record of an eval after a run of some of its tools: a tool not run this time keeps its
 * stored result when the eval ran with the same options (the same inputs: the evals generate them
 * deterministically), so that one tool can be run again alone.
 */
export function mergeEval(
  previous: EvalResult | undefined,
  now: EvalResult,
  order: readonly string[],
): EvalResult {
  if (!previous || JSON.stringify(previous.args) !== JSON.stringify(now.args))
    return now;
  const tools: Record<string, ToolResult> = {};
  const skipped: Record<string, string> = {};
  for (const t of order) {
    const r =
      now.tools[t] ??
      (now.skipped[t] === undefined ? previous.tools[t] : undefined);
    if (r) tools[t] = r;
    const why = now.skipped[t] ?? (r ? undefined : previous.skipped[t]);
    if (why !== undefined) skipped[t] = why;
  }
  return { ...now, tools, skipped };
}

export function loadResults(file: string): Results {
  if (!existsSync(file)) return { version: 1, evals: {} };
  const r = JSON.parse(readFileSync(file, "utf8")) as Results;
  if (r.version !== 1 || typeof r.evals !== "object")
    throw new Error(`${file}: not a results file of this runner`);
  return r;
}

/** Writes a file as the repository's prettier settings format it, so `prettier --check` passes on it. */
export async function writeFormatted(
  file: string,
  text: string,
): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const config = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await prettier.format(text, { ...config, filepath: file }),
  );
}

export const saveResults = (file: string, results: Results): Promise<void> =>
  writeFormatted(file, JSON.stringify(results, null, 2));
