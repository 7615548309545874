/** `npm run gradbench -- <eval|all> [eval options] [runner options]`: see USAGE in options.ts. */
import { fileURLToPath } from "node:url";
import { parseOptions, USAGE, UsageError } from "./options.js";
import { PrepareError } from "./prepare.js";
import { repoRoot, runEvals, writeReport } from "./run.js";

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2), process.env);
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const repo = repoRoot(fileURLToPath(new URL(".", import.meta.url)));
  if (o.render) {
    await writeReport(o, repo);
    return 0;
  }
  const ok = await runEvals(o, repo, (s) => console.error(s));
  console.error(`gradbench: wrote ${o.results} and ${o.out}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof PrepareError) {
      console.error(`gradbench: ${err.message}`);
      if (err instanceof UsageError) console.error(`\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  },
);
