/** saddle: nested AD in the four modes, examples/gradbench's adgen-generated code. */
import { saddle, type Variant } from "../../examples/gradbench/run.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  start: [number, number];
}

const variant = (v: Variant) =>
  multipleRuns(
    ({ start }: Input) =>
      () =>
        saddle(v, start),
  );

export const rr = variant("rr");
export const rf = variant("rf");
export const fr = variant("fr");
export const ff = variant("ff");
