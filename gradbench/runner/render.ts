/** GRADBENCH.md from the raw results: per eval and size, each tool's time per function, the ratios and the verdicts. */
import type { Evaluation } from "./relay-state.js";
import { NOT_RUNNABLE, REMARKS, REQUIRED } from "./evals.js";
import type {
  EvalResult,
  MachineInfo,
  Results,
  ToolResult,
} from "./results.js";
import { TOOL_NAMES, TOOL_TITLES } from "./tools.js";

export function duration(ns: number | undefined): string {
  if (ns === undefined) return "—";
  const [v, unit] =
    ns < 1e3
      ? [ns, "ns"]
      : ns < 1e6
        ? [ns / 1e3, "µs"]
        : ns < 1e9
          ? [ns / 1e6, "ms"]
          : [ns / 1e9, "s"];
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${unit}`;
}

export const times = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x)
    ? "—"
    : `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)}×`;

const geomean = (xs: number[]) =>
  xs.length
    ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length)
    : undefined;
const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const cellText = (s: string) =>
  s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

/** One row of an eval's table: the same evaluation (function, input) across the tools. */
export interface Row {
  function: string;
  description: string;
  byTool: Record<string, Evaluation>;
}

/**
 * The evaluations of all tools lined up: the k-th evaluation of a function on a description is the
 * same input for every tool (the evals generate their inputs deterministically), in the eval's order.
 */
export function rows(result: EvalResult): Row[] {
  const out: Row[] = [];
  const index = new Map<string, Row>();
  for (const [tool, r] of Object.entries(result.tools)) {
    const seen = new Map<string, number>();
    for (const e of r.evaluations) {
      const base = `${e.function}\0${e.description ?? ""}`;
      const k = seen.get(base) ?? 0;
      seen.set(base, k + 1);
      const key = `${base}\0${k}`;
      let row = index.get(key);
      if (!row) {
        row = {
          function: e.function,
          description: e.description ?? "",
          byTool: {},
        };
        index.set(key, row);
        out.push(row);
      }
      row.byTool[tool] = e;
    }
  }
  return out;
}

/** A timed, successful evaluation's time. */
const ok = (e: Evaluation | undefined) =>
  e && e.success && e.ns !== undefined ? e.ns : undefined;
const ratioOf = (row: Row, a: string, b: string) => {
  const x = ok(row.byTool[a]);
  const y = ok(row.byTool[b]);
  return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
};

function timeCell(e: Evaluation | undefined): string {
  if (!e) return "—";
  if (!e.success) return "failed";
  const t = duration(e.ns);
  return e.valid === false
    ? `${t} (invalid)`
    : e.valid === undefined
      ? `${t} (not judged)`
      : t;
}

const verdictText = (t: ToolResult | undefined, skipped: string | undefined) =>
  t
    ? `${t.verdict === "valid" ? "valid" : `**${t.verdict}**`} (${t.detail})`
    : skipped
      ? `not run: ${skipped}`
      : "not run";

/** The ratios over an eval's rows: geometric mean and range. */
export function ratioSummary(result: EvalResult, a: string, b: string): string {
  const rs = rows(result)
    .map((r) => ratioOf(r, a, b))
    .filter((x): x is number => x !== undefined);
  if (rs.length === 0) return "—";
  const g = times(geomean(rs));
  return rs.length === 1
    ? g
    : `${g} (${times(Math.min(...rs))} to ${times(Math.max(...rs))})`;
}

function machineLine(m: MachineInfo): string {
  const parts = [
    `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB`,
    m.os,
    `Node ${m.node}`,
    m.python,
    m.cxx,
  ];
  return parts.filter(Boolean).join("; ");
}

function evalSection(r: EvalResult): string[] {
  const tools = TOOL_NAMES.filter((t) => r.tools[t]);
  const has = (t: string) => tools.includes(t as (typeof TOOL_NAMES)[number]);
  const ratios: [string, string, string][] = [];
  if (has("adgen") && has("manual"))
    ratios.push(["adgen/manual", "adgen", "manual"]);
  if (has("tfjs") && has("adgen")) ratios.push(["tfjs/adgen", "tfjs", "adgen"]);
  const out = [`## ${r.eval}`, ""];
  const args = r.args.length
    ? `\`${r.args.join(" ")}\``
    : "the eval's defaults";
  out.push(
    `Run ${utc(r.date)} with ${args} (adgen ${r.machine.commit}, load ${r.machine.loadStart.toFixed(1)}).${r.note ? ` ${r.note}` : ""}`,
    "",
  );
  if (REMARKS[r.eval]) out.push(REMARKS[r.eval]!, "");
  for (const t of TOOL_NAMES) {
    const res = r.tools[t];
    const when =
      res?.date && res.date.slice(0, 16) !== r.date.slice(0, 16)
        ? `, run ${utc(res.date)}`
        : "";
    const line = `- ${t}: ${verdictText(res, r.skipped[t])}${res ? `, ${Math.round(res.seconds)} s in all${when}` : ""}`;
    out.push(line);
    for (const e of res && res.verdict !== "valid"
      ? res.errors.slice(0, 3)
      : [])
      out.push(`  - ${cellText(e.length > 300 ? `${e.slice(0, 300)}…` : e)}`);
  }
  out.push("");
  const table = rows(r);
  if (table.length === 0) return out;
  const head = ["size", "function", ...tools, ...ratios.map((x) => x[0])];
  out.push(
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`,
  );
  for (const row of table) {
    const cells = [
      row.description || "—",
      row.function,
      ...tools.map((t) => timeCell(row.byTool[t])),
      ...ratios.map(([, a, b]) => times(ratioOf(row, a, b))),
    ];
    out.push(`| ${cells.map(cellText).join(" | ")} |`);
  }
  out.push("");
  return out;
}

export function render(results: Results): string {
  const known = [
    ...REQUIRED,
    ...Object.keys(results.evals).filter(
      (e) => !(REQUIRED as readonly string[]).includes(e),
    ),
  ];
  const evals = known
    .map((e) => results.evals[e])
    .filter((r): r is EvalResult => r !== undefined);
  const out = [
    "# adgen on GradBench",
    "",
    "[GradBench](https://github.com/gradbench/gradbench)'s evals run against adgen's GradBench tool and, on the same inputs, two of",
    "GradBench's own tools. Generated by `npm run gradbench` (gradbench/runner/) from gradbench/results.json: do not edit by hand;",
    "README.md says how to run it. Each eval generates its inputs, sends them to the tool and validates every answer, most against",
    "the manual tool's (the golden outputs).",
    "",
    ...TOOL_NAMES.map((t) => `- **${t}**: ${TOOL_TITLES[t]}.`),
    "",
    "Times are the median of the `evaluate` timings each tool reports for an evaluation (it repeats each one for at least the eval's",
    "`--min-runs` and `--min-seconds`), so they leave out start-up, JSON and the eval's own work. adgen/manual above 1 means adgen is",
    "slower than the hand-written C++; tfjs/adgen above 1 means adgen is faster than TensorFlow.js. A ratio's summary is the",
    "geometric mean over the eval's rows, with the range. A verdict is valid when the eval judged every answer valid, invalid when it",
    "judged one wrong, failed when a tool or the eval failed, crashed or timed out. Times of a microsecond or less (hello's)",
    "are at the resolution of the tools' timers, so their ratios say nothing; — is a time the tool did not report. A tool",
    "run again alone keeps the others' results (its line says when each ran); the load is the 1-minute load average when",
    "the latest run of the eval started: on a loaded 2-core machine, ratios within an eval vary by 2× or more.",
    "",
    "## Summary",
    "",
    "| eval | evaluations | adgen | manual | tfjs | adgen/manual | tfjs/adgen |",
    "|---|---:|---|---|---|---:|---:|",
  ];
  for (const r of evals) {
    const v = (t: string) => {
      const res = r.tools[t];
      return res
        ? res.verdict === "valid"
          ? "valid"
          : `**${res.verdict}**`
        : "—";
    };
    out.push(
      `| [${r.eval}](#${r.eval}) | ${rows(r).length} | ${v("adgen")} | ${v("manual")} | ${v("tfjs")} | ${ratioSummary(r, "adgen", "manual")} | ${ratioSummary(r, "tfjs", "adgen")} |`,
    );
  }
  const missing = REQUIRED.filter((e) => !results.evals[e]);
  out.push("");
  if (missing.length) out.push(`Not run yet: ${missing.join(", ")}.`, "");
  const machines = [...new Set(evals.map((r) => machineLine(r.machine)))];
  out.push("## Machine", "", ...machines.map((m) => `- ${m}`), "");
  for (const r of evals) out.push(...evalSection(r));
  out.push("## Not run: ba, ht, lstm", "");
  for (const [e, why] of Object.entries(NOT_RUNNABLE))
    if (!results.evals[e]) out.push(`- **${e}** ${why}`);
  out.push("");
  return out.join("\n");
}
