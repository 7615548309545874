// The mean softmax cross-entropy of a 784-64-10 multilayer perceptron (tanh hidden layer) on a
// batch of `batch` examples: rows of `x` (batch×784, flat and row-major) with one-hot labels
// `y` (batch×10). Written as a user would: the two matrix products with adgen's `matmul` gate,
// the bias, tanh and the loss as loops over Float64Arrays.
import { matmul } from "adgen/gates";

export function mlpLoss(
  W1: Float64Array,
  b1: Float64Array,
  W2: Float64Array,
  b2: Float64Array,
  x: Float64Array,
  y: Float64Array,
  batch: number,
): number {
  const z1 = matmul(x, W1, batch, 784, 64);
  const h = new Float64Array(batch * 64);
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j < 64; j++) h[i * 64 + j] = Math.tanh(z1[i * 64 + j]! + b1[j]!);
  }
  const z2 = matmul(h, W2, batch, 64, 10);
  let loss = 0;
  for (let i = 0; i < batch; i++) {
    let m = -Infinity;
    for (let j = 0; j < 10; j++) m = Math.max(m, z2[i * 10 + j]! + b2[j]!);
    let s = 0;
    for (let j = 0; j < 10; j++) s += Math.exp(z2[i * 10 + j]! + b2[j]! - m);
    const logSum = m + Math.log(s);
    for (let j = 0; j < 10; j++) loss -= y[i * 10 + j]! * (z2[i * 10 + j]! + b2[j]! - logSum);
  }
  return loss / batch;
}
