#!/usr/bin/env node
import { run } from "./run.js";

// `adgen --help | head`: the reader has gone; stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A bug in adgen itself, not in the user's input: say so without a stack trace.
    process.stderr.write(
      `adgen: internal error: ${e instanceof Error ? e.message : String(e)}\nPlease report this with the input file.\n`,
    );
    process.exitCode = 70;
  },
);
