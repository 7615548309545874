/**
 * GradBench's protocol (its js/common/protocol.ts and util.ts, MIT licence): the messages an eval
 * sends on the tool's stdin, one JSON object per line, and the responses the tool writes on its
 * stdout, also one per line.
 */
export interface Timing {
  name: string;
  nanoseconds: number;
}

/** How often to run an evaluation: at least `min_runs` times and for at least `min_seconds`. */
export interface Runs {
  min_runs: number;
  min_seconds: number;
}

export type Message =
  | { id: number; kind: "start"; eval?: string; config?: unknown }
  | { id: number; kind: "define"; module: string }
  | {
      id: number;
      kind: "evaluate";
      module: string;
      function: string;
      input: unknown;
      description?: string;
    }
  | { id: number; kind: "analysis"; of: number; valid: boolean; error?: string }
  | { id: number; kind: "end" };

export interface Response {
  id: number;
  success?: boolean;
  output?: unknown;
  timings?: Timing[];
  error?: string;
}

/** What an eval's function gives: its output, and one `evaluate` timing per run when it repeats. */
export interface Evaluated {
  output: unknown;
  timings?: Timing[];
}

/** An eval's module: its functions by name. */
export type EvalModule = Record<string, (input: never) => Evaluated>;

/**
 * Runs `prepare(input)` once (reading the JSON input into the arrays the function takes), then the
 * function it returns until it has run `min_runs` times and for `min_seconds`, timing each run;
 * `toJson` turns the last result into the output (typed arrays into JSON arrays) after timing.
 */
export const multipleRuns =
  <I extends Runs, R>(
    prepare: (input: I) => () => R,
    toJson: (result: R) => unknown = (r) => r,
  ) =>
  (input: I): Evaluated => {
    const run = prepare(input);
    const timings: Timing[] = [];
    let result: R;
    let seconds = 0;
    do {
      const start = performance.now();
      result = run();
      const milliseconds = performance.now() - start;
      timings.push({
        name: "evaluate",
        nanoseconds: Math.round(milliseconds * 1e6),
      });
      seconds += milliseconds / 1e3;
    } while (timings.length < input.min_runs || seconds < input.min_seconds);
    return { output: toJson(result), timings };
  };

const describe = (err: unknown): string =>
  err instanceof Error ? `${err.stack ?? err}` : String(err);

/** The response to one message; `getModule` loads an eval's module by name (throwing if unknown). */
export async function respond(
  message: Message,
  getModule: (name: string) => Promise<EvalModule>,
): Promise<Response> {
  const response: Response = { id: message.id };
  try {
    if (message.kind === "define") {
      await getModule(message.module);
      response.success = true;
    } else if (message.kind === "evaluate") {
      const module = await getModule(message.module);
      const f = Object.hasOwn(module, message.function)
        ? module[message.function]
        : undefined;
      if (!f)
        throw new Error(
          `module '${message.module}' has no function '${message.function}'`,
        );
      Object.assign(response, { success: true }, f(message.input as never));
    }
  } catch (err) {
    Object.assign(response, { success: false, error: describe(err) });
  }
  return response;
}
