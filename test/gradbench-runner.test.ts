/** The GradBench runner's pure parts: options, the relay's bookkeeping, verdicts, the report. */
import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_RUNS, REQUIRED } from "../gradbench/runner/evals.js";
import { parseOptions, UsageError } from "../gradbench/runner/options.js";
import { fingerprint, prepare, PrepareError } from "../gradbench/runner/prepare.js";
import type { RelayRun } from "../gradbench/runner/relay.js";
import { median, RelayState } from "../gradbench/runner/relay-state.js";
import { ratioSummary, render, rows } from "../gradbench/runner/render.js";
import { judge, mergeEval, type EvalResult, type ToolResult } from "../gradbench/runner/results.js";
import { plan } from "../gradbench/runner/run.js";

describe("options", () => {
  it("separates the eval's options from the runner's, in any order", () => {
    const o = parseOptions(
      ["lse", "-n", "2500", "10000", "--gradbench", "/gb", "--min-seconds", "0.2", "--tools=adgen,manual", "--quiet"],
      {},
    );
    expect(o.evals).toEqual(["lse"]);
    expect(o.evalArgs).toEqual(["-n", "2500", "10000", "--min-seconds", "0.2"]);
    expect(o.gradbench).toBe("/gb");
    expect(o.tools).toEqual(["adgen", "manual"]);
    expect(o.quiet).toBe(true);
    expect(o.all).toBe(false);
  });
  it("takes the checkout from $GRADBENCH unless --gradbench says otherwise", () => {
    expect(parseOptions(["det"], { GRADBENCH: "/env" }).gradbench).toBe("/env");
    expect(parseOptions(["det", "--gradbench", "/opt"], { GRADBENCH: "/env" }).gradbench).toBe("/opt");
    expect(parseOptions(["det"], {}).gradbench).toBeUndefined();
  });
  it("reads tool commands, several evals, all, and the defaults", () => {
    const o = parseOptions(["hello,lse", "--tool", "adgen=node stub.mjs --fast", "--timeout", "5"], {});
    expect(o.evals).toEqual(["hello", "lse"]);
    expect(o.toolCommands).toEqual({ adgen: "node stub.mjs --fast" });
    expect(o.timeoutS).toBe(5);
    expect(o.results).toBe("gradbench/results.json");
    expect(o.out).toBe("GRADBENCH.md");
    expect(o.tools).toEqual(["adgen", "manual", "tfjs"]);
    expect(parseOptions(["all", "--min-seconds", "0.1"], {})).toMatchObject({ all: true, evals: [] });
  });
  it("refuses what it cannot use", () => {
    expect(() => parseOptions([], {})).toThrow(/which eval/);
    expect(() => parseOptions(["lse", "--tools", "jax"], {})).toThrow(/unknown tool jax/);
    expect(() => parseOptions(["lse", "--tool", "adgen"], {})).toThrow(UsageError);
    expect(() => parseOptions(["lse", "--tool", "pytorch=x"], {})).toThrow(UsageError);
    expect(() => parseOptions(["lse", "--timeout", "soon"], {})).toThrow(/--timeout/);
    expect(() => parseOptions(["lse", "--out"], {})).toThrow(/--out needs a value/);
    expect(() => parseOptions(["../lse"], {})).toThrow(/not an eval's name/);
    expect(parseOptions(["--render"], {}).render).toBe(true);
  });
  it("gives `all` every required eval, its reduced sizes first and the user's options after", () => {
    const p = plan(parseOptions(["all", "--min-seconds", "0.1"], {}));
    expect(p.map((x) => x.eval)).toEqual([...REQUIRED]);
    for (const x of p) expect(x.args).toEqual([...ALL_RUNS[x.eval]!.args, "--min-seconds", "0.1"]);
    expect(plan(parseOptions(["gmm", "-d", "2"], {}))).toEqual([{ eval: "gmm", args: ["-d", "2"] }]);
  });
  it("runs one eval given no eval options at the reduced sizes of `all`, with their note", () => {
    const [det] = plan(parseOptions(["det", "--tools", "adgen"], {}));
    expect(det!.args).toEqual(ALL_RUNS.det!.args);
    expect(det!.note).toBe(ALL_RUNS.det!.note);
    expect(plan(parseOptions(["det", "-l", "5"], {}))).toEqual([{ eval: "det", args: ["-l", "5"] }]);
  });
});

const line = (m: object) => JSON.stringify(m);

describe("the relay's bookkeeping", () => {
  it("passes every line on and records each evaluation with its median time and verdict", () => {
    const seen: string[] = [];
    const s = new RelayState((e, event) => seen.push(`${e.function}:${event}`));
    expect(s.fromEval(line({ id: 0, kind: "start", eval: "lse" }))).toEqual({
      toTool: line({ id: 0, kind: "start", eval: "lse" }),
      end: false,
      abort: false,
    });
    expect(s.fromTool(line({ id: 0, tool: "adgen" })).toEval).toBe(line({ id: 0, tool: "adgen" }));
    s.fromEval(line({ id: 1, kind: "define", module: "lse" }));
    s.fromTool(line({ id: 1, success: true }));
    s.fromEval(line({ id: 2, kind: "evaluate", module: "lse", function: "primal", input: {}, description: "n=4" }));
    const timings = [30, 10, 20, 1].map((nanoseconds) => ({ name: "evaluate", nanoseconds }));
    s.fromTool(line({ id: 2, success: true, output: 1, timings: [...timings, { name: "parse", nanoseconds: 9 }] }));
    s.fromEval(line({ id: 3, kind: "analysis", of: 2, valid: false, error: "expected 2" }));
    expect(s.unanswered()).toBe(1); // the analysis waits for its answer too
    s.fromTool(line({ id: 3 }));
    s.fromEval(line({ id: 4, kind: "evaluate", module: "lse", function: "gradient", input: {} }));
    s.fromTool(line({ id: 4, success: false, error: "boom" }));
    expect(s.fromEval(line({ id: 5, kind: "end" }))).toMatchObject({ end: true });
    expect(s.unanswered()).toBe(0);
    expect(s.record).toEqual({
      toolName: "adgen",
      defined: true,
      problems: [],
      evaluations: [
        { function: "primal", description: "n=4", ns: 10, runs: 4, success: true, valid: false, error: "expected 2" },
        { function: "gradient", runs: 0, success: false, error: "boom" },
      ],
    });
    expect(seen).toEqual(["primal:answered", "primal:analysed", "gradient:answered"]);
  });
  it("stops at lines that are not protocol", () => {
    const s = new RelayState();
    s.fromEval(line({ id: 0, kind: "start" }));
    expect(s.fromTool("Loading model...").abort).toBe(true);
    expect(s.fromTool(line({ id: 7 })).abort).toBe(true);
    expect(s.fromEval("[1]").abort).toBe(true);
    expect(s.record.problems).toEqual([
      "the tool sent a line that is not JSON: Loading model...",
      "the tool answered id 7, which nothing asked",
      "the eval sent a JSON line that is not an object: [1]",
    ]);
    expect(s.fromTool("").abort).toBe(false);
  });
  it("records a refused define", () => {
    const s = new RelayState();
    s.fromEval(line({ id: 0, kind: "define", module: "ba" }));
    s.fromTool(line({ id: 0, success: false, error: "no ba" }));
    expect(s.record).toMatchObject({ defined: false, defineError: "no ba" });
  });
  it("takes the lower median of an even count", () => {
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([5])).toBe(5);
    expect(median([])).toBeUndefined();
  });
});

