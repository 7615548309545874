/**
 * A fuzzing run: generate `count` programs from `seed`, check each, shrink failures (a few per
 * failure kind), and summarise. Used by the CLI (fuzz/run.ts) and the smoke test (test/fuzz.test.ts).
 */
import { printProgram, type Program } from "./ast.js";
import { check, type Outcome } from "./check.js";
import { generate, programSeed } from "./generate.js";
import { shrink } from "./shrink.js";

export interface FuzzOptions {
  count: number;
  seed: number;
  /** How many failing programs of each kind to shrink (the rest are listed by number). */
  shrinkPerKind: number;
  /** Time limit for shrinking one program. */
  shrinkMs: number;
  /** Called after each program, e.g. for progress. */
  progress?: (done: number, failures: number) => void;
}

export interface Failure {
  key: string;
  /** The indices of the programs that failed this way. */
  programs: number[];
  /** Shrunk examples: the minimal program and what went wrong with it. */
  examples: { index: number; detail: string; source: string; tries: number }[];
}

export interface FuzzReport {
  options: FuzzOptions;
  passed: number;
  /** Refusals of documented limitations, by code. */
  refused: Record<string, number>;
  invalid: { index: number; reason: string }[];
  failures: Failure[];
  failed: number;
  /** Gradient entries compared with finite differences, and skipped at non-smooth points. */
  checked: number;
  skipped: number;
  /** f_jvp tangents compared with the gradient; f_hvp entries compared with differences of f_grad, and skipped. */
  tangents: number;
  hvp: number;
  hvpSkipped: number;
  /** Nested gradients' entries compared with f_hvp. */
  nested: number;
  ms: number;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const start = Date.now();
  const report: FuzzReport = {
    options,
    passed: 0,
    refused: {},
    invalid: [],
    failures: [],
    failed: 0,
    checked: 0,
    skipped: 0,
    tangents: 0,
    hvp: 0,
    hvpSkipped: 0,
    nested: 0,
    ms: 0,
  };
  const byKey = new Map<string, Failure>();
  const pending: { index: number; program: Program; outcome: Extract<Outcome, { status: "fail" }> }[] = [];
  for (let index = 0; index < options.count; index++) {
    const program = generate(options.seed, index);
    const outcome = await check(program, programSeed(options.seed, index));
    switch (outcome.status) {
      case "pass":
        report.passed++;
        report.checked += outcome.checked;
        report.skipped += outcome.skipped;
        report.tangents += outcome.modes.tangents;
        report.hvp += outcome.modes.hvp;
        report.hvpSkipped += outcome.modes.hvpSkipped;
        report.nested += outcome.modes.nested;
        break;
      case "refused":
        report.refused[outcome.code] = (report.refused[outcome.code] ?? 0) + 1;
        break;
      case "invalid":
        report.invalid.push({ index, reason: outcome.reason });
        break;
      case "fail": {
        report.failed++;
        let f = byKey.get(outcome.key);
        if (!f) byKey.set(outcome.key, (f = { key: outcome.key, programs: [], examples: [] }));
        f.programs.push(index);
        if (f.programs.length <= options.shrinkPerKind) pending.push({ index, program, outcome });
      }
    }
    options.progress?.(index + 1, report.failed);
  }
  for (const { index, program, outcome } of pending) {
    const shrunk = await shrink(program, programSeed(options.seed, index), outcome, options.shrinkMs);
    const source = printProgram(shrunk.program);
    const f = byKey.get(outcome.key)!;
    if (!f.examples.some((e) => e.source === source))
      f.examples.push({ index, detail: shrunk.outcome.detail, source, tries: shrunk.tries });
  }
  report.failures = [...byKey.values()].sort((a, b) => b.programs.length - a.programs.length);
  report.ms = Date.now() - start;
  return report;
}

/** Refusals by code: the documented ones and the failing ones together, so coverage shows. */
function refusals(r: FuzzReport): string {
  const counts = { ...r.refused };
  for (const f of r.failures) {
    const m = /^refused (\S+)/.exec(f.key);
    if (m) counts[m[1]!] = (counts[m[1]!] ?? 0) + f.programs.length;
  }
  const list = Object.entries(counts).sort();
  return list.length === 0 ? "none" : list.map(([c, n]) => `${c} ×${n}`).join(", ");
}

export function formatReport(r: FuzzReport): string {
  const { count, seed } = r.options;
  const lines = [
    `fuzz: ${count} programs, ${r.failed} failures (seed ${seed})`,
    `  passed ${r.passed}: ${r.checked} gradient entries checked against finite differences, ${r.skipped} skipped at non-smooth points`,
    `  forward and second order: ${r.tangents} f_jvp tangents checked against the gradient, ${r.hvp} f_hvp entries against differences of f_grad (${r.hvpSkipped} skipped at non-smooth points)`,
    `  nested: ${r.nested} entries of grad(grad(f) · c) and grad(jvp(f)(c)) equal to f_hvp's H·c`,
    `  refusals by code: ${refusals(r)} (failures unless the README documents the limitation)`,
    `  invalid programs (a generator bug, not adgen's): ${r.invalid.length}`,
    `  ${(r.ms / 1000).toFixed(1)} s`,
  ];
  if (r.failures.length > 0)
    lines.push(`  failures by kind: ${r.failures.map((f) => `${f.key} ×${f.programs.length}`).join(", ")}`);
  for (const inv of r.invalid.slice(0, 5)) lines.push(`  invalid #${inv.index}: ${inv.reason}`);
  for (const f of r.failures) {
    const more = f.programs.length > 12 ? `, ... (${f.programs.length})` : "";
    lines.push("", `== ${f.key}: programs #${f.programs.slice(0, 12).join(", #")}${more}`);
    for (const e of f.examples) {
      lines.push(`-- #${e.index} (--seed ${seed} --only ${e.index}), shrunk in ${e.tries} tries: ${e.detail}`);
      lines.push(e.source.trimEnd());
    }
  }
  return lines.join("\n");
}
