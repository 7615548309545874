import { logSigmoid, sigmoid } from "adgen/gates";

/**
 * The negative log-likelihood of one labelled point (label 1 or 0) under a logistic model
 * p(label = 1) = sigmoid(w1 x1 + w2 x2 + b). adgen differentiates this at build time.
 */
export function loss(
  w1: number,
  w2: number,
  b: number,
  x1: number,
  x2: number,
  label: number,
): number {
  const z = w1 * x1 + w2 * x2 + b;
  return -(label * logSigmoid(z) + (1 - label) * logSigmoid(-z));
}

/** The model's probability that (x1, x2) has label 1. */
export function probability(
  w1: number,
  w2: number,
  b: number,
  x1: number,
  x2: number,
): number {
  return sigmoid(w1 * x1 + w2 * x2 + b);
}