const run = (over: Partial<RelayRun>): RelayRun => ({
  evaluations: [{ function: "f", runs: 1, ns: 5, success: true, valid: true }],
  problems: [],
  defined: true,
  evalExit: 0,
  toolExit: 0,
  timedOut: false,
  evalStderr: "",
  toolStderr: "",
  seconds: 1,
  unanswered: 0,
  ...over,
});

describe("verdicts", () => {
  const ev = (over: object) => ({ function: "f", runs: 1, ns: 5, success: true, valid: true, ...over });
  it("is valid only when the eval judged every answer valid", () => {
    expect(judge(run({}))).toEqual({ verdict: "valid", detail: "1 of 1 valid", errors: [] });
    expect(judge(run({ evaluations: [ev({}), ev({ valid: false, error: "off by one" })] }))).toMatchObject({
      verdict: "invalid",
      detail: "1 of 2 valid, 1 invalid",
      errors: ["f  invalid: off by one"],
    });
  });
  it("fails on anything that kept the eval from judging", () => {
    expect(judge(run({ evaluations: [ev({}), ev({ success: false, error: "boom" })] })).verdict).toBe("failed");
    expect(judge(run({ evaluations: [ev({ valid: undefined })] })).detail).toBe("0 of 1 valid, 1 not judged");
    expect(judge(run({ defined: false, defineError: "no module", evaluations: [] }))).toMatchObject({
      verdict: "failed",
      detail: "define failed",
      errors: ["define failed: no module"],
    });
    expect(judge(run({ evaluations: [] }))).toMatchObject({ verdict: "failed", detail: "no evaluation" });
    expect(judge(run({ timedOut: true, seconds: 60 })).errors).toEqual(["timed out after 60 s"]);
    expect(judge(run({ evalExit: 1, evalStderr: "Traceback\nModuleNotFoundError: scipy" })).errors).toEqual([
      "the eval exited with 1: Traceback\nModuleNotFoundError: scipy",
    ]);
    expect(judge(run({ unanswered: 1, toolExit: 3 })).errors).toEqual([
      "the tool left 1 message(s) unanswered",
      "the tool exited with 3",
    ]);
    expect(judge(run({ problems: ["the tool sent a line that is not JSON: hi"] })).verdict).toBe("failed");
    // Killed after it had answered everything (it did not exit when its input ended): still valid.
    expect(judge(run({ toolExit: null })).verdict).toBe("valid");
  });
});

