// Preloaded into the adgen CLI (`node --import bench/rss-preload.mjs dist/cli/adgen.js ...`):
// writes the process's peak resident memory, in MB, to $BENCH_RSS_FILE when it exits.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  if (process.env.BENCH_RSS_FILE)
    writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS / 1024));
});
