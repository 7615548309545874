/**
 * TensorFlow.js: @tensorflow/tfjs-core with the CPU backend (pure JavaScript; tfjs-node's
 * native binding is not used), in production mode. The case's function is rebuilt as the same
 * chain of scalar tensor ops, compiled once with `new Function`; a call makes a scalar per
 * argument, runs `tf.valueAndGrads` over the differentiated ones, and reads every gradient
 * with `dataSync`, all inside `tf.tidy`. tfjs computes in float32.
 */
import { register } from "node:module";
import type { Scalar, Tensor } from "@tensorflow/tfjs-core";
import type { BenchCase } from "../cases/types.js";
import { readStraightLine, type Node } from "./straight-line.js";
import type { Peer } from "./types.js";

type Tf = typeof import("@tensorflow/tfjs-core");
let loading: Promise<Tf> | undefined;

/** Loads tfjs-core, its gradients (see tfjs-hooks.mjs) and the CPU backend, once. */
export function loadTfjs(): Promise<Tf> {
  loading ??= (async () => {
    register(new URL("./tfjs-hooks.mjs", import.meta.url));
    const tf = await import("@tensorflow/tfjs-core");
    await import("@tensorflow/tfjs-backend-cpu");
    await import("@tensorflow/tfjs-core/dist/register_all_gradients.js" as string);
    tf.enableProdMode();
    await tf.setBackend("cpu");
    await tf.ready();
    return tf;
  })();
  return loading;
}

const OPS: Record<string, string> = { add: "add", sub: "sub", mul: "mul", div: "div", pow: "pow", neg: "neg" };

/** JavaScript for the function as tfjs ops: `(tf, k) => (p0, p1, ...) => result`. */
function tfjsSource(source: string, fn: string): { code: string; constants: number[]; params: string[] } {
  const line = readStraightLine(source, fn);
  const constants: number[] = [];
  const atom = (n: Node): string => {
    if (n.kind === "param") return `p_${n.name}`;
    if (n.kind === "op") return `t${n.id}`;
    constants.push(n.value);
    return `k[${constants.length - 1}]`;
  };
  const body = line.order.map((n) => `const t${n.id} = tf.${OPS[n.op] ?? n.op}(${n.args.map(atom).join(", ")});`);
  const code = `return (${line.params.map((p) => `p_${p}`).join(", ")}) => {\n${body.join("\n")}\nreturn ${atom(line.result)};\n};`;
  return { code, constants, params: line.params };
}

export const tfjsPeer: Peer = {
  name: "tfjs",
  description: "@tensorflow/tfjs-core 4.22 + CPU backend, tf.valueAndGrads on scalars, float32",
  async prepare(c: BenchCase) {
    if (!c.params) return "array case";
    const t0 = performance.now();
    const tf = await loadTfjs();
    const { code, constants, params } = tfjsSource(c.source, c.fn);
    // Constants live outside every tidy, for the whole run.
    const k = constants.map((x) => tf.scalar(x));
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const f = new Function("tf", "k", code)(tf, k) as (...xs: Tensor[]) => Scalar;
    const wrt = (c.wrt ?? params).map((w) => params.indexOf(w));
    let current: Scalar[] = [];
    const vg = tf.valueAndGrads((...ws: Tensor[]) => {
      const full = current.slice();
      wrt.forEach((p, i) => (full[p] = ws[i] as Scalar));
      return f(...full);
    });
    const run = (args: unknown[]) => {
      current = args.map((x) => tf.scalar(x as number));
      return vg(wrt.map((i) => current[i]!));
    };
    const setupMs = performance.now() - t0;
    return {
      setupMs,
      float32: true,
      gradient: (args: unknown[]) =>
        tf.tidy(() => {
          const { value, grads } = run(args);
          return { value: value.dataSync()[0]!, grad: grads.map((g) => g.dataSync()[0]!) };
        }) as unknown as { value: number; grad: number[] },
      sum: (args: unknown[]) =>
        tf.tidy(() => {
          const { value, grads } = run(args);
          let s = value.dataSync()[0]!;
          for (const g of grads) s += g.dataSync()[0]!;
          return s;
        }),
    };
  },
};
