// Squared error of a 2-8-1 multilayer perceptron on one example (x0, x1) -> y:
// tanh hidden units, a linear output. Written as straight-line scalar code.
export function mlp(
  w00: number,
  w01: number,
  b0: number,
  w10: number,
  w11: number,
  b1: number,
  w20: number,
  w21: number,
  b2: number,
  w30: number,
  w31: number,
  b3: number,
  w40: number,
  w41: number,
  b4: number,
  w50: number,
  w51: number,
  b5: number,
  w60: number,
  w61: number,
  b6: number,
  w70: number,
  w71: number,
  b7: number,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
  v4: number,
  v5: number,
  v6: number,
  v7: number,
  c: number,
  x0: number,
  x1: number,
  y: number,
): number {
  const h0 = Math.tanh(w00 * x0 + w01 * x1 + b0);
  const h1 = Math.tanh(w10 * x0 + w11 * x1 + b1);
  const h2 = Math.tanh(w20 * x0 + w21 * x1 + b2);
  const h3 = Math.tanh(w30 * x0 + w31 * x1 + b3);
  const h4 = Math.tanh(w40 * x0 + w41 * x1 + b4);
  const h5 = Math.tanh(w50 * x0 + w51 * x1 + b5);
  const h6 = Math.tanh(w60 * x0 + w61 * x1 + b6);
  const h7 = Math.tanh(w70 * x0 + w71 * x1 + b7);
  const out = v0 * h0 + v1 * h1 + v2 * h2 + v3 * h3 + v4 * h4 + v5 * h5 + v6 * h6 + v7 * h7 + c;
  const e = out - y;
  return e * e;
}
