/** The benchmark's results as a terminal table and as BENCHMARKS.md, with every target judged. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ScalingResult } from "./compile-scaling.js";
import { readability } from "./readability.js";
import { tensorSection, tensorText, tensorVerdicts } from "./report-tensors.js";
import type { Machine } from "./machine.js";
import type { TimingOptions, Warmup } from "./measure.js";

export interface CaseResult {
  name: string;
  title: string;
  skipped?: string;
  /** Operations in adgen's graph of the function. */
  ops?: number;
  /** Gradient entries. */
  params?: number;
  /** f_grad's time over f's and over the hand-written gradient's: the median of the ratios of repetitions taken back to back. */
  ratios?: { gradF?: number; gradHand?: number; jvpF?: number; hvpF?: number };
  /** Median ns per call, by variant: f, adgen, hand, tfjs, mathjs, fd. */
  ns: Record<string, number>;
  /** Why a variant has no figure. */
  notes: Record<string, string>;
  /** Largest normwise relative difference from the reference gradient, by variant. */
  errors: Record<string, number>;
  samples?: Record<string, number[]>;
  /** How the warm-up went, by variant (f, adgen, hand, jvp, hvp): bench/measure.ts `warmUp`. */
  warmup?: Record<string, Warmup>;
  /** How a peer was set up for this case, where that varies. */
  remarks?: Record<string, string>;
  /** One-off set-up of the peers (deriving, compiling), ms. */
  setupMs?: Record<string, number>;
  /** compileSync of the case, in this process (warm), ms. */
  compileMs?: number;
  /** Measured bytes allocated per f_grad call, and per call of a function that only builds a result of the same shape. */
  bytesPerCall?: number;
  resultBytesPerCall?: number;
  /** Measured bytes allocated per call of f, the same way. */
  primalBytesPerCall?: number;
  /** Measured bytes f_grad pushes on its number tape per call (bench/tape-bytes.ts). */
  tapeBytesPerCall?: number;
  /** Lines of f_grad that could allocate (static check); empty when it allocates only its result. */
  allocationSites?: string[];
}

export interface Results {
  machine: Machine;
  smoke: boolean;
  timing: TimingOptions;
  peerTiming: TimingOptions;
  durationS: number;
  cases: CaseResult[];
  compile: ScalingResult[];
  peers: { name: string; description: string }[];
  failures: string[];
}

// ---- formatting ---------------------------------------------------------------------------

const group = (n: number) => Math.round(n).toLocaleString("en-US");

