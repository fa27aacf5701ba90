/**
 * Partial schedules ("branch from step k"): a stage may take only the steps [startStep, endStep)
 * of its schedule, starting from the latents another run of the same schedule stopped at. Every
 * step's noise is a function of the step index (stageNoise), so running 0 → k and then k → T
 * gives bit-identical latents to running 0 → T.
 */
import { InputError } from "../errors";
import type { Float32NdArray } from "./tensor";
import { sameShape, shapeString } from "./tensor";

/** Where a stage starts and stops; absent fields mean the whole schedule. */
export interface PartialSchedule {
  /** The first step to take (0-based); latents at that step must be given when it is above 0. */
  startStep?: number;
  /** The step to stop before (exclusive); default: the number of steps. */
  endStep?: number;
  /** x_t at `timesteps[startStep]`, as a previous partial run left it. */
  startLatents?: Float32NdArray;
  /** Parameter names for messages (a node's "startStep"/"endStep", a pipeline's own). */
  startName?: string;
  endName?: string;
  latentsName?: string;
  /** The latents arrive on a node's input port of that name (errors then name the port). */
  latentsIsPort?: boolean;
}

export interface StepRange {
  start: number;
  end: number;
}

/** Check a partial schedule against a schedule of `steps` steps and a latent shape; returns the range. */
export function stepRange(steps: number, shape: number[], p: PartialSchedule = {}): StepRange {
  const startName = p.startName ?? "startStep";
  const endName = p.endName ?? "endStep";
  const latentsName = p.latentsName ?? "startLatents";
  const latentsPlace = p.latentsIsPort ? { port: latentsName } : { parameter: latentsName };
  const start = p.startStep ?? 0;
  const end = p.endStep ?? steps;
  if (!Number.isInteger(start) || start < 0) {
    throw new InputError("step_range", `${startName} must be a whole number of at least 0, got ${start}`, { parameter: startName });
  }
  if (!Number.isInteger(end) || end > steps) {
    throw new InputError("step_range", `${endName} must be at most the schedule's ${steps} steps, got ${end}`, { parameter: endName });
  }
  if (start >= end) {
    throw new InputError("step_range", `${startName} (${start}) must be below ${endName} (${end}): at least one step must run`, { parameter: startName });
  }
  if (start > 0 && !p.startLatents) {
    throw new InputError(
      "start_latents_missing",
      `${startName} is ${start}: the latents at that step are needed (${latentsName}), from a run that stopped there`,
      latentsPlace,
    );
  }
  if (start === 0 && p.startLatents) {
    throw new InputError(
      "start_latents_unused",
      `${latentsName} is given but ${startName} is 0: set ${startName} to the step those latents stopped at, or give starting noise instead`,
      { parameter: startName },
    );
  }
  if (p.startLatents && !sameShape(p.startLatents.shape, shape)) {
    throw new InputError(
      "latents_shape",
      `${latentsName}: got shape ${shapeString(p.startLatents.shape)}, this stage's latents are ${shapeString(shape)}`,
      latentsPlace,
    );
  }
  return { start, end };
}
