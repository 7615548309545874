/**
 * The protocol relay's bookkeeping, without processes: what GradBench's CLI does between an eval
 * and a tool. The eval sends JSON lines (start, define, evaluate, analysis, end) that go to the
 * tool unchanged; the tool answers each with a JSON line that goes back to the eval. On the way,
 * the relay records each evaluation (function, description, the tool's median `evaluate` time)
 * and the eval's verdict on it (the `analysis` message that follows).
 *
 * Adapted from GradBench's relay (shared/gradbench/relay.mjs, MIT licence, LICENSE.gradbench).
 */

/** A timing a tool reports: GradBench tools report one `evaluate` timing per repetition. */
export interface Timing {
  name: string;
  nanoseconds: number;
}

/** One `evaluate` message, the tool's answer and the eval's analysis of it. */
export interface Evaluation {
  function: string;
  description?: string;
  /** Median of the tool's `evaluate` timings, ns; absent when the tool reported none. */
  ns?: number;
  /** How many `evaluate` timings the tool reported (repetitions). */
  runs: number;
  /** The tool answered with success: true. */
  success: boolean;
  /** The eval's analysis: true valid, false invalid, absent when none came. */
  valid?: boolean;
  /** The tool's error (when it failed) or the eval's (when invalid), shortened. */
  error?: string;
}

export interface RelayRecord {
  /** The name the tool gave in its answer to `start`, if any. */
  toolName?: string;
  /** Whether the tool accepted `define` (absent when no define was sent or answered). */
  defined?: boolean;
  defineError?: string;
  evaluations: Evaluation[];
  /** Protocol violations: lines that are not JSON, answers to no message. */
  problems: string[];
}

const ERROR_CHARS = 600;
export const shorten = (s: string, n = ERROR_CHARS): string =>
  s.length > n ? `${s.slice(0, n)}…` : s;

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1];
}

type Json = Record<string, unknown>;

function parse(
  line: string,
  from: string,
  problems: string[],
): Json | undefined {
  try {
    const v: unknown = JSON.parse(line);
    if (v !== null && typeof v === "object" && !Array.isArray(v))
      return v as Json;
    problems.push(
      `${from} sent a JSON line that is not an object: ${shorten(line, 120)}`,
    );
  } catch {
    problems.push(
      `${from} sent a line that is not JSON: ${shorten(line, 120)}`,
    );
  }
  return undefined;
}

/** Feed it every line of both sides, in the order they arrive; it says what to pass on. */
export class RelayState {
  readonly record: RelayRecord = { evaluations: [], problems: [] };
  /** Messages sent to the tool and not yet answered, by id. */
  private readonly pending = new Map<unknown, Json>();
  /** Evaluation index by the id of its evaluate message. */
  private readonly byId = new Map<unknown, Evaluation>();

  /** Called when a tool answers an evaluate message and when the eval analyses the answer. */
  constructor(
    private readonly listener?: (
      e: Evaluation,
      event: "answered" | "analysed",
    ) => void,
  ) {}

  /** A line from the eval: returns what to send to the tool (undefined: nothing), and whether the tool's input ends after it. */
  fromEval(line: string): { toTool?: string; end: boolean; abort: boolean } {
    if (line.trim() === "") return { end: false, abort: false };
    const m = parse(line, "the eval", this.record.problems);
    if (!m) return { end: false, abort: true };
    if (m.kind === "analysis") {
      const e = this.byId.get(m.of);
      if (e) {
        e.valid = m.valid === true;
        if (!e.valid && typeof m.error === "string") e.error = shorten(m.error);
        this.listener?.(e, "analysed");
      }
    }
    // Every message but `end` gets an answer, the analysis too.
    if (m.kind !== "end") this.pending.set(m.id, m);
    return { toTool: line, end: m.kind === "end", abort: false };
  }

  /** A line from the tool: returns what to send to the eval. */
  fromTool(line: string): { toEval?: string; abort: boolean } {
    if (line.trim() === "") return { abort: false };
    const r = parse(line, "the tool", this.record.problems);
    if (!r) return { abort: true };
    const m = this.pending.get(r.id);
    if (!m) {
      this.record.problems.push(
        `the tool answered id ${JSON.stringify(r.id)}, which nothing asked`,
      );
      return { abort: true };
    }
    this.pending.delete(r.id);
    const success = r.success === true;
    const error = typeof r.error === "string" ? shorten(r.error) : undefined;
    if (m.kind === "start" && typeof r.tool === "string")
      this.record.toolName = r.tool;
    if (m.kind === "define") {
      this.record.defined = success;
      if (!success)
        this.record.defineError =
          error ?? "define failed without an error message";
    }
    if (m.kind === "evaluate") {
      const timings = Array.isArray(r.timings) ? (r.timings as Timing[]) : [];
      const ns = timings
        .filter((t) => t && t.name === "evaluate")
        .map((t) => t.nanoseconds);
      const e: Evaluation = {
        function: String(m.function),
        runs: ns.length,
        success,
      };
      if (typeof m.description === "string") e.description = m.description;
      const med = median(ns);
      if (med !== undefined) e.ns = med;
      if (!success) e.error = error ?? "failed without an error message";
      this.record.evaluations.push(e);
      this.byId.set(m.id, e);
      this.listener?.(e, "answered");
    }
    return { toEval: line, abort: false };
  }

  /** Messages the tool never answered. */
  unanswered(): number {
    return this.pending.size;
  }
}
