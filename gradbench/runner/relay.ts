/**
 * Runs an eval against a tool: two processes whose JSON-lines protocol the relay passes between
 * them (RelayState), as GradBench's CLI does, with a time limit.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import {
  RelayState,
  type Evaluation,
  type RelayRecord,
} from "./relay-state.js";

export interface Side {
  /** A shell command (run by bash -c). */
  command: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface RelayRun extends RelayRecord {
  /** Exit codes (null: killed by a signal). */
  evalExit: number | null;
  toolExit: number | null;
  timedOut: boolean;
  /** The last lines each side wrote to stderr. */
  evalStderr: string;
  toolStderr: string;
  seconds: number;
  /** Messages the tool never answered. */
  unanswered: number;
}

export interface RelayOptions {
  timeoutMs: number;
  /** Time a side gets to finish after the other one has (ms). */
  graceMs?: number;
  /** Pass both sides' stderr through to this process's stderr. */
  echoStderr?: boolean;
  onEvaluation?: (e: Evaluation, event: "answered" | "analysed") => void;
}

const TAIL = 4000;

function start(side: Side): ChildProcessWithoutNullStreams {
  // detached: its own process group, so a time-out ends the command and everything it started.
  return spawn("bash", ["-c", side.command], {
    cwd: side.cwd,
    env: side.env ?? process.env,
    detached: true,
  });
}

function killGroup(p: ChildProcessWithoutNullStreams): void {
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined)
    return;
  try {
    process.kill(-p.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function closed(p: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve(p.exitCode);
    else p.on("close", (code) => resolve(code));
  });
}

export async function relay(
  evalSide: Side,
  toolSide: Side,
  options: RelayOptions,
): Promise<RelayRun> {
  const t0 = performance.now();
  const grace = options.graceMs ?? 120_000;
  const state = new RelayState(options.onEvaluation);
  const ev = start(evalSide);
  const tool = start(toolSide);
  const stderr = { eval: "", tool: "" };
  for (const [name, p] of [
    ["eval", ev],
    ["tool", tool],
  ] as const) {
    p.stdin.on("error", () => {}); // the other side is gone: its exit says why
    p.stderr.on("data", (d: Buffer) => {
      stderr[name] = (stderr[name] + d.toString()).slice(-TAIL);
      if (options.echoStderr) process.stderr.write(d);
    });
  }
  const abort = () => {
    killGroup(ev);
    killGroup(tool);
  };
  createInterface({ input: ev.stdout }).on("line", (line) => {
    const r = state.fromEval(line);
    if (r.abort) return abort();
    if (r.toTool !== undefined && tool.stdin.writable)
      tool.stdin.write(`${r.toTool}\n`);
    if (r.end) tool.stdin.end();
  });
  createInterface({ input: tool.stdout }).on("line", (line) => {
    const r = state.fromTool(line);
    if (r.abort) return abort();
    if (r.toEval !== undefined && ev.stdin.writable)
      ev.stdin.write(`${r.toEval}\n`);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort();
  }, options.timeoutMs);
  // When one side is done, the other's input ends; it gets `grace` to finish.
  const afterward = (
    done: ChildProcessWithoutNullStreams,
    other: ChildProcessWithoutNullStreams,
  ) =>
    closed(done).then(() => {
      other.stdin.end();
      setTimeout(() => killGroup(other), grace).unref();
    });
  void afterward(ev, tool);
  void afterward(tool, ev);
  const [evalExit, toolExit] = await Promise.all([closed(ev), closed(tool)]);
  clearTimeout(timer);
  return {
    ...state.record,
    evalExit,
    toolExit,
    timedOut,
    evalStderr: stderr.eval,
    toolStderr: stderr.tool,
    seconds: (performance.now() - t0) / 1000,
    unanswered: state.unanswered(),
  };
}
