/**
 * Companions made of calls to other companions: `f_hessian` and `f_hessian_diag` (an `f_hvp` per
 * unit vector), `f_jacobian` (an `f_jvp` per input or an `f_vjp` per output). This file decides
 * what each calls; src/emit/drivers.ts writes its loop.
 */
import type { CodeFunction, Driver, Graph } from "../ir.js";
import { isArray } from "../ir-types.js";
import { companionName } from "../conventions.js";
import { TangentUnsupported } from "./tangent/index.js";

/** The base companions a driver needs: reverse mode (`f_grad`/`f_vjp`), forward mode, HVPs. */
export type Base = "reverse" | "forward" | "hvp";

export type DriverKind = Driver["kind"];

/** Whether `g` returns an array, and its storage. */
export function arrayResult(g: Graph): "Float64Array" | "number[]" | undefined {
  const r = g.results[0]!;
  const type = r.kind === "var" ? g.types.get(r.name) : undefined;
  return isArray(type) ? type.storage : undefined;
}

/** The length of `g`'s array result when the code fixes it (`return [a, b]`), else undefined. */
function staticLength(g: Graph): number | undefined {
  const r = g.results[0]!;
  if (r.kind !== "var") return undefined;
  const made = g.body.find((s) => s.kind === "node" && s.name === r.name);
  return made?.kind === "node" && made.op === "arrayOf" ? made.args.length : undefined;
}

/**
 * The driver of kind `kind` for `g`, differentiating `wrt`, and the base companions it calls.
 * A Hessian of a function returning an array is refused (ADG4010).
 */
export function driverFunction(
  g: Graph,
  kind: DriverKind,
  wrt: ReadonlySet<string>,
  refuse: (message: string, pos: number) => TangentUnsupported,
): { fn: CodeFunction; needs: Base[] } {
  const inputs = g.params.filter((p) => wrt.has(p.name));
  const output = arrayResult(g);
  const driver: Driver = { kind, inputs, calls: {} };
  let needs: Base[];
  if (kind !== "jacobian") {
    if (output)
      throw refuse(
        `'${g.name}' returns an array: its Hessian would be a tensor of one Hessian per output; ` +
          `take the Hessian of a number (one output, or a weighted sum), or its Jacobian (--mode jacobian)`,
        g.pos,
      );
    driver.calls = { grad: companionName(g.name, "grad"), hvp: companionName(g.name, "hvp") };
    needs = ["reverse", "hvp"];
  } else if (!output) {
    // A function returning a number: its Jacobian is one row, its gradient.
    driver.calls = { grad: companionName(g.name, "grad") };
    needs = ["reverse"];
  } else {
    driver.output = output;
    // With every size known here (numbers in, `[a, b]` out), the cheaper mode is chosen now.
    const n = inputs.every((p) => p.type === "number") ? inputs.length : undefined;
    const m = staticLength(g);
    if (n !== undefined && m !== undefined) {
      driver.length = m;
      driver.calls = n < m ? { jvp: companionName(g.name, "jvp") } : { vjp: companionName(g.name, "vjp") };
      needs = n < m ? ["forward"] : ["reverse"];
    } else {
      driver.calls = { jvp: companionName(g.name, "jvp"), vjp: companionName(g.name, "vjp") };
      needs = ["forward", "reverse"];
    }
  }
  return {
    fn: {
      kind: "entry",
      companion: kind,
      name: companionName(g.name, kind),
      params: g.params,
      forward: [],
      backward: [],
      returns: { kind: "driver", driver },
      origin: { file: g.file, pos: g.pos },
    },
    needs,
  };
}
