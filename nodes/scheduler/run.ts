import { UnCLIPScheduler } from "../../server/unclip/scheduler";
import { numberOr, schedulerInput } from "../engine/inputs";
import { defineRunner } from "../engine/runContext";
import { schedulerNode } from "./node";
import type { SchedulerValue } from "../engine/values";

export const schedulerRunner = defineRunner(schedulerNode, (_ctx, inputs, p) => {
  const base = schedulerInput(inputs, "scheduler");
  const steps = numberOr(inputs, "numInferenceSteps", p.numInferenceSteps);
  const config = {
    ...base.config,
    ...(p.varianceType !== "package" ? { variance_type: p.varianceType } : {}),
    ...(p.clipSampleRange > 0 ? { clip_sample_range: p.clipSampleRange } : {}),
  };
  const unchanged = config.variance_type === base.config.variance_type && config.clip_sample_range === base.config.clip_sample_range;
  const scheduler = unchanged ? base.scheduler : new UnCLIPScheduler(config);
  scheduler.timesteps(steps, "numInferenceSteps"); // refuse a bad step count here, naming this node's parameter
  const value: SchedulerValue = { ...base, config, scheduler, numInferenceSteps: steps };
  return { outputs: { scheduler: value }, ui: { text: `${steps} steps, ${config.variance_type}, clip ±${config.clip_sample_range}` } };
});
