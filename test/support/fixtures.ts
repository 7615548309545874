/** Fixture discovery: `fixtures/<suite>/<case>/input.ts`, errors under `fixtures/_error_/<case>/`. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModeName } from "../../src/conventions.js";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const fixturesDir = join(root, "fixtures");

/** How to sample one parameter or field. */
export type FixtureSpec = string | number | FixtureSpec[] | { [field: string]: FixtureSpec };

export interface FixtureOptions {
  /** Passed to compile as `wrt`. */
  wrt?: string[];
  /** Where to sample points: one range for every parameter, or one per parameter name. */
  domain?: [number, number] | Record<string, [number, number]>;
  /** Random points per function to check against finite differences (default 5). */
  points?: number;
  /** Points checked as well, e.g. one on each side of every branch (for functions of that arity). */
  at?: number[][];
  /** Parameters that are not sampled scalars: `"Float64Array(4)"`, `"number[](5)"`, a fixed number (a size), or a
   * record of these by field (`{ "x": "number", "w": "Float64Array(3)" }`), a tuple of these (`["number", "number"]`),
   * or an array of n records or tuples (`{ "[n]": { "x": "number", "y": "number" } }`). */
  params?: Record<string, FixtureSpec>;
  /** Step of the finite differences, relative (default 1e-3; smaller for functions with large higher derivatives). */
  step?: number;
  /** Tolerance of the finite-difference check (default 1e-6). */
  tolerance?: number;
  /** The companions to generate (compile's `modes`; default grad). */
  modes?: ModeName[];
  /** compile's `split`: the sizes at which large functions are split (fixtures/split shows parts on small code). */
  split?: { above: number; part: number };
  /** fixtures/passes: the optimisation passes whose effect `graph-before.txt` / `graph-after.txt` show. */
  passes?: string[];
}

export interface Fixture {
  /** `suite/case`. */
  name: string;
  dir: string;
  /** The input's path relative to the project root, as the generated header names it. */
  input: string;
  options: FixtureOptions;
}

function cases(suiteDir: string, needs?: string): string[] {
  return readdirSync(suiteDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (needs === undefined || existsSync(join(suiteDir, d.name, needs))))
    .map((d) => d.name)
    .sort();
}

function fixture(suite: string, name: string): Fixture {
  const dir = join(fixturesDir, suite, name);
  const optionsPath = join(dir, "options.json");
  const options = existsSync(optionsPath) ? (JSON.parse(readFileSync(optionsPath, "utf8")) as FixtureOptions) : {};
  return { name: `${suite}/${name}`, dir, input: relative(root, join(dir, "input.ts")).replace(/\\/g, "/"), options };
}

/** Every fixture that must compile, in every suite but `_error_`. */
export function passingFixtures(): Fixture[] {
  return cases(fixturesDir)
    .filter((s) => !s.startsWith("_"))
    .flatMap((suite) => cases(join(fixturesDir, suite), "input.ts").map((c) => fixture(suite, c)));
}

/** Every fixture that must be rejected with diagnostics. */
export function errorFixtures(): Fixture[] {
  return cases(join(fixturesDir, "_error_"), "input.ts").map((c) => fixture("_error_", c));
}