/** A time per call with a unit that keeps it short: 4.9 ns, 1.23 µs, 12.3 ms. */
export function duration(ns: number | undefined): string {
  if (ns === undefined) return "—";
  const [v, unit] = ns < 1e3 ? [ns, "ns"] : ns < 1e6 ? [ns / 1e3, "µs"] : ns < 1e9 ? [ns / 1e6, "ms"] : [ns / 1e9, "s"];
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${unit}`;
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined ? a / b : undefined;
const gradF = (r: CaseResult) => r.ratios?.gradF ?? ratio(r.ns.adgen, r.ns.f);
const gradHand = (r: CaseResult) => r.ratios?.gradHand ?? ratio(r.ns.adgen, r.ns.hand);
const jvpF = (r: CaseResult) => r.ratios?.jvpF ?? ratio(r.ns.jvp, r.ns.f);
const hvpF = (r: CaseResult) => r.ratios?.hvpF ?? ratio(r.ns.hvp, r.ns.f);
const times = (x: number | undefined) => (x === undefined ? "—" : x >= 100 ? `${group(x)}×` : `${x.toFixed(1)}×`);
const fixed = (x: number | undefined, digits = 2) => (x === undefined ? "—" : x.toFixed(digits));
const ms = (x: number | undefined) =>
  x === undefined ? "—" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${group(x)} ms`;

/** A case's warm-up: per variant, how long until it was warm and its calls, or that the cap came first. */
export function warmupText(warmup: Record<string, Warmup>, functions: Record<string, number> = {}): string {
  return Object.entries(warmup)
    .map(
      ([n, w]) =>
        `${n} ${(w.ms / 1000).toFixed(1)} s${w.warm ? "" : " (cap: not settled)"}, ${group(w.calls)} calls` +
        (w.optimised !== undefined ? `, ${w.optimised}/${functions[n] ?? "?"} functions optimised` : ""),
    )
    .join("; ");
}

interface Column {
  head: string;
  cell: (r: CaseResult) => string;
}

const peerCell = (peer: string) => (r: CaseResult) => (r.ns[peer] !== undefined ? duration(r.ns[peer]) : "n/a");

const COLUMNS: Column[] = [
  { head: "case", cell: (r) => r.name },
  { head: "ops", cell: (r) => (r.ops === undefined ? "—" : group(r.ops)) },
  { head: "n", cell: (r) => (r.params === undefined ? "—" : String(r.params)) },
  { head: "f", cell: (r) => duration(r.ns.f) },
  { head: "f_grad", cell: (r) => (r.ns.adgen !== undefined ? duration(r.ns.adgen) : "n/a") },
  {
    head: "hand",
    cell: (r) => (r.ns.hand !== undefined ? duration(r.ns.hand) : r.notes.hand === "none" ? "—" : "n/a"),
  },
  { head: "grad/f", cell: (r) => fixed(gradF(r)) },
  { head: "grad/hand", cell: (r) => fixed(gradHand(r)) },
  { head: "tape B", cell: (r) => (r.tapeBytesPerCall === undefined ? "—" : group(r.tapeBytesPerCall)) },
  { head: "jvp/f", cell: (r) => fixed(jvpF(r)) },
  { head: "hvp/f", cell: (r) => fixed(hvpF(r)) },
  { head: "tfjs", cell: peerCell("tfjs") },
  { head: "tfjs/adgen", cell: (r) => times(ratio(r.ns.tfjs, r.ns.adgen)) },
  { head: "mathjs", cell: peerCell("mathjs") },
  { head: "mathjs/adgen", cell: (r) => times(ratio(r.ns.mathjs, r.ns.adgen)) },
  { head: "FD", cell: peerCell("fd") },
  { head: "FD/adgen", cell: (r) => times(ratio(r.ns.fd, r.ns.adgen)) },
];

/** The results table as aligned text. */
export function renderTable(results: Results): string {
  const rows = results.cases.filter((r) => !r.skipped).map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.head.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join("  ");
  const out = [line(COLUMNS.map((c) => c.head)), ...rows.map(line)];
  for (const r of results.cases) if (r.skipped) out.push(`${r.name}: skipped (${r.skipped})`);
  out.push(
    "",
    "time per call (median); n/a: see notes in results.json; grad/f and grad/hand: f_grad's time over f's and the hand-written gradient's; jvp/f and hvp/f: f_jvp's and f_hvp's time over f's",
  );
  out.push(tensorText(results.cases.filter((r) => !r.skipped)));
  out.push("", renderScalingText(results.compile));
  return out.join("\n");
}

function renderScalingText(rows: ScalingResult[]): string {
  if (rows.length === 0) return "";
  const out = ["compile time (fresh process each):"];
  for (const r of rows)
    out.push(
      `  ${r.mode.padEnd(11)} ${group(r.ops).padStart(7)} ops  ` +
        (r.skipped
          ? r.skipped
          : r.timedOutAfterMs
            ? `> ${r.timedOutAfterMs / 1000} s (killed)`
            : `${ms(r.ms)}${r.warmMs !== undefined ? ` (warm ${ms(r.warmMs)})` : ""}, peak ${group(r.maxRssMB!)} MB`),
    );
  return out.join("\n");
}

// ---- targets ------------------------------------------------------------------------------

export interface Verdict {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function extreme(
  cases: CaseResult[],
  value: (r: CaseResult) => number | undefined,
  pick: "max" | "min",
): { r: CaseResult; v: number } | undefined {
  let best: { r: CaseResult; v: number } | undefined;
  for (const r of cases) {
    const v = value(r);
    if (v === undefined || Number.isNaN(v)) continue;
    if (!best || (pick === "max" ? v > best.v : v < best.v)) best = { r, v };
  }
  return best;
}

export function generatedCodeVerdicts(cases: CaseResult[]): Verdict[] {
  const timed = cases.filter((r) => r.ns.adgen !== undefined && r.ns.f !== undefined);
  const worst = extreme(timed, gradF, "max");
  const med = median(timed.map((r) => gradF(r)!));
  const hand = extreme(timed, gradHand, "max");
  const tfjs = extreme(timed, (r) => ratio(r.ns.tfjs, r.ns.adgen), "min");
  const mathjs = extreme(timed, (r) => ratio(r.ns.mathjs, r.ns.adgen), "min");
  const noMathjs = timed.filter((r) => r.ns.mathjs === undefined && r.notes.mathjs && r.notes.mathjs !== "array case");
  const allocating = timed.filter((r) => (r.allocationSites?.length ?? 0) > 0);
  const extra = extreme(
    timed.filter((r) => r.bytesPerCall !== undefined && r.resultBytesPerCall !== undefined),
    (r) => r.bytesPerCall! - r.resultBytesPerCall!,
    "max",
  );
  const list = (rs: CaseResult[]) => rs.map((r) => r.name).join(", ");
  const untimed = cases.filter((r) => !r.skipped && r.ns.adgen === undefined);
  return [
    {
      target: "grad/primal ≤ 3 on every case",
      measured: worst
        ? `worst ${worst.v.toFixed(2)} (${worst.r.name})${untimed.length ? `; no f_grad yet for ${list(untimed)}` : ""}`
        : "—",
      met: worst ? worst.v <= 3 : undefined,
    },
    {
      target: "grad/primal ≤ 2.5 as the median",
      measured: Number.isNaN(med) ? "—" : `median ${med.toFixed(2)} over ${timed.length} cases`,
      met: Number.isNaN(med) ? undefined : med <= 2.5,
    },
    ...modeVerdicts(timed),
    {
      target: "within 10% of the hand-written gradient",
      measured: hand ? `worst grad/hand ${hand.v.toFixed(2)} (${hand.r.name})` : "—",
      met: hand ? hand.v <= 1.1 : undefined,
    },
    {
      target: "≥ 1,000× faster than tfjs on every scalar case",
      measured: tfjs ? `least ${times(tfjs.v)} (${tfjs.r.name})` : "—",
      met: tfjs ? tfjs.v >= 1000 : undefined,
    },
    {
      target: "≥ 100× faster than mathjs on every scalar case",
      measured: mathjs
        ? `least ${times(mathjs.v)} (${mathjs.r.name})${noMathjs.length ? `; mathjs cannot run ${list(noMathjs)}` : ""}`
        : "—",
      met: mathjs ? mathjs.v >= 100 : undefined,
    },
    {
      target: "f_grad allocates nothing but its result",
      measured:
        (allocating.length
          ? `allocation sites besides the result in ${allocating.map((r) => `${r.name} (${r.allocationSites!.length}, ${group(r.bytesPerCall ?? NaN)} B/call against ${group(r.primalBytesPerCall ?? NaN)} for f)`).join(", ")}`
          : "static check: no allocation site before the `return` in any f_grad") +
        (extra
          ? `; measured ${group(extra.r.bytesPerCall!)} B/call against ${group(extra.r.resultBytesPerCall!)} B/call for a bare result of the same shape (largest excess: ${extra.r.name}, ${group(extra.v)} B)`
          : ""),
      met: allocating.length === 0 && (!extra || extra.v <= 16),
    },
  ];
}

/** Forward mode and HVPs against the primal: f_jvp ≤ 2× f, f_hvp ≤ 5× f (issue 11). */
function modeVerdicts(timed: CaseResult[]): Verdict[] {
  return (
    [
      ["f_jvp", jvpF, 2],
      ["f_hvp", hvpF, 5],
    ] as const
  ).map(([name, of, limit]) => {
    const worst = extreme(timed, of, "max");
    const missing = timed.filter((r) => of(r) === undefined).map((r) => r.name);
    return {
      target: `${name}/primal ≤ ${limit} on every case`,
      measured: worst
        ? `worst ${worst.v.toFixed(2)} (${worst.r.name}), median ${median(timed.flatMap((r) => of(r) ?? [])).toFixed(2)}${missing.length ? `; none for ${missing.join(", ")}` : ""}`
        : "—",
      met: worst ? worst.v <= limit && missing.length === 0 : undefined,
    };
  });
}

export function compileVerdicts(rows: ScalingResult[]): Verdict[] {
  if (rows.length === 0) return [];
  const at = (mode: string, ops: number) => rows.find((r) => r.mode === mode && Math.abs(r.ops - ops) <= 3);
  const shown = (r: ScalingResult | undefined) =>
    !r ? "—" : r.skipped ? "not run" : r.timedOutAfterMs ? `> ${r.timedOutAfterMs / 1000} s` : ms(r.ms);
  const under = (r: ScalingResult | undefined, limit: number) =>
    !r || r.skipped ? false : r.timedOutAfterMs ? r.timedOutAfterMs >= limit && false : r.ms! < limit;
  const sizeVerdict = (ops: number, limit: number): Verdict => {
    const [c, cli, s] = [at("compile", ops), at("cli", ops), at("compileSync", ops)];
    return {
      target: `${group(ops)} operations in under ${limit / 1000} s (compile() and the CLI)`,
      measured: `compile() ${shown(c)}, CLI ${shown(cli)}; compileSync ${shown(s)} cold, ${ms(s?.warmMs)} warm`,
      met: !c && !cli ? undefined : under(c, limit) && under(cli, limit),
    };
  };
  const growth: string[] = [];
  let linear = true;
  let measuredAny = false;
  let open = false;
  const series: [string, string, (r: ScalingResult) => number | undefined][] = [
    ["compileSync warm", "compileSync", (r) => r.warmMs],
    ["compileSync cold", "compileSync", (r) => r.ms],
    ["compile()", "compile", (r) => r.ms],
    ["CLI", "cli", (r) => r.ms],
  ];
  for (const [label, mode, pick] of series) {
    const steps: string[] = [];
    for (const ops of [1000, 10000]) {
      const a = at(mode, ops);
      const b = at(mode, ops * 10);
      const ta = a && pick(a);
      const tb = b && pick(b);
      if (ta === undefined) continue;
      // A timed-out larger size still bounds the growth from below: past 12× it settles the
      // verdict, below it leaves it open.
      const bound = tb ?? b?.timedOutAfterMs;
      if (bound === undefined) continue;
      const step = bound / ta;
      steps.push(`${tb === undefined ? "> " : ""}${step.toFixed(1)}×`);
      if (tb !== undefined) {
        measuredAny = true;
        linear = linear && step <= 12;
      } else if (step >= 12) {
        measuredAny = true;
        linear = false;
      } else open = true;
    }
    if (steps.length) growth.push(`${label} ${steps.join(", ")}`);
  }
  const peak = rows.filter((r) => r.maxRssMB !== undefined);
  const maxPeak = extremeRow(peak, (r) => r.maxRssMB!);
  const sizes = [...new Set(rows.map((r) => r.ops))].sort((a, b) => a - b);
  const parts: string[] = [];
  let dominated: boolean | undefined;
  for (const ops of sizes) {
    const c = at("compile", ops);
    const s = at("compileSync", ops);
    if (!s?.ms || !c) continue;
    if (c.timedOutAfterMs) {
      parts.push(`${group(ops)} operations: compile() > ${c.timedOutAfterMs / 1000} s against ${ms(s.ms)} unformatted`);
      dominated = true;
    } else if (c.ms !== undefined) {
      // Left unformatted (over compile()'s size limit), the two differ only by noise.
      if (c.outputChars !== undefined && c.outputChars === s.outputChars) {
        parts.push(`${group(ops)} operations: left unformatted (${ms(c.ms)})`);
        continue;
      }
      const part = Math.max(0, (c.ms - s.ms) / c.ms);
      parts.push(`${group(ops)} operations: ${(part * 100).toFixed(0)}% (${ms(c.ms)} against ${ms(s.ms)} unformatted)`);
      dominated = (dominated ?? false) || part >= 0.5;
    }
  }
  const share: Verdict = {
    target: "prettier does not dominate compile()",
    measured: parts.length ? `formatting's share of compile(): ${parts.join("; ")}` : "—",
    met: dominated === undefined ? undefined : !dominated,
  };
  return [
    sizeVerdict(10000, 1000),
    sizeVerdict(100000, 10000),
    {
      target: "time linear in size: 10× the operations ≤ 12× the time",
      measured: growth.join("; ") || "—",
      met: !measuredAny || (linear && open) ? undefined : linear,
    },
    {
      target: "peak memory under 1 GB",
      measured: maxPeak
        ? `largest ${group(maxPeak.maxRssMB!)} MB (${maxPeak.mode}, ${group(maxPeak.ops)} operations)`
        : "—",
      met: maxPeak ? maxPeak.maxRssMB! < 1024 : undefined,
    },
    share,
  ];
}

function extremeRow(rows: ScalingResult[], v: (r: ScalingResult) => number): ScalingResult | undefined {
  return rows.reduce<ScalingResult | undefined>((best, r) => (!best || v(r) > v(best) ? r : best), undefined);
}

// ---- BENCHMARKS.md ------------------------------------------------------------------------

const mark = (met: boolean | undefined) => (met === undefined ? "not settled" : met ? "**met**" : "**missed**");

/** A Markdown table; columns are right-aligned (numbers) except the first and any in `left`. */
function markdownTable(head: string[], rows: string[][], left: number[] = []): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${head.map(esc).join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 || left.includes(i) ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

export function renderMarkdown(results: Results, root: string): string {
  const m = results.machine;
  const cases = results.cases;
  const live = cases.filter((r) => !r.skipped);
  const findingsPath = join(root, "bench", "FINDINGS.md");
  const findings = existsSync(findingsPath) ? readFileSync(findingsPath, "utf8").trim() : "";
  const notes = live.flatMap((r) =>
    Object.entries(r.notes)
      .filter(([, why]) => why !== "none")
      .map(([variant, why]) => `- ${r.name}, ${variant}: ${why}`),
  );
  const remarks = live.flatMap((r) =>
    Object.entries(r.remarks ?? {}).map(
      ([peer, remark]) => `- ${r.name}, ${peer}: ${remark}; set-up ${ms(r.setupMs?.[peer])}`,
    ),
  );
  const scaling = results.compile;
  const scalingRows = [...new Set(scaling.map((r) => r.ops))].map((ops) => {
    const get = (mode: string) => scaling.find((r) => r.ops === ops && r.mode === mode);
    const cell = (r: ScalingResult | undefined) =>
      !r
        ? "—"
        : r.skipped
          ? r.skipped.replace(/^not run: (.*)$/, "not run ($1)")
          : r.timedOutAfterMs
            ? `> ${r.timedOutAfterMs / 1000} s (killed)`
            : ms(r.ms);
    const s = get("compileSync");
    return [
      group(ops),
      group(s?.inputLines ?? 0),
      cell(s),
      ms(s?.warmMs),
      cell(get("compile")),
      cell(get("cli")),
      ["compileSync", "compile", "cli"]
        .map((mode) => (get(mode)?.maxRssMB ? group(get(mode)!.maxRssMB!) : "—"))
        .join(" / "),
    ];
  });
  const verdicts = [...compileVerdicts(scaling), ...generatedCodeVerdicts(live), ...tensorVerdicts(live)];
  const allocation = live
    .filter((r) => r.bytesPerCall !== undefined)
    .map((r) => [
      r.name,
      String(r.allocationSites?.length ?? "—"),
      group(r.bytesPerCall!),
      r.resultBytesPerCall === undefined ? "—" : group(r.resultBytesPerCall),
      r.primalBytesPerCall === undefined ? "—" : group(r.primalBytesPerCall),
      r.tapeBytesPerCall === undefined ? "—" : group(r.tapeBytesPerCall),
    ]);

  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) on ${m.date.slice(0, 10)}; raw figures in
[bench/results.json](bench/results.json). Do not edit by hand: rerun the benchmark. The
findings at the end are kept in bench/FINDINGS.md.

## Machine

- CPU: ${m.cpu}, ${m.cores} cores; ${m.memoryGB} GB memory; ${m.os}
- Node ${m.node} (V8 ${m.v8}); adgen at ${m.commit}
- Date: ${m.date}
- Load average (1 min) at start and end: ${m.loadStart.toFixed(2)} / ${m.loadEnd?.toFixed(2) ?? "—"}: the machine is shared,
  so absolute times carry some noise; the ratios are measured side by side and hold better.
- The whole run took ${results.durationS.toFixed(0)} s.

## Method

- Every case is compiled by the current adgen (dist/, \`compileSync\`, plain JavaScript) at
  bench time into bench/.out/gen and imported; the primal is the same TypeScript source.
- Each variant runs in its own loop, generated for it with \`new Function\` (its own JIT
  feedback), over a pool of ${1024} pre-generated inputs (4 for GMM), adding the value and every gradient
  entry to a checksum that is printed at the end, so that no work is dead.
- f, f_grad, the hand-written gradient, f_jvp and f_hvp: calibrated to ${results.timing.repMs} ms per repetition, ${warmupMethod(results.timing)}, then ${results.timing.reps} repetitions taken round-robin; the figure is the median time per call.
- Peers: ${results.peerTiming.repMs} ms per repetition (at least one call), ${results.peerTiming.warmMs} ms warm-up, ${results.peerTiming.reps} repetitions, median.
${results.peers.map((p) => `  - ${p.name}: ${p.description}`).join("\n")}
- Before timing, every gradient is checked against central finite differences, and every
  peer and hand-written gradient against adgen's (normwise relative difference; tfjs to 2e-2
  because it computes in float32).
- Allocation: bytes per call measured from \`heapUsed\` growth while results are kept alive
  (so escape analysis cannot remove them), against a function that only builds a result of
  the same shape; plus a static check of the generated code.
- Compile time: a random program from bench/generate.ts per size, each measurement in a
  fresh process; compileSync cold is the first call in the process (JIT warm-up included),
  warm the median of later calls; compile() is prettier-formatted; the CLI is
  \`node dist/cli/adgen.js <file> -o <out>\`, wall time, startup included. Peak memory is the
  process's maximum resident set.

## Results

Time per call, median. grad/f is f_grad's time over f's and grad/hand over the hand-written
gradient's, each the median of the ratios of repetitions taken back to back; X/adgen is how
many times slower X is than adgen's f_grad.

${markdownTable(
  COLUMNS.map((c) => c.head),
  live.map((r) => COLUMNS.map((c) => c.cell(r))),
)}

${warmupSection(live)}Cases:
${cases.map((r) => `- **${r.name}**: ${r.title}${r.skipped ? ` — *skipped: ${r.skipped}*` : ""}`).join("\n")}
${tensorSection(live)}${notes.length ? `\nWhere a figure is missing:\n${notes.join("\n")}\n` : ""}${remarks.length ? `\nPeer set-up (one-off, not in the figures above):\n${remarks.join("\n")}\n` : ""}
Agreement with the reference gradient (largest normwise relative difference over the checked points):

${markdownTable(
  ["case", "FD", "hand", "tfjs", "mathjs"],
  live.map((r) => [
    r.name,
    ...["fd", "hand", "tfjs", "mathjs"].map((v) => (r.errors[v] === undefined ? "—" : r.errors[v]!.toExponential(1))),
  ]),
)}

Allocation of f_grad:

${markdownTable(["case", "allocation sites (static)", "f_grad bytes/call", "bare result of the same shape", "f bytes/call", "f_grad tape bytes/call"], allocation)}

## Readability of the generated code

Backward statements per forward operation, per fixture suite (\`node --import tsx
bench/readability.ts\`; deterministic, computed when this page is written): each line of the
backward pass counts once (an \`if\`, a loop and an \`else\` once each, an \`else if\` once), operations
are the nodes of the optimised graph. The lecture's straight-line code is 1.4; the target for every suite is a
median of at most 2.0.

${markdownTable(
  ["suite", "functions", "median", "max", "median ≤ 2.0"],
  readability().map((r) => [r.suite, String(r.functions), r.median.toFixed(2), r.max.toFixed(2), mark(r.median <= 2)]),
)}

## Compile-time scaling

Random straight-line functions from bench/generate.ts (seed 7 + size).

${markdownTable(
  [
    "operations",
    "input lines",
    "compileSync, cold",
    "compileSync, warm",
    "compile() (prettier)",
    "CLI",
    "peak MB (sync / compile / CLI)",
  ],
  scalingRows,
)}

## Targets

${markdownTable(
  ["target", "measured", "verdict"],
  verdicts.map((v) => [v.target, v.measured, mark(v.met)]),
  [1, 2],
)}
${results.failures.length ? `\n**Failed checks:**\n${results.failures.map((f) => `- ${f}`).join("\n")}\n` : ""}
${findings ? `\n${findings}\n` : ""}`;
}

/** The warm-up rule as a sentence, for results written before it existed too. */
function warmupMethod(t: TimingOptions): string {
  if (t.warmMaxMs === undefined || t.warmMaxMs <= t.warmMs) return `${t.warmMs} ms warm-up`;
  return (
    `warmed up round-robin until each variant has run at least ${t.warmMs} ms and ${group(t.warmCalls ?? 0)} calls ` +
    `(V8 queues straight-line code for TurboFan after 500 to 750 calls, whatever its size) and its time per call has ` +
    `settled (the best repetition of the last quarter of the warm-up within 3% of the best before it) ` +
    `and the number of its functions V8 has optimised (a split function's parts included) has not changed in the second half of the warm-up, ` +
    `at most ${(t.warmMaxMs / 1000).toFixed(0)} s per case (bench/measure.ts \`warmUp\`; the table below says how long each took)`
  );
}

/** How long each case's variants took to warm up. */
function warmupSection(cases: CaseResult[]): string {
  const rows = cases
    .filter((r) => r.warmup)
    .map((r) => [r.name, ...["f", "adgen", "hand", "jvp", "hvp"].map((v) => warmCell(r.warmup![v]))]);
  if (rows.length === 0) return "";
  return `Warm-up (time until warm, calls; "cap" where the variant was not warm by the cap):

${markdownTable(["case", "f", "f_grad", "hand", "f_jvp", "f_hvp"], rows)}

`;
}

function warmCell(w: Warmup | undefined): string {
  if (!w) return "—";
  return `${(w.ms / 1000).toFixed(1)} s, ${group(w.calls)}${w.warm ? "" : " (cap)"}`;
}
