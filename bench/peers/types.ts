/** The interface every way of computing a gradient is benchmarked through. */
import type { BenchCase } from "../cases/types.js";

export interface PeerGradient {
  value: number;
  /** Gradient entries in the order of the case's differentiated parameters (flattened). */
  grad: number[];
}

export interface PeerInstance {
  /** The value and gradient at `args`. */
  gradient(args: unknown[]): PeerGradient;
  /** The value plus every gradient entry: what the timing loop consumes. */
  sum(args: unknown[]): number;
  /** One-off set-up cost (deriving, compiling), in milliseconds. */
  setupMs: number;
  /** How the peer was set up for this case, where that varies (shown in the report). */
  remark?: string;
  /** Numbers the peer computes in single precision (tfjs), for the agreement tolerance. */
  float32?: boolean;
}

export interface Peer {
  name: string;
  /** What the column measures, for the report's method section. */
  description: string;
  /** An instance for `c`, or the reason the peer does not run on it. */
  prepare(c: BenchCase): Promise<PeerInstance | string>;
}
