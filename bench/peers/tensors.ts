/**
 * Tensor libraries on the cases that carry a tensor model (`BenchCase.tensor`: the MLP of issue
 * 14), each written as its users write it:
 * - tfjs-cpu, tfjs-wasm: @tensorflow/tfjs-core 4.22 with the CPU backend (JavaScript) or the
 *   WebAssembly backend (@tensorflow/tfjs-backend-wasm, its .wasm loaded from the package;
 *   XNNPACK kernels, SIMD where the engine has it), `tf.valueAndGrads` inside `tf.tidy`, float32;
 * - jax-f64, jax-f32: @jax-js/jax's wasm backend, `jit(valueAndGrad(loss))`, in float64 and in
 *   float32 (single-threaded: Node has no global `Worker`, which its thread pool needs).
 * The arguments are turned into tensors once per input of the pool, when the peer is prepared
 * (a user keeps weights and batches as tensors); a timed call computes the value and the gradient
 * and reads every entry back into JavaScript (`dataSync`).
 */
import type { Scalar, Tensor } from "@tensorflow/tfjs-core";
import type { BenchCase, TensorModel } from "../cases/types.js";
import { loadTfjs } from "./tfjs.js";
import type { Peer, PeerGradient, PeerInstance } from "./types.js";

type Tf = Awaited<ReturnType<typeof loadTfjs>>;
type Args = unknown[];

/** The gradient's arrays, flattened in the order of the case's differentiated parameters. */
function flat(value: number, grads: ArrayLike<number>[]): PeerGradient {
  const grad: number[] = [];
  for (const g of grads) for (let i = 0; i < g.length; i++) grad.push(g[i]!);
  return { value, grad };
}

function total(value: number, grads: ArrayLike<number>[]): number {
  let s = value;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i]!;
  return s;
}

/** One instance from a function computing the value and the gradient arrays at a pool input. */
function instance(
  setupMs: number,
  float32: boolean,
  run: (args: Args) => [number, ArrayLike<number>[]],
  remark?: string,
): PeerInstance {
  return {
    setupMs,
    float32,
    ...(remark ? { remark } : {}),
    gradient: (args) => flat(...run(args)),
    sum: (args) => total(...run(args)),
  };
}

/** The pool's inputs as the library's tensors, made on first use (when the run checks the peer). */
function perInput<T>(make: (args: Args) => T): (args: Args) => T {
  const made = new WeakMap<Args, T>();
  return (args) => {
    let t = made.get(args);
    if (!t) made.set(args, (t = make(args)));
    return t;
  };
}

/** The shapes of the MLP's arguments, in order: W1, b1, W2, b2, the inputs and the targets. */
function argumentShapes(model: TensorModel): number[][] {
  const [input, hidden, output] = model.sizes;
  const { batch } = model;
  return [[input, hidden], [hidden], [hidden, output], [output], [batch, input], [batch, output]];
}

// ---- tfjs ---------------------------------------------------------------------------------

let wasmLoaded: Promise<void> | undefined;

