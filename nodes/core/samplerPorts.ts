/** Optional noise inputs, partial-schedule ports and parameters every sampler has. Browser-safe (zod, ./types only). */
import { z } from "zod";
import { defineParam, type PortSpec } from "./types";

export function noiseInputs(stage: string, latentShape: string): PortSpec[] {
  return [
    { name: "seed", type: "SEED", label: "Seed", optional: true, description: "Overrides the Seed parameter when connected." },
    {
      name: "latents",
      type: "LATENTS",
      label: "Latents",
      optional: true,
      description: `Starting noise ${latentShape}, instead of drawing it from the seed's "${stage}" stream.`,
    },
    {
      name: "stepNoise",
      type: "LATENTS",
      label: "Step noise",
      optional: true,
      description: `The fresh noise of every step but the last, [steps − 1, ${latentShape.slice(1, -1)}], to replay a recorded run exactly.`,
    },
    {
      name: "noisyLatents",
      type: "NOISY_LATENTS",
      label: "Continue from",
      optional: true,
      description:
        "Latents another sampler of the same stage and schedule stopped at (its End step): this sampler continues from there. Set Start step to that step; with the same seed the result is exactly the uninterrupted run's.",
    },
  ];
}

export const noisyLatentsOutput: PortSpec = {
  name: "noisyLatents",
  type: "NOISY_LATENTS",
  label: "Noisy latents",
  description: "The latents after the last step this sampler took, with that step and the schedule, to inspect or to continue in another sampler.",
};

/** The largest step count a scheduler allows (stepsParam's maximum). */
const MAX_STEP = 1000;

/** startStep / endStep: run only part of the schedule ("branch from step k"); the defaults run all of it. */
export function partialScheduleParams() {
  return [
    defineParam({
      name: "startStep",
      label: "Start step",
      description: "The first step to take (0 = from noise). Above 0, connect “Continue from” to the latents a sampler stopped at this step.",
      schema: z.number().int().min(0).max(MAX_STEP),
      default: 0,
      widget: "number",
      min: 0,
      max: MAX_STEP,
      step: 1,
    }),
    defineParam({
      name: "endStep",
      label: "End step",
      description: "Stop before this step (0 = run to the end). The Noisy latents output then holds the latents at that step, to inspect or continue.",
      schema: z.number().int().min(0).max(MAX_STEP),
      default: 0,
      widget: "number",
      min: 0,
      max: MAX_STEP,
      step: 1,
    }),
  ];
}
