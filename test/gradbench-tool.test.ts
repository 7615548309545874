/**
 * adgen's GradBench tool (gradbench/tool): the companions it runs are what adgen generates now, and
 * `npm run --silent gradbench-tool`, fed GradBench protocol messages for each eval at small sizes,
 * writes one JSON response per message on stdout and nothing else, with answers equal to independent
 * references (test/support/gradbench-reference.ts): closed forms, or finite differences of the
 * definitions. saddle and particle are checked against GradBench's published results (its evals'
 * `expect`), as test/nested.test.ts does.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { companionFile, companions, modelFile } from "../gradbench/tool/companions.js";
import { compile } from "../src/index.js";
import { root } from "./support/fixtures.js";
import * as ref from "./support/gradbench-reference.js";
import { close, finiteDifference, rng } from "./support/numeric.js";

describe("the tool's generated companions", () => {
  it.each(companions.map((c) => [c.name, c.modes] as const))(
    "gradbench/tool/model/%s.grad.ts is what adgen generates (%s)",
    async (name, modes) => {
      const file = modelFile(name);
      const result = await compile(readFileSync(join(root, file), "utf8"), { fileName: file, modes, format: true });
      expect(result.diagnostics).toEqual([]);
      await expect(result.code).toMatchFileSnapshot(join(root, companionFile(name)));
    },
  );

  it("evals.txt lists the modules the tool loads", () => {
    const listed = readFileSync(join(root, "gradbench/tool/evals.txt"), "utf8").trim().split("\n");
    const main = readFileSync(join(root, "gradbench/tool/main.ts"), "utf8");
    const loaded = [...main.matchAll(/^\s+(\w+): \(\) => import\(/gm)].map((m) => m[1]);
    expect(listed).toEqual(loaded);
  });
});

const random = rng(0x6ad);
const uniform = (n: number, lo = 0, hi = 1) => Array.from({ length: n }, () => lo + (hi - lo) * random());
const runs = { min_runs: 2, min_seconds: 0 };

interface Evaluation {
  module: string;
  function: string;
  input: unknown;
  check: (output: unknown) => void;
}

const allClose = (actual: unknown, expected: number[], tol: number, what: string) => {
  expect(Array.isArray(actual), `${what}: an array`).toBe(true);
  const a = actual as number[];
  expect(a.length, what).toBe(expected.length);
  a.forEach((v, i) => expect(close(v, expected[i]!, tol), `${what}[${i}]: ${v}, expected ${expected[i]}`).toBe(true));
};

/** Central differences of `f` at `xs`, one per coordinate. */
const gradientByDifferences = (f: (xs: number[]) => number, xs: number[], h = 1e-4) =>
  xs.map((_, i) => finiteDifference(f, xs, i, h));

function evaluations(): Evaluation[] {
  const out: Evaluation[] = [];
  const add = (module: string, fn: string, input: unknown, check: (output: unknown) => void) =>
    out.push({ module, function: fn, input, check });

  add("hello", "square", 3, (o) => expect(o).toBe(9));
  add("hello", "double", 9, (o) => expect(o).toBe(18));

  for (const n of [1, 7, 40]) {
    const x = uniform(n, -3, 3);
    add("lse", "primal", { x, ...runs }, (o) => expect(close(o as number, ref.lse(x), 1e-12)).toBe(true));
    add("lse", "gradient", { x, ...runs }, (o) => allClose(o, ref.softmax(x), 1e-12, `lse n=${n}`));
  }

  for (const [n, m] of [
    [16, 1],
    [9, 4],
    [33, 6],
  ] as const) {
    const x = uniform(m);
    const { value, grad } = ref.llsq(x, n);
    add("llsq", "primal", { x, n, ...runs }, (o) => expect(close(o as number, value, 1e-12)).toBe(true));
    add("llsq", "gradient", { x, n, ...runs }, (o) => allClose(o, grad, 1e-12, `llsq n=${n},m=${m}`));
  }

  for (const ell of [1, 2, 3, 5]) {
    const A = uniform(ell * ell, -1, 1);
    add("det", "primal", { A, ell, ...runs }, (o) =>
      expect(close(o as number, ref.determinant(A, ell), 1e-12), `det ${ell}: ${o}`).toBe(true),
    );
    add("det", "gradient", { A, ell, ...runs }, (o) => allClose(o, ref.cofactors(A, ell), 1e-12, `det ${ell}`));
  }

  for (const [n, s] of [
    [1, 1],
    [4, 3],
    [7, 10],
  ] as const) {
    const x = uniform(n);
    add("ode", "primal", { x, s, ...runs }, (o) => allClose(o, ref.ode(x, s), 1e-12, `ode n=${n},s=${s}`));
    const last = (xs: number[]) => ref.ode(xs, s)[n - 1]!;
    add("ode", "gradient", { x, s, ...runs }, (o) =>
      allClose(o, gradientByDifferences(last, x), 1e-8, `ode gradient n=${n},s=${s}`),
    );
  }

  for (const [d, k, n, m] of [
    [1, 1, 3, 0],
    [2, 3, 5, 0],
    [3, 2, 4, 2],
  ] as const) {
    const gmm: ref.GmmInput = {
      alpha: uniform(k, -1, 1),
      mu: Array.from({ length: k }, () => uniform(d)),
      q: Array.from({ length: k }, () => uniform(d, -0.5, 0.5)),
      l: Array.from({ length: k }, () => uniform((d * (d - 1)) / 2, -0.5, 0.5)),
      x: Array.from({ length: n }, () => uniform(d, -1, 1)),
      m,
      gamma: 0.8,
    };
    const input = { ...gmm, d, k, n, ...runs };
    const what = `gmm d=${d},k=${k},n=${n},m=${m}`;
    add("gmm", "objective", input, (o) =>
      expect(close(o as number, ref.gmmLogPosterior(gmm), 1e-10), `${what}: ${o}`).toBe(true),
    );
    // The independent parameters flattened in the order alpha, mu, q, l, and back.
    const theta = [gmm.alpha, ...gmm.mu, ...gmm.q, ...gmm.l].flat();
    const at = (t: number[]): ref.GmmInput => {
      let i = 0;
      const take = (len: number) => t.slice(i, (i += len));
      const alpha = take(k);
      const rows = (len: number) => Array.from({ length: k }, () => take(len));
      return { ...gmm, alpha, mu: rows(d), q: rows(d), l: rows((d * (d - 1)) / 2) };
    };
    const expected = gradientByDifferences((t) => ref.gmmLogPosterior(at(t)), theta);
    add("gmm", "jacobian", input, (o) => {
      const g = o as { alpha: number[]; mu: number[][]; q: number[][]; l: number[][] };
      expect(Object.keys(g).sort()).toEqual(["alpha", "l", "mu", "q"]);
      for (const key of ["mu", "q", "l"] as const) expect(g[key].length, `${what}: ${key} rows`).toBe(k);
      allClose([g.alpha, ...g.mu, ...g.q, ...g.l].flat(), expected, 1e-7, what);
    });
  }

  for (const [k, n, d] of [
    [1, 3, 1],
    [3, 20, 2],
    [5, 40, 3],
  ] as const) {
    const points = Array.from({ length: n }, () => uniform(d));
    const centroids = points.slice(-k); // as the eval does: every centroid is closest to a point
    const input = { points, centroids, ...runs };
    add("kmeans", "cost", input, (o) =>
      expect(close(o as number, ref.kmeansCost(points, centroids), 1e-12)).toBe(true),
    );
    add("kmeans", "dir", input, (o) => {
      const dir = o as number[][];
      expect(dir.length).toBe(k);
      allClose(dir.flat(), ref.kmeansDir(points, centroids).flat(), 1e-12, `kmeans k=${k},n=${n},d=${d}`);
    });
  }

  for (const v of ["rr", "rf", "fr", "ff"]) {
    add("saddle", v, { start: [1, 1], ...runs }, (o) => allClose(o, new Array(4).fill(8.246324826140356e-6), 1e-12, v));
    add("particle", v, { w: 0, ...runs }, (o) => expect(close(o as number, 0.2071918746486116, 1e-12)).toBe(true));
  }
  return out;
}

