/** compile() formats with prettier, except above 1,000 lines unless asked; compileSync never does. */
import { expect, it } from "vitest";
import { compile, compileSync } from "../src/index.js";

// Long parameter lists: prettier breaks them over lines, the printer does not.
const params = "alpha: number, beta: number, gamma: number, delta: number, epsilon: number";
const small = `export function f(${params}) { return Math.sin(alpha) * beta + gamma * delta * epsilon; }\n`;
// A chain of 1,200 statements: its gradient module has well over 1,000 lines.
const large = `export function g(${params}): number {\n  let s = alpha * beta + gamma * delta * epsilon;\n${Array.from({ length: 1200 }, () => "  s = s * 0.999 + Math.sin(s);\n").join("")}  return s;\n}\n`;

it("formats small modules, and leaves them as printed with format: false", async () => {
  const formatted = await compile(small);
  expect(formatted.code).not.toBe(compileSync(small).code);
  expect((await compile(small, { format: false })).code).toBe(compileSync(small).code);
});

it("leaves large modules as printed by default, and formats them with format: true", async () => {
  const printed = compileSync(large).code;
  expect(printed.split("\n").length).toBeGreaterThan(1000);
  expect((await compile(large)).code).toBe(printed);
  const formatted = (await compile(large, { format: true })).code;
  expect(formatted).not.toBe(printed);
  expect(formatted).toContain("export function g_grad(\n");
});