const tool = (verdict: ToolResult["verdict"], evaluations: ToolResult["evaluations"]): ToolResult => ({
  verdict,
  detail: `${evaluations.length} of ${evaluations.length} valid`,
  errors: verdict === "valid" ? [] : ["the eval exited with 1: scipy missing"],
  command: "cmd",
  seconds: 3,
  evaluations,
});
const e = (fn: string, description: string | undefined, ns: number | undefined, valid = true) => ({
  function: fn,
  ...(description === undefined ? {} : { description }),
  ...(ns === undefined ? {} : { ns }),
  runs: 1,
  success: true,
  valid,
});
const machine = {
  cpu: "Test CPU",
  cores: 2,
  memoryGB: 8,
  os: "Linux",
  node: "v20",
  v8: "11",
  date: "2026-11-30T17:00:00.000Z",
  commit: "abc1234",
  loadStart: 1.5,
  python: "Python 3.11",
};
const lse: EvalResult = {
  eval: "lse",
  args: ["-n", "10", "20"],
  note: "Reduced for the test.",
  date: "2026-11-30T17:00:00.000Z",
  machine,
  skipped: {},
  tools: {
    adgen: tool("valid", [e("primal", "n=10", 200), e("gradient", "n=10", 400), e("primal", "n=20", 300)]),
    manual: tool("valid", [e("primal", "n=10", 100), e("gradient", "n=10", 100), e("primal", "n=20", 100)]),
    tfjs: tool("invalid", [e("primal", "n=10", 2_000_000), e("gradient", "n=10", 4_000_000, false)]),
  },
};

