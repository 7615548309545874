/** What the benchmark ran on, for the report. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  v8: string;
  date: string;
  /** The adgen commit measured, with "+ uncommitted changes" when src/ or cli/ differ from it. */
  commit: string;
  /** 1-minute load average when the run started and ended: other work on the machine. */
  loadStart: number;
  loadEnd?: number;
}

function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    if (model) return model.trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

function commit(root: string): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
    const dirty = git("status", "--porcelain", "--", "src", "cli") !== "";
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? " + uncommitted changes in src/ or cli/" : ""}`;
  } catch {
    return "unknown";
  }
}

export function machine(root: string): Machine {
  return {
    commit: commit(root),
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    loadStart: os.loadavg()[0]!,
  };
}

export const loadNow = () => os.loadavg()[0]!;
