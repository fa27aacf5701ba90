/**
 * Reading a runner's inputs: each accessor checks the value's kind and says which port is wrong,
 * so a miswired or missing value fails with a sentence instead of a TypeError deep in a stage.
 */
import { InputError, PackageError } from "../../server/errors";
import { requireComponents } from "../../server/runtime/modelPackage";
import { checkSeed } from "../../server/unclip/pipelineOptions";
import type { Float32NdArray } from "../../server/unclip/tensor";
import { type ComponentHandle, HANDLE_PACKAGE_COMPONENTS, type HandleComponent, hasKind, isNdArray, type SchedulerValue } from "./values";

type Inputs = Record<string, unknown>;

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing (is it connected?)";
  if (isNdArray(v)) return `a ${v.dtype} tensor`;
  if (typeof v === "object" && v !== null && "kind" in v) return `a ${(v as { kind: string }).kind} value`;
  return typeof v;
}

function wrongInput(port: string, expected: string, got: unknown): InputError {
  return new InputError("bad_input_value", `input "${port}": expected ${expected}, got ${describeValue(got)}`, { port });
}

/** A value of the given kind on a required port. */
export function kindInput<K extends string, T>(inputs: Inputs, port: string, kind: K, expected: string): T {
  const v = inputs[port];
  if (!hasKind(v, kind)) throw wrongInput(port, expected, v);
  return v as T;
}

/** A component handle whose package has every file the component needs. */
export function handleInput(inputs: Inputs, port: string, component: HandleComponent, purpose: string): ComponentHandle {
  const v = inputs[port];
  if (hasKind(v, "missing_component")) throw new PackageError("missing_component", (v as unknown as { message: string }).message, { port });
  if (!hasKind(v, "component") || (v as unknown as ComponentHandle).component !== component) throw wrongInput(port, `a ${component} component`, v);
  const handle = v as unknown as ComponentHandle;
  requireComponents(handle.components.pkg, HANDLE_PACKAGE_COMPONENTS[component], purpose);
  return handle;
}

export function schedulerInput(inputs: Inputs, port: string): SchedulerValue {
  const v = inputs[port];
  if (hasKind(v, "missing_component")) throw new PackageError("missing_component", (v as unknown as { message: string }).message, { port });
  return kindInput<"scheduler", SchedulerValue>(inputs, port, "scheduler", "a scheduler");
}

export function optionalFloatTensor(inputs: Inputs, port: string): Float32NdArray | undefined {
  const v = inputs[port];
  if (v === undefined || v === null) return undefined;
  if (!isNdArray(v) || v.dtype !== "float32") throw wrongInput(port, "a float32 tensor", v);
  return v;
}

export function floatTensorInput(inputs: Inputs, port: string): Float32NdArray {
  const v = optionalFloatTensor(inputs, port);
  if (!v) throw wrongInput(port, "a float32 tensor", undefined);
  return v;
}

/** A connected number input, or the parameter of the same meaning. */
export function numberOr(inputs: Inputs, port: string, fallback: number): number {
  const v = inputs[port];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw wrongInput(port, "a number", v);
  return v;
}

export function stringOr(inputs: Inputs, port: string, fallback: string): string {
  const v = inputs[port];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string") throw wrongInput(port, "text", v);
  return v;
}

/** The SEED input when connected, else the node's own seed parameter. */
export function seedFor(inputs: Inputs, params: { seed: number }): number {
  const seed = numberOr(inputs, "seed", params.seed);
  checkSeed(seed);
  return seed;
}

/**
 * What every sampler node passes its stage: the scheduler's step count and schedule, the seed
 * (an input overrides the parameter), and the optional starting latents and per-step noise.
 */
export function samplerOptions(inputs: Inputs, params: { seed: number }, scheduler: SchedulerValue) {
  return {
    numInferenceSteps: scheduler.numInferenceSteps,
    seed: seedFor(inputs, params),
    latents: optionalFloatTensor(inputs, "latents"),
    stepNoise: optionalFloatTensor(inputs, "stepNoise"),
    scheduler: scheduler.scheduler,
    stepsName: "numInferenceSteps",
  };
}
