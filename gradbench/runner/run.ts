/** Runs evals against the tools and keeps the results: the runner without its command line. */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ALL_RUNS, REQUIRED } from "./evals.js";
import { machineInfo } from "./machine.js";
import type { Options } from "./options.js";
import { UsageError } from "./options.js";
import { defaultCache, prepare } from "./prepare.js";
import { relay } from "./relay.js";
import { render } from "./render.js";
import {
  judge,
  loadResults,
  mergeEval,
  saveResults,
  writeFormatted,
  type EvalResult,
} from "./results.js";
import { makeTools, supports, TOOL_NAMES, type Tool } from "./tools.js";

const quote = (s: string) =>
  /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;

interface Plan {
  eval: string;
  args: string[];
  note?: string;
}

/**
 * An eval runs at the sizes of ALL_RUNS (with their note) under `all`, and alone when it is given
 * no eval options; eval options given to one eval replace them.
 */
export function plan(o: Options): Plan[] {
  if (!o.all && o.evalArgs.length > 0)
    return o.evals.map((e) => ({ eval: e, args: o.evalArgs }));
  return (o.all ? REQUIRED : o.evals).map((e) => {
    const run = ALL_RUNS[e] ?? { args: [] };
    const p: Plan = { eval: e, args: [...run.args, ...o.evalArgs] };
    if (run.note) p.note = run.note;
    return p;
  });
}

export async function writeReport(o: Options, repo: string): Promise<void> {
  await writeFormatted(
    resolve(repo, o.out),
    render(loadResults(resolve(repo, o.results))),
  );
}

/** Runs the plan; returns whether adgen's tool was valid on every eval it ran. */
export async function runEvals(
  o: Options,
  repo: string,
  log: (s: string) => void,
): Promise<boolean> {
  const selected = (tools: Tool[]) =>
    tools.filter((t) => o.tools.includes(t.name));
  const needsCheckout =
    !o.evalCommand ||
    selected(makeTools(repo, undefined, o.toolCommands)).some(
      (t) => t.fromCheckout,
    );
  let checkout: string | undefined;
  if (needsCheckout) {
    if (!o.gradbench)
      throw new UsageError(
        "where is GradBench? Give its checkout with --gradbench <path> or GRADBENCH=<path>",
      );
    checkout = prepare(
      o.gradbench,
      repo,
      o.cache ?? defaultCache(o.gradbench, repo),
      log,
    );
  }
  const allTools = makeTools(repo, checkout, o.toolCommands);
  const tools = selected(allTools);
  const resultsFile = resolve(repo, o.results);
  let allValid = true;
  for (const p of plan(o)) {
    if (
      !o.evalCommand &&
      !existsSync(
        join(checkout!, "python/gradbench/gradbench/evals", p.eval, "run.py"),
      )
    )
      throw new UsageError(`GradBench has no eval named ${p.eval}`);
    const command = o.evalCommand
      ? `${o.evalCommand.replaceAll("{eval}", p.eval)} ${p.args.map(quote).join(" ")}`
      : `python3 python/gradbench/gradbench/evals/${p.eval}/run.py ${p.args.map(quote).join(" ")}`;
    const evalSide = {
      command: command.trim(),
      cwd: checkout ?? repo,
      env: checkout
        ? { ...process.env, PYTHONPATH: join(checkout, "python/gradbench") }
        : process.env,
    };
    const record: EvalResult = {
      eval: p.eval,
      args: p.args,
      date: new Date().toISOString(),
      machine: machineInfo(repo),
      tools: {},
      skipped: {},
    };
    if (p.note) record.note = p.note;
    // Checked for the tools not selected too, when known: the report says why they have no result.
    for (const tool of allTools)
      if (
        (tool.fromCheckout ? checkout !== undefined : true) &&
        !supports(tool, p.eval)
      )
        record.skipped[tool.name] = "not among the evals it supports";
    for (const tool of tools) {
      if (record.skipped[tool.name]) continue;
      log(`gradbench: ${p.eval} against ${tool.name} (${tool.command})`);
      const t0 = Date.now();
      const date = new Date(t0).toISOString();
      const at = () => `${Math.round((Date.now() - t0) / 1000)} s`.padStart(6);
      const run = await relay(
        evalSide,
        { command: tool.command, cwd: tool.cwd },
        {
          timeoutMs: o.timeoutS * 1000,
          echoStderr: !o.quiet,
          onEvaluation: (e, event) => {
            if (event === "analysed" || !e.success)
              log(
                `${at()} ${tool.name.padEnd(6)} ${e.function.padEnd(10)} ${(e.description ?? "").padEnd(16)} ${e.ns === undefined ? "" : `${(e.ns / 1e6).toFixed(3)} ms`} ${e.success ? (e.valid ? "valid" : "INVALID") : "FAILED"}`,
              );
          },
        },
      );
      const verdict = judge(run);
      record.tools[tool.name] = {
        ...verdict,
        command: tool.command,
        seconds: run.seconds,
        evaluations: run.evaluations,
      };
      log(
        `gradbench: ${p.eval} × ${tool.name}: ${verdict.verdict} (${verdict.detail})`,
      );
      for (const e of verdict.verdict === "valid" ? [] : verdict.errors)
        log(`  ${e.split("\n").slice(0, 6).join("\n  ")}`);
      if (tool.name === "adgen" && verdict.verdict !== "valid")
        allValid = false;
    }
    record.machine.loadEnd = machineInfo(repo).loadStart;
    // Read again: another run may have stored other evals meanwhile.
    const results = loadResults(resultsFile);
    results.evals[p.eval] = mergeEval(
      results.evals[p.eval],
      record,
      TOOL_NAMES,
    );
    await saveResults(resultsFile, results);
    await writeReport(o, repo);
  }
  return allValid;
}

export const repoRoot = (from: string): string => {
  let dir = from;
  while (
    !existsSync(join(dir, "package.json")) ||
    !readFileSync(join(dir, "package.json"), "utf8").includes('"adgen"')
  )
    dir = join(dir, "..");
  return dir;
};
