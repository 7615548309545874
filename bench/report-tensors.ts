/**
 * The tensor libraries against adgen on the cases that have a tensor model (the MLP of issue
 * 14, bench/cases/mlp-mnist): a table of times and ratios, the agreement of each library's
 * gradient with adgen's, and issue 14's targets (batch 32: f_grad at least as fast as
 * tfjs-wasm; batch 1: at least 3× faster than every library).
 */
import type { CaseResult, Verdict } from "./report.js";

function duration(ns: number | undefined): string {
  if (ns === undefined) return "—";
  const [v, unit] = ns < 1e3 ? [ns, "ns"] : ns < 1e6 ? [ns / 1e3, "µs"] : [ns / 1e6, "ms"];
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${unit}`;
}

function markdownTable(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

const PEERS = ["tfjs-cpu", "tfjs-wasm", "jax-f64", "jax-f32"];

const times = (x: number | undefined) => (x === undefined ? "—" : `${x.toFixed(2)}×`);
const ratio = (peer: number | undefined, adgen: number | undefined) =>
  peer !== undefined && adgen !== undefined ? peer / adgen : undefined;

/** The cases at least one tensor peer ran on (or said why not). */
export const tensorCases = (live: CaseResult[]) =>
  live.filter((r) => PEERS.some((p) => r.ns[p] !== undefined || r.notes[p] !== undefined));

function rows(live: CaseResult[]): string[][] {
  return tensorCases(live).map((r) => [
    r.name,
    duration(r.ns.f),
    r.ns.adgen === undefined ? "n/a" : duration(r.ns.adgen),
    ...PEERS.flatMap((p) => [r.ns[p] === undefined ? "n/a" : duration(r.ns[p]), times(ratio(r.ns[p], r.ns.adgen))]),
  ]);
}

const HEAD = ["case", "f", "f_grad", ...PEERS.flatMap((p) => [p, `${p}/adgen`])];

/** The section of BENCHMARKS.md; empty when no case has a tensor model. */
export function tensorSection(live: CaseResult[]): string {
  const cases = tensorCases(live);
  if (cases.length === 0) return "";
  return `
Array code against tensor libraries (time per call, median; X/adgen is how many times slower X
is than adgen's f_grad; the libraries' inputs are tensors made once, and a call reads every
gradient entry back into JavaScript):

${markdownTable(HEAD, rows(live))}

Their agreement with adgen's gradient (float32 peers to 1e-4; jax-f64 to 1e-5, since jax-js's
float64 exp, tanh and log carry errors of 1e-8 to 5e-7):

${markdownTable(
  ["case", ...PEERS],
  cases.map((r) => [r.name, ...PEERS.map((p) => (r.errors[p] === undefined ? "—" : r.errors[p]!.toExponential(1)))]),
)}
`;
}

/** The same table for the terminal. */
export function tensorText(live: CaseResult[]): string {
  const body = rows(live);
  if (body.length === 0) return "";
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join("  ");
  return ["", "tensor libraries:", line(HEAD), ...body.map(line)].join("\n");
}

export function tensorVerdicts(live: CaseResult[]): Verdict[] {
  const find = (batch: number) => live.find((r) => r.name === `mlp784-b${batch}`);
  const b32 = find(32);
  const b1 = find(1);
  const wasm = ratio(b32?.ns["tfjs-wasm"], b32?.ns.adgen);
  const slowest = b1 ? PEERS.map((p) => ({ p, v: ratio(b1.ns[p], b1.ns.adgen) })).filter((x) => x.v !== undefined) : [];
  const least = slowest.reduce<{ p: string; v: number } | undefined>(
    (best, x) => (best === undefined || x.v! < best.v ? { p: x.p, v: x.v! } : best),
    undefined,
  );
  return [
    {
      target: "MLP 784-64-10 at batch 32: f_grad at least as fast as tfjs-wasm",
      measured: wasm === undefined ? "—" : `tfjs-wasm/adgen ${wasm.toFixed(2)}`,
      met: wasm === undefined ? undefined : wasm >= 1,
    },
    {
      target: "MLP 784-64-10 at batch 1: ≥ 3× faster than every tensor library",
      measured: least ? `least ${least.v.toFixed(2)}× (${least.p}) of ${slowest.length} libraries` : "—",
      met: least ? least.v >= 3 && slowest.length === PEERS.length : undefined,
    },
  ];
}
