/**
 * Bytes a generated gradient puts on adgen's number tape per call, measured without touching the
 * timed code: the pooled tapes' buffers are filled with a marker after a first call (which grows
 * them to this call's size), a second call overwrites the part it uses, and what is no longer the
 * marker is what that call pushed. Tapes of nested pullbacks count each at their own peak. The
 * boolean and array tapes (plain arrays in generated code) are not counted.
 */
import { Tape } from "adgen/gates";

const MARKER = -1.2345678901234567e-301;

interface TapeInside {
  buffer: Float64Array;
}

export function tapeBytesPerCall(fn: (...args: never[]) => unknown, args: unknown[]): number {
  const pool = (Tape as unknown as { pool: TapeInside[] }).pool;
  fn(...(args as never[]));
  for (const tape of pool) tape.buffer.fill(MARKER);
  fn(...(args as never[]));
  let values = 0;
  for (const tape of pool) {
    let top = tape.buffer.length;
    while (top > 0 && Object.is(tape.buffer[top - 1], MARKER)) top--;
    values += top;
  }
  return values * 8;
}
