// A fake GradBench tool for the runner's tests: `node fake-tool.mjs <behaviour> [ns per unit of x]`
// answers the protocol on stdin/stdout. Behaviours: good; wrong (a wrong double(3)); crash (exits
// when asked for double(2)); nodefine (refuses define); noisy (prints a line that is not JSON);
// hang (never answers evaluate); fail (answers double(2) with success: false).
import { createInterface } from "node:readline";

const [behaviour = "good", unit = "1000"] = process.argv.slice(2);
const say = (m) => process.stdout.write(`${JSON.stringify(m)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const m = JSON.parse(line);
  if (m.kind === "start") say({ id: m.id, tool: `fake-${behaviour}` });
  else if (m.kind === "define")
    say({
      id: m.id,
      success: behaviour !== "nodefine",
      ...(behaviour === "nodefine" ? { error: "no such module" } : {}),
    });
  else if (m.kind === "evaluate") {
    const x = m.input.x;
    if (behaviour === "hang") continue;
    if (behaviour === "crash" && x === 2) process.exit(3);
    if (behaviour === "noisy") process.stdout.write("computing...\n");
    if (behaviour === "fail" && x === 2) {
      say({ id: m.id, success: false, error: "out of memory" });
      continue;
    }
    const output = behaviour === "wrong" && x === 3 ? 7 : 2 * x;
    const ns = Number(unit) * x;
    // Three repetitions: the median is ns.
    const timings = [ns + 5, ns, ns - 5].map((nanoseconds) => ({ name: "evaluate", nanoseconds }));
    say({ id: m.id, success: true, output, timings });
  } else say({ id: m.id });
}
