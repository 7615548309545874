/**
 * docs/DIAGNOSTICS.md is the catalogue of src/diagnostics.ts: one `## ADG####` section for
 * every code adgen can report, and no section for a code that does not exist.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { codes } from "../src/diagnostics.js";
import { root } from "./support/fixtures.js";

const doc = readFileSync(join(root, "docs", "DIAGNOSTICS.md"), "utf8");
const sections = [...doc.matchAll(/^## (ADG\d{4})\b/gm)].map((m) => m[1]!);

it.each(Object.entries(codes))("documents %s (%s) in its own section", (_, code) => {
  expect(doc).toContain(code);
  expect(sections, `docs/DIAGNOSTICS.md has no '## ${code}' section`).toContain(code);
});

it("documents no code that src/diagnostics.ts does not define, and each only once", () => {
  const known = new Set<string>(Object.values(codes));
  expect(sections.filter((s) => !known.has(s))).toEqual([]);
  expect(new Set(sections).size).toBe(sections.length);
});

it("describes each code in src/diagnostics.ts (the shipped types) by its section's title", () => {
  const source = readFileSync(join(root, "src", "diagnostics.ts"), "utf8");
  const comments = new Map(
    [...source.matchAll(/\/\*\* ((?:(?!\*\/)[^])*?) \*\/\s+\w+: "(ADG\d{4})"/g)].map((m) => [m[2]!, m[1]!]),
  );
  const titles = new Map([...doc.matchAll(/^## (ADG\d{4})\n\n\*\*(.+?)\*\*/gm)].map((m) => [m[1]!, m[2]!]));
  for (const code of Object.values(codes)) {
    expect(comments.get(code)?.replace(/\s*\n\s*\*\s*/g, " "), code).toMatch(
      new RegExp(`^${titles.get(code)!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
    // Branches and loops are supported: no code may say they are not.
    expect(comments.get(code), code).not.toMatch(/(branches|loops) are not supported/);
  }
});
