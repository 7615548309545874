/** particle: nested AD in the four modes, examples/gradbench's adgen-generated code. */
import { particle, type Variant } from "../../examples/gradbench/run.js";
import { multipleRuns, type Runs } from "./protocol.js";

interface Input extends Runs {
  w: number;
}

const variant = (v: Variant) =>
  multipleRuns(
    ({ w }: Input) =>
      () =>
        particle(v, w),
  );

export const rr = variant("rr");
export const rf = variant("rf");
export const fr = variant("fr");
export const ff = variant("ff");
