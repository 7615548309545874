/** What an eval ran on: the bench's machine description plus the eval side's Python and C++ compiler. */
import { execFileSync } from "node:child_process";
import { machine } from "../../bench/machine.js";
import type { MachineInfo } from "./results.js";

function version(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
      .split("\n")[0]!
      .trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(repo: string): MachineInfo {
  const m: MachineInfo = machine(repo);
  const python = version("python3", ["--version"]);
  const cxx = version("g++", ["--version"]);
  if (python) m.python = python;
  if (cxx) m.cxx = cxx;
  return m;
}
