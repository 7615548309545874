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
