/**
 * `npm run gradbench` end to end against a fake eval and fake tools (test/gradbench/*.mjs) that
 * speak GradBench's protocol, so that neither Python nor a GradBench checkout is needed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { relay } from "../gradbench/runner/relay.js";
import type { Results } from "../gradbench/runner/results.js";

const repo = join(import.meta.dirname, "..");
const fakes = join(import.meta.dirname, "gradbench");
const fakeEval = `node ${join(fakes, "fake-eval.mjs")} {eval}`;
const fakeTool = (behaviour: string, unit = 1000) => `node ${join(fakes, "fake-tool.mjs")} ${behaviour} ${unit}`;
const dir = mkdtempSync(join(tmpdir(), "adgen-gb-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gradbench(...args: string[]) {
  const env = { ...process.env };
  delete env.GRADBENCH;
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "gradbench/runner/cli.ts",
      ...args,
      "--results",
      join(dir, "r.json"),
      "--out",
      join(dir, "GB.md"),
    ],
    { cwd: repo, env, encoding: "utf8", timeout: 170_000 },
  );
  return { code: r.status, stderr: r.stderr };
}
const results = () => JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as Results;
/** The report with prettier's column padding collapsed. */
const report = () => readFileSync(join(dir, "GB.md"), "utf8").replace(/ +/g, " ");

// One scenario in steps: each test starts from the results the previous one left. Each step spawns
// the runner (tsx) a few times, slow on a loaded machine.
describe("npm run gradbench, against fakes", { timeout: 180_000 }, () => {
  it("runs an eval against every tool, judges each and writes the results and the report", () => {
    const r = gradbench(
      "twice",
      "1",
      "2",
      "3",
      "--eval-command",
      fakeEval,
      "--tool",
      `adgen=${fakeTool("good", 2000)}`,
      "--tool",
      `manual=${fakeTool("good", 1000)}`,
      "--tool",
      `tfjs=${fakeTool("wrong", 8000)}`,
      "--quiet",
    );
    expect(r.stderr).toContain("gradbench: twice × adgen: valid (3 of 3 valid)");
    expect(r.code).toBe(0);
    const twice = results().evals.twice!;
    expect(twice.args).toEqual(["1", "2", "3"]);
    expect(Object.fromEntries(Object.entries(twice.tools).map(([t, x]) => [t, x.verdict]))).toEqual({
      adgen: "valid",
      manual: "valid",
      tfjs: "invalid",
    });
    expect(twice.tools.adgen!.evaluations.map((x) => x.ns)).toEqual([2000, 4000, 6000]);
    expect(twice.tools.tfjs!.errors).toEqual(["double x=3 invalid: expected 6, got 7"]);
    const md = report();
    expect(md).toContain(
      "| [twice](#twice) | 3 | valid | valid | **invalid** | 2.00× (2.00× to 2.00×) | 4.00× (4.00× to 4.00×) |",
    );
    expect(md).toContain("| x=3 | double | 6.00 µs | 3.00 µs | 24.0 µs (invalid) | 2.00× | 4.00× |");
    expect(md).toContain("Run ");
    expect(md).toContain("with `1 2 3`");
  });

  it("keeps the other evals' results when one eval is run, and says when adgen's tool fails", () => {
    const r = gradbench(
      "other",
      "--eval-command",
      fakeEval,
      "--tools",
      "adgen,manual",
      "--tool",
      `adgen=${fakeTool("crash")}`,
      "--tool",
      `manual=${fakeTool("good")}`,
      "--quiet",
    );
    expect(r.code).toBe(1);
    const { evals } = results();
    expect(Object.keys(evals).sort()).toEqual(["other", "twice"]);
    expect(evals.other!.tools.adgen).toMatchObject({ verdict: "failed", detail: "1 of 1 valid" });
    expect(evals.other!.tools.adgen!.errors).toEqual([
      "the tool left 1 message(s) unanswered",
      "the tool exited with 3",
    ]);
    expect(evals.other!.tools.tfjs).toBeUndefined();
    const md = report();
    expect(md).toContain("## twice");
    expect(md).toContain("| [other](#other) | 3 | **failed** | valid | — | 1.00× | — |");
    // Run again: replaced, the other kept.
    expect(
      gradbench(
        "twice",
        "--eval-command",
        fakeEval,
        "--tools",
        "adgen",
        "--tool",
        `adgen=${fakeTool("good")}`,
        "--quiet",
      ).code,
    ).toBe(0);
    expect(Object.keys(results().evals.twice!.tools)).toEqual(["adgen"]);
    expect(results().evals.other!.tools.adgen!.verdict).toBe("failed");
    // adgen's tool again alone, same options: manual's stored result stays.
    expect(
      gradbench(
        "other",
        "--eval-command",
        fakeEval,
        "--tools",
        "adgen",
        "--tool",
        `adgen=${fakeTool("good", 3000)}`,
        "--quiet",
      ).code,
    ).toBe(0);
    const other = results().evals.other!;
    expect(Object.keys(other.tools)).toEqual(["adgen", "manual"]);
    expect(other.tools.adgen!.verdict).toBe("valid");
    expect(report()).toContain("| [other](#other) | 3 | valid | valid | — | 3.00× (3.00× to 3.00×) | — |");
    // The report alone, from the results.
    rmSync(join(dir, "GB.md"));
    expect(gradbench("--render").code).toBe(0);
    expect(report()).toContain("## other");
  });

  it("needs a GradBench checkout for GradBench's evals and tools, and says so", () => {
    const r = gradbench("lse", "--tools", "adgen", "--tool", `adgen=${fakeTool("good")}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Give its checkout with --gradbench <path> or GRADBENCH=<path>");
    expect(gradbench("lse", "--eval-command", fakeEval, "--tools", "manual").stderr).toContain("--gradbench <path>");
    expect(gradbench("lse", "--gradbench", join(dir, "nowhere")).stderr).toContain("no GradBench checkout at");
    expect(existsSync(join(dir, "nowhere"))).toBe(false);
  });
});

describe("the relay", () => {
  const side = (command: string) => ({ command, cwd: repo });
  it("ends a tool that does not answer when the time is up", async () => {
    const r = await relay(side(`${fakeEval.replace("{eval}", "twice")}`), side(fakeTool("hang")), { timeoutMs: 3000 });
    expect(r.timedOut).toBe(true);
    expect(r.unanswered).toBe(1);
    expect(r.evaluations).toEqual([]);
  });
  it("stops at a tool that writes something else than protocol on stdout", async () => {
    const r = await relay(side(fakeEval.replace("{eval}", "twice")), side(fakeTool("noisy")), { timeoutMs: 20_000 });
    expect(r.problems).toEqual(["the tool sent a line that is not JSON: computing..."]);
    expect(r.timedOut).toBe(false);
  });
  it("records a failed evaluation and goes on, and a refused define", async () => {
    const r = await relay(side(fakeEval.replace("{eval}", "twice")), side(fakeTool("fail")), { timeoutMs: 20_000 });
    expect(r.evaluations.map((x) => [x.success, x.valid, x.error])).toEqual([
      [true, true, undefined],
      [false, undefined, "out of memory"],
      [true, true, undefined],
    ]);
    expect([r.evalExit, r.toolExit, r.unanswered]).toEqual([0, 0, 0]);
    const d = await relay(side(fakeEval.replace("{eval}", "twice")), side(fakeTool("nodefine")), { timeoutMs: 20_000 });
    expect(d).toMatchObject({ defined: false, defineError: "no such module", evaluations: [] });
  });
});
