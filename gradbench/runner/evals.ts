/** Which evals `npm run gradbench -- all` runs, with which options, and what the others would need. */

/** The evals adgen's tool must pass (issue 14), in the order `all` runs them. */
export const REQUIRED = [
  "hello",
  "lse",
  "llsq",
  "det",
  "ode",
  "gmm",
  "kmeans",
  "particle",
  "saddle",
] as const;

export interface AllRun {
  /** Options for the eval's run.py; empty: its defaults. */
  args: string[];
  /** Why the sizes differ from the eval's defaults. */
  note?: string;
}

/** `all`'s options per eval: the eval's defaults unless they take unreasonably long here. */
export const ALL_RUNS: Record<string, AllRun> = {
  hello: { args: [] },
  lse: {
    args: ["-n", "2500", "10000", "40000", "160000"],
    note:
      "Sizes up to 160,000 of the default 2,500 to 1,280,000: each larger input is several to tens of MB of JSON that " +
      "the eval generates, sends and validates by running the manual tool again; at the default sizes the manual and " +
      "tfjs tools took 24 minutes together on the 2-core machine (load 20), most of it above 160,000.",
  },
  llsq: { args: [] },
  det: {
    args: ["-l", "5", "6", "7", "8", "9", "10"],
    note:
      "ℓ up to 10 of the default 5 to 11: at 11 the manual tool's gradient by minors alone took 40 s a call " +
      "(11! products), and the eval runs it again to validate each tool's answer. adgen's tool runs at 11 (`-l 11 " +
      "--tools adgen`: valid, primal 4.9 s, gradient 34 s, peak RSS 4.4 GB at load 7 to 10): it tapes 520 million " +
      "numbers and 274 million decisions, which since 1e25161 grow in segments of typed arrays (before, its " +
      "decisions array passed V8's largest JavaScript array, a fatal 'invalid size' error at 169 million entries).",
  },
  ode: { args: [] },
  gmm: { args: [] },
  kmeans: { args: [] },
  particle: { args: [] },
  saddle: { args: [] },
};

/** GradBench's evals that cannot run from a copy like shared/gradbench, and what they would take. */
export const NOT_RUNNABLE: Record<string, string> = {
  ba:
    "reads ADBench's bundle-adjustment data files (`evals/ba/data/ba<i>_*.txt`, ba1 to ba20), which the copy " +
    "does not include; with them (from ADBench or a full GradBench checkout) it runs like gmm, against the manual tool's `ba`.",
  ht:
    "reads ADBench's hand-tracking data (`evals/ht/data/{simple,complicated}_{small,big}/hand<i>_*.txt` and " +
    "their `model/` folders), not in the copy, and its reader (`gradbench.adbench.ht_data`) imports the " +
    "`dataclasses-json` Python package, not installed here.",
  lstm:
    "reads `evals/lstm/data/lstm_full.txt` (ADBench's text corpus), not in the copy, and imports " +
    "`dataclasses-json` (`gradbench.adbench.lstm_data`).",
};

/** What a reader needs to know to read an eval's numbers, shown under its section. */
export const REMARKS: Record<string, string> = {
  hello:
    "Times of a microsecond or less are at the resolution of the tools' timers: the ratios say nothing here.",
  ode:
    "The manual tool's gradient is that of the ODE's closed-form solution (a product over x, O(n) whatever s), " +
    "not a derivative of the Runge-Kutta solver; adgen differentiates the solver's s·n steps, so adgen/manual for " +
    "gradient compares AD with that formula.",
  kmeans:
    "dir is the Newton direction: it needs the Hessian's diagonal (second order), which adgen's tool takes by one " +
    "Hessian-vector product along ones (the cost's Hessian in the centroids is diagonal).",
  particle:
    "GradBench's manual and TensorFlow.js tools do not implement it; the eval checks a fixed reference result.",
  saddle:
    "GradBench's manual and TensorFlow.js tools do not implement it; the eval checks a fixed reference result.",
};
