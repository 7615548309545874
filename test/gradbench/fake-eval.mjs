// A fake GradBench eval for the runner's tests: `node fake-eval.mjs <name> [x ...]` asks the tool
// for double(x) for each x (default 1 2 3) and judges each answer, as GradBench's Python evals do
// (start, define, then evaluate + analysis per input; every message waits for the tool's answer).
import { createInterface } from "node:readline";

const [name = "twice", ...xs] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let id = 0;
async function send(message) {
  process.stdout.write(`${JSON.stringify({ id, ...message })}\n`);
  const { value, done } = await lines.next();
  if (done) process.exit(0); // the tool is gone: GradBench's evals stop quietly (EOFError)
  const answer = JSON.parse(value);
  if (answer.id !== id) throw new Error(`expected id ${id}, got ${answer.id}`);
  id++;
  return answer;
}
await send({ kind: "start", eval: name });
const defined = await send({ kind: "define", module: name });
if (defined.success) {
  for (const x of (xs.length ? xs : ["1", "2", "3"]).map(Number)) {
    const of = id;
    const r = await send({
      kind: "evaluate",
      module: name,
      function: "double",
      input: { x, min_runs: 1, min_seconds: 0 },
      description: `x=${x}`,
    });
    if (r.success) {
      const valid = r.output === 2 * x;
      await send({ kind: "analysis", of, valid, ...(valid ? {} : { error: `expected ${2 * x}, got ${r.output}` }) });
    }
  }
}
process.exit(0);