describe("npm run --silent gradbench-tool", () => {
  const evals = evaluations();
  const modules = [...new Set(evals.map((e) => e.module))];
  // The session: start, a define per module, the evaluations (each followed by an analysis, as the
  // evals send), a define of a module the tool does not have, an unknown function, then end.
  const messages: Record<string, unknown>[] = [{ kind: "start", eval: "all" }];
  const evaluationIds = new Map<number, Evaluation>();
  for (const module of modules) {
    messages.push({ kind: "define", module });
    for (const e of evals.filter((x) => x.module === module)) {
      evaluationIds.set(messages.length, e);
      messages.push({ kind: "evaluate", module, function: e.function, input: e.input });
      messages.push({ kind: "analysis", of: messages.length - 1, valid: true });
    }
  }
  const unknownModule = messages.push({ kind: "define", module: "lstm" }) - 1;
  const unknownFunction = messages.push({ kind: "evaluate", module: "lse", function: "hessian", input: {} }) - 1;
  messages.push({ kind: "end" });
  const lines = messages.map((m, id) => JSON.stringify({ id, ...m })).join("\n") + "\n";

  let responses: {
    id: number;
    success?: boolean;
    output?: unknown;
    timings?: { name: string; nanoseconds: number }[];
    error?: string;
  }[];
  let stdout = "";
  beforeAll(() => {
    const run = spawnSync("npm", ["run", "--silent", "gradbench-tool"], {
      cwd: root,
      input: lines,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    stdout = run.stdout;
    responses = stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
  }, 150_000);

  it("writes exactly one JSON response per message on stdout, in order, and nothing else", () => {
    expect(stdout.endsWith("\n")).toBe(true);
    expect(responses.map((r) => r.id)).toEqual(messages.map((_, id) => id));
    expect(responses[0]).toEqual({ id: 0 });
    for (const [id, m] of messages.entries())
      if (m.kind === "define" && id !== unknownModule)
        expect(responses[id], `define ${m.module}`).toEqual({ id, success: true });
  });

  it("refuses a module and a function it does not have, with an error", () => {
    expect(responses[unknownModule]!.success).toBe(false);
    expect(responses[unknownModule]!.error).toMatch(/does not implement the eval 'lstm'/);
    expect(responses[unknownFunction]!.success).toBe(false);
    expect(responses[unknownFunction]!.error).toMatch(/no function 'hessian'/);
  });

  it("times each run: at least min_runs 'evaluate' timings", () => {
    for (const [id, e] of evaluationIds) {
      const timings = responses[id]!.timings ?? [];
      expect(timings.length, `${e.module}.${e.function}`).toBeGreaterThanOrEqual(e.module === "hello" ? 1 : 2);
      for (const t of timings) {
        expect(t.name).toBe("evaluate");
        expect(Number.isInteger(t.nanoseconds) && t.nanoseconds >= 0).toBe(true);
      }
    }
  });

  it.each(modules)("answers %s as the independent reference does", (module) => {
    for (const [id, e] of evaluationIds) {
      if (e.module !== module) continue;
      const r = responses[id]!;
      expect(r.success, `${module}.${e.function}: ${r.error}`).toBe(true);
      e.check(r.output);
    }
  });
});
