/**
 * The gradient descent GradBench's C++ tools share for saddle and particle (cpp/gradbench/gd.hpp,
 * MIT licence: LICENSE.gradbench), in TypeScript: the step doubles after ten improving steps and
 * halves after a worse one; it stops when the gradient or the step is below 1e-5.
 */
export interface Cost {
  objective(x: number[]): number;
  gradient(x: number[]): number[];
}

const magnitude = (v: number[]) =>
  Math.sqrt(v.reduce((acc, x) => acc + x * x, 0));
const distance = (u: number[], v: number[]) =>
  Math.sqrt(u.reduce((acc, x, i) => acc + (x - v[i]!) * (x - v[i]!), 0));

export function argmin(f: Cost, start: number[]): number[] {
  let x = [...start];
  let fx = f.objective(x);
  let gx = f.gradient(x);
  let i = 0;
  let eta = 1e-5;
  for (;;) {
    if (magnitude(gx) <= 1e-5) return x;
    if (i === 10) {
      eta *= 2;
      i = 0;
      continue;
    }
    const next = x.map((xj, j) => xj - eta * gx[j]!);
    if (distance(x, next) <= 1e-5) return x;
    const fnext = f.objective(next);
    if (fnext < fx) {
      x = next;
      fx = fnext;
      gx = f.gradient(x);
      i++;
    } else {
      eta /= 2;
      i = 0;
    }
  }
}

export function argmax(f: Cost, start: number[]): number[] {
  return argmin(
    {
      objective: (x) => -f.objective(x),
      gradient: (x) => f.gradient(x).map((g) => -g),
    },
    start,
  );
}
