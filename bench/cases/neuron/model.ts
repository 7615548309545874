// The lecture's neuron (fixtures/core/lecture/input.ts): sigmoid(w0 x0 + w1 x1 + w2).
import { sigmoid } from "adgen/gates";

export function neuron(w0: number, x0: number, w1: number, x1: number, w2: number): number {
  const s0 = w0 * x0;
  const s1 = w1 * x1;
  const s2 = s0 + s1;
  const s3 = s2 + w2;
  const L = sigmoid(s3);
  return L;
}
