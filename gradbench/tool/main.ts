/**
 * adgen's GradBench tool: reads GradBench's protocol on stdin, one JSON message per line, and
 * writes one response per line on stdout, nothing else (`npm run --silent gradbench-tool`).
 * An eval's module (./<eval>.ts) is loaded when the eval defines it; evals.txt lists them.
 */
import { createInterface } from "node:readline";
import { respond, type EvalModule, type Message } from "./protocol.js";

const loaders: Record<string, () => Promise<EvalModule>> = {
  det: () => import("./det.js"),
  gmm: () => import("./gmm.js"),
  hello: () => import("./hello.js"),
  kmeans: () => import("./kmeans.js"),
  llsq: () => import("./llsq.js"),
  lse: () => import("./lse.js"),
  ode: () => import("./ode.js"),
  particle: () => import("./particle.js"),
  saddle: () => import("./saddle.js"),
};

async function getModule(name: string): Promise<EvalModule> {
  const load = Object.hasOwn(loaders, name) ? loaders[name] : undefined;
  if (!load)
    throw new Error(`adgen's tool does not implement the eval '${name}'`);
  return load();
}

for await (const line of createInterface({
  input: process.stdin,
  crlfDelay: Infinity,
})) {
  if (line.trim() === "") continue;
  const message = JSON.parse(line) as Message;
  const response = await respond(message, getModule);
  process.stdout.write(JSON.stringify(response) + "\n");
  if (message.kind === "end") break;
}
