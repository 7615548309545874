/**
 * Bytes a generated gradient puts on adgen's number tape per call, measured apart from the timed
 * calls: during one call `Tape.prototype.push` is wrapped to record each tape's peak length (tapes
 * grow in segments, src/gates/segments.ts, so their buffers no longer tell). Tapes of nested
 * pullbacks count each at their own peak. The decisions tape (a byte per branch decision) and the
 * tape of arrays are not counted.
 */
import { Tape } from "adgen/gates";

export function tapeBytesPerCall(fn: (...args: never[]) => unknown, args: unknown[]): number {
  fn(...(args as never[]));
  const proto = Tape.prototype;
  const push = proto.push;
  const peaks = new Map<Tape, number>();
  proto.push = function (this: Tape, value: number): void {
    push.call(this, value);
    if (this.length > (peaks.get(this) ?? 0)) peaks.set(this, this.length);
  };
  try {
    fn(...(args as never[]));
  } finally {
    proto.push = push;
  }
  let values = 0;
  for (const peak of peaks.values()) values += peak;
  return values * 8;
}