describe("the report", () => {
  it("lines up the tools' evaluations, repeated ones by their order", () => {
    const hello: EvalResult = {
      ...lse,
      eval: "hello",
      tools: {
        adgen: tool("valid", [e("square", undefined, 1), e("double", undefined, 2), e("square", undefined, 3)]),
        manual: tool("valid", [e("square", undefined, 10), e("double", undefined, 20)]),
      },
    };
    const r = rows(hello);
    expect(r.map((x) => [x.function, x.byTool.adgen?.ns, x.byTool.manual?.ns])).toEqual([
      ["square", 1, 10],
      ["double", 2, 20],
      ["square", 3, undefined],
    ]);
  });
  it("summarises ratios by their geometric mean and range", () => {
    expect(ratioSummary(lse, "adgen", "manual")).toBe("2.88× (2.00× to 4.00×)");
    expect(ratioSummary(lse, "tfjs", "adgen")).toBe("10000× (10000× to 10000×)");
  });
  it("shows times, ratios, verdicts, the machine and what was not run", () => {
    const kmeans: EvalResult = {
      ...lse,
      eval: "kmeans",
      args: [],
      note: undefined as unknown as string,
      tools: { adgen: tool("failed", []), manual: tool("valid", [e("cost", "k=1", 1e9)]) },
      skipped: { tfjs: "not among the evals it supports" },
    };
    delete (kmeans as { note?: string }).note;
    const md = render({ version: 1, evals: { lse, kmeans } });
    expect(md).toContain(
      "| [lse](#lse) | 3 | valid | valid | **invalid** | 2.88× (2.00× to 4.00×) | 10000× (10000× to 10000×) |",
    );
    expect(md).toContain("| [kmeans](#kmeans) | 1 | **failed** | valid | — | — | — |");
    expect(md).toContain("Not run yet: hello, llsq, det, ode, gmm, particle, saddle.");
    expect(md).toContain("- Test CPU, 2 cores, 8 GB; Linux; Node v20; Python 3.11");
    expect(md).toContain("Run 2026-11-30 17:00 UTC with `-n 10 20` (adgen abc1234, load 1.5). Reduced for the test.");
    expect(md).toContain("| size | function | adgen | manual | tfjs | adgen/manual | tfjs/adgen |");
    expect(md).toContain("| n=10 | gradient | 400 ns | 100 ns | 4.00 ms (invalid) | 4.00× | 10000× |");
    expect(md).toContain("| n=20 | primal | 300 ns | 100 ns | — | 3.00× | — |");
    expect(md).toContain("- tfjs: **invalid** (2 of 2 valid), 3 s in all\n  - the eval exited with 1: scipy missing");
    expect(md).toContain("- tfjs: not run: not among the evals it supports");
    expect(md).toContain("| size | function | adgen | manual | adgen/manual |"); // kmeans: no tfjs columns
    expect(md).toContain("| k=1 | cost | — | 1.00 s | — |");
    expect(md).toContain("dir is the Newton direction: it needs the Hessian's diagonal");
    for (const missing of ["**ba**", "**ht**", "**lstm**", "dataclasses-json"]) expect(md).toContain(missing);
    // Sections in the required order, whatever order the results file has.
    expect(md.indexOf("## lse")).toBeLessThan(md.indexOf("## kmeans"));
  });
});

describe("keeping results", () => {
  const order = ["adgen", "manual", "tfjs"];
  const now: EvalResult = { ...lse, date: "2026-12-01T10:00:00.000Z", tools: { adgen: lse.tools.adgen! }, skipped: {} };
  it("keeps the tools not run again when the eval ran with the same options", () => {
    const merged = mergeEval(lse, now, order);
    expect(Object.keys(merged.tools)).toEqual(["adgen", "manual", "tfjs"]);
    expect(merged.tools.manual).toBe(lse.tools.manual);
    expect(merged.date).toBe(now.date);
  });
  it("replaces the record when the options differ, and drops a tool that now says it does not support the eval", () => {
    expect(mergeEval(lse, { ...now, args: ["-n", "10"] }, order).tools).toEqual({ adgen: lse.tools.adgen });
    const skipped = mergeEval(lse, { ...now, skipped: { tfjs: "not among the evals it supports" } }, order);
    expect(Object.keys(skipped.tools)).toEqual(["adgen", "manual"]);
    expect(skipped.skipped).toEqual({ tfjs: "not among the evals it supports" });
    expect(mergeEval(undefined, now, order)).toBe(now);
  });
});

describe("preparing the checkout", () => {
  it("refuses a folder that is not GradBench, and fingerprints a checkout by its files", () => {
    const dir = mkdtempSync(join(tmpdir(), "adgen-gb-test-"));
    try {
      expect(() => prepare(dir, dir, join(dir, "cache"), () => {})).toThrow(PrepareError);
      expect(() => prepare(join(dir, "nowhere"), dir, join(dir, "cache"), () => {})).toThrow(/no GradBench checkout/);
      mkdirSync(join(dir, "evals"));
      writeFileSync(join(dir, "evals/a.txt"), "1");
      const before = fingerprint(dir, "/repo");
      expect(fingerprint(dir, "/repo")).toBe(before);
      expect(fingerprint(dir, "/other-repo")).not.toBe(before);
      utimesSync(join(dir, "evals/a.txt"), new Date(0), new Date(0));
      expect(fingerprint(dir, "/repo")).not.toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