async function tfjsBackend(backend: "cpu" | "wasm"): Promise<Tf> {
  const tf = await loadTfjs();
  if (backend === "wasm") wasmLoaded ??= import("@tensorflow/tfjs-backend-wasm").then(() => undefined);
  await wasmLoaded;
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: the ${backend} backend did not initialise`);
  await tf.ready();
  return tf;
}

function tfjsMlp(tf: Tf, model: TensorModel, backend: string) {
  const { batch } = model;
  const tensors = perInput((args) =>
    tf.tidy(() => {
      const t = (i: number, shape: number[]) => tf.keep(tf.tensor(Float32Array.from(args[i] as Float64Array), shape));
      return argumentShapes(model).map((shape, i) => t(i, shape));
    }),
  );
  let x!: Tensor;
  let y!: Tensor;
  // The loss of the weights; the batch (x, y) is read from the closure.
  const vg = tf.valueAndGrads((...w: Tensor[]) => {
    const [W1, b1, W2, b2] = w as [never, never, never, never];
    const h = tf.tanh(tf.add(tf.matMul(x, W1), b1));
    const logits = tf.add(tf.matMul(h, W2), b2);
    return tf.div(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)))), batch) as Scalar;
  });
  return (args: Args): [number, ArrayLike<number>[]] => {
    // Both tfjs peers share one engine: switch to this one's backend (synchronous once initialised).
    if (tf.getBackend() !== backend) void tf.setBackend(backend);
    if (tf.getBackend() !== backend) throw new Error(`tfjs: the backend is ${tf.getBackend()}, not ${backend}`);
    const all = tensors(args);
    x = all[4]!;
    y = all[5]!;
    let result: [number, ArrayLike<number>[]] = [NaN, []];
    tf.tidy(() => {
      const { value, grads } = vg(all.slice(0, 4));
      result = [value.dataSync()[0]!, grads.map((g) => g.dataSync())];
    });
    return result;
  };
}

function tfjsPeer(backend: "cpu" | "wasm"): Peer {
  return {
    name: `tfjs-${backend}`,
    description:
      backend === "cpu"
        ? "@tensorflow/tfjs-core 4.22 + CPU backend (JavaScript), tf.valueAndGrads over the weights as tensors, float32"
        : "@tensorflow/tfjs-core 4.22 + @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK, SIMD), tf.valueAndGrads, float32",
    async prepare(c: BenchCase) {
      if (!c.tensor) return c.params ? "scalar case (see tfjs)" : "no tensor model";
      const t0 = performance.now();
      const tf = await tfjsBackend(backend);
      const run = tfjsMlp(tf, c.tensor, backend);
      let remark: string | undefined;
      if (backend === "wasm") {
        const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
        const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
        remark = `SIMD ${simd ? "on" : "off"}, threads ${threads ? "on" : "off"}`;
      }
      return instance(performance.now() - t0, true, run, remark);
    },
  };
}

export const tfjsCpuPeer = tfjsPeer("cpu");
export const tfjsWasmPeer = tfjsPeer("wasm");

// ---- jax-js -------------------------------------------------------------------------------

type Jax = typeof import("@jax-js/jax");
let jaxLoading: Promise<Jax> | undefined;

/** jax-js on its wasm device. Node 20 has no Float16Array, which jax-js tests `instanceof` against. */
function loadJax(): Promise<Jax> {
  jaxLoading ??= (async () => {
    (globalThis as { Float16Array?: unknown }).Float16Array ??= class Float16Array {};
    const jax = await import("@jax-js/jax");
    await jax.init("wasm");
    jax.defaultDevice("wasm");
    return jax;
  })();
  return jaxLoading;
}

function jaxMlp(jax: Jax, model: TensorModel, dtype: "float64" | "float32") {
  const { numpy: np, nn } = jax;
  const { batch } = model;
  type A = InstanceType<Jax["Array"]>;
  const tensors = perInput((args) => {
    const t = (i: number, shape: number[]) => {
      const data = args[i] as Float64Array;
      return np.array(dtype === "float64" ? data.slice() : Float32Array.from(data)).reshape(shape);
    };
    return argumentShapes(model).map((shape, i) => t(i, shape));
  });
  const loss = (W1: A, b1: A, W2: A, b2: A, x: A, y: A): A => {
    const h = np.tanh(np.matmul(x, W1).add(b1));
    const logits = np.matmul(h, W2).add(b2);
    return nn
      .logSoftmax(logits)
      .mul(y)
      .sum()
      .mul(-1 / batch);
  };
  const vg = jax.jit(jax.valueAndGrad(loss, { argnums: [0, 1, 2, 3] }));
  return (args: Args): [number, ArrayLike<number>[]] => {
    const all = tensors(args);
    // jax-js functions take ownership of their arguments: pass new references, keep ours.
    const [value, grads] = vg(...(all.map((a) => a.ref) as [A, A, A, A, A, A])) as unknown as [A, A[]];
    return [value.dataSync()[0]!, grads.map((g) => g.dataSync() as ArrayLike<number>)];
  };
}

function jaxPeer(dtype: "float64" | "float32"): Peer {
  const bits = dtype === "float64" ? "f64" : "f32";
  return {
    name: `jax-${bits}`,
    description: `@jax-js/jax 0.1 on its wasm device, jit(valueAndGrad(loss)), ${dtype}, one thread`,
    async prepare(c: BenchCase) {
      if (!c.tensor) return c.params ? "scalar case" : "no tensor model";
      const t0 = performance.now();
      const jax = await loadJax();
      return instance(performance.now() - t0, dtype === "float32", jaxMlp(jax, c.tensor, dtype));
    },
  };
}

export const jaxF64Peer = jaxPeer("float64");
export const jaxF32Peer = jaxPeer("float32");

export const tensorPeers: Peer[] = [tfjsCpuPeer, tfjsWasmPeer, jaxF64Peer, jaxF32Peer];
