/** The programs the page offers, taken from adgen's fixtures, with the inputs it opens them at. */
import lecture from "../../fixtures/core/lecture/input.ts?raw";
import horner from "../../fixtures/loops/horner/input.ts?raw";
import net from "../../fixtures/core/neuron-2-2-1/input.ts?raw";
import projectile from "../../fixtures/core/projectile-range/input.ts?raw";

export interface Example {
  id: string;
  title: string;
  source: string;
  /** Starting values of the parameters, as typed in the inputs (arrays comma-separated). */
  inputs: Record<string, string>;
}

export const examples: Example[] = [
  {
    id: "neuron",
    title: "Neuron (the lecture's circuit)",
    source: lecture,
    // CS231n's backpropagation example: w = [2, -3, -3], x = [-1, -2].
    inputs: { w0: "2", x0: "-1", w1: "-3", x1: "-2", w2: "-3" },
  },
  {
    id: "mlp",
    title: "MLP (a 2-2-1 network)",
    source: net,
    inputs: {
      x1: "1",
      x2: "-1",
      w11: "0.5",
      w12: "-0.3",
      w21: "0.8",
      w22: "0.2",
      b1: "0.1",
      b2: "-0.1",
      v1: "1.2",
      v2: "-0.7",
      c: "0.05",
    },
  },
  {
    id: "physics",
    title: "Physics (a projectile's range)",
    source: projectile,
    inputs: { v: "20", theta: "0.7", h: "1.5" },
  },
  {
    id: "loop",
    title: "Loop (Horner's rule)",
    source: horner,
    inputs: { c: "1, -2, 0.5, 3", x: "0.9" },
  },
];
