import { z } from "zod";
import { stepsParam } from "../core/params";
import { defineNode } from "../core/types";

export const VARIANCE_TYPE_OPTIONS = ["package", "fixed_small_log", "learned_range"] as const;

export const schedulerNode = defineNode({
  type: "unclip.scheduler",
  version: 1,
  title: "Scheduler",
  category: "Sampling",
  description:
    "Sets how a sampler walks from pure noise to a clean result. The UnCLIPScheduler picks the steps evenly from the 1000 training timesteps (always including the first and the last); fewer steps is faster but rougher. Each step predicts the clean result, mixes it with the current sample and adds a little fresh noise, whose size is either fixed by the schedule (fixed_small_log) or chosen by the model itself (learned_range, which needs a model that outputs variance channels). Predictions are clipped to ±clip range.",
  inputs: [
    { name: "scheduler", type: "SCHEDULER", label: "Scheduler", description: "A scheduler from a package loader (its config is the starting point)." },
    { name: "numInferenceSteps", type: "INT", label: "Steps", optional: true, description: "Overrides the Steps parameter when connected." },
  ],
  outputs: [{ name: "scheduler", type: "SCHEDULER", label: "Scheduler" }],
  explain: {
    formula: "timesteps = round(i·(T−1)/(n−1)), n = {params.numInferenceSteps};  β_step = 1 − ᾱ_t/ᾱ_prev;  β̃ = (1−ᾱ_prev)/(1−ᾱ_t)·β_step",
    text: "With {params.numInferenceSteps} steps the sampler visits only these of the 1000 training timesteps, so each step jumps over several and its β is recomputed from ᾱ. Variance type: {params.varianceType}.",
  },
  params: [
    stepsParam(25),
    {
      name: "varianceType",
      label: "Variance type",
      description: '"package" keeps the package\'s setting.',
      schema: z.enum(VARIANCE_TYPE_OPTIONS),
      default: "package",
      widget: "select",
      options: VARIANCE_TYPE_OPTIONS,
    },
    {
      name: "clipSampleRange",
      label: "Clip range",
      description: "Clip the predicted clean sample to ±this value; 0 keeps the package's setting.",
      schema: z.number().min(0).max(100),
      default: 0,
      widget: "number",
      min: 0,
      max: 100,
      step: 0.5,
    },
  ],
});
