/**
 * Partial schedules on the sampler nodes: turning startStep / endStep and the "Continue from"
 * input into a stage's PartialSchedule (with a clear error when the latents come from another
 * stage, another schedule or another step), and the NOISY_LATENTS value a sampler hands on.
 */
import { InputError } from "../../server/errors";
import type { PartialSchedule } from "../../server/unclip/partialSchedule";
import type { UnCLIPSchedulerConfig } from "../../server/unclip/scheduler";
import type { Float32NdArray } from "../../server/unclip/tensor";
import { hasKind, type NoisyLatentsValue, type SchedulerValue } from "./values";

const PORT = "noisyLatents";

type Stage = NoisyLatentsValue["stage"];

const STAGE_WORDS: Record<Stage, string> = { prior: "prior", decoder: "decoder", super_res: "super-res" };

/** The schedule's identity: every config field (sorted, class name aside) and the step count. */
export function scheduleIdentity(config: UnCLIPSchedulerConfig, steps: number): string {
  const fields = Object.entries(config)
    .filter(([key]) => key !== "_class_name")
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({ config: Object.fromEntries(fields), steps });
}

function describeSchedule(identity: string): string {
  const { config, steps } = JSON.parse(identity) as { config: Record<string, unknown>; steps: number };
  return `${steps} steps, ${Object.entries(config)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(", ")}`;
}

/** What differs between two schedules, in words. */
function scheduleDifference(got: string, want: string): string {
  const a = JSON.parse(got) as { config: Record<string, unknown>; steps: number };
  const b = JSON.parse(want) as { config: Record<string, unknown>; steps: number };
  const diffs: string[] = [];
  if (a.steps !== b.steps) diffs.push(`${a.steps} steps, this scheduler has ${b.steps}`);
  for (const key of new Set([...Object.keys(a.config), ...Object.keys(b.config)])) {
    if (JSON.stringify(a.config[key]) !== JSON.stringify(b.config[key])) {
      diffs.push(`${key} ${JSON.stringify(a.config[key])}, this scheduler's is ${JSON.stringify(b.config[key])}`);
    }
  }
  return diffs.join("; ") || describeSchedule(got);
}

/**
 * The partial schedule a sampler node asks for: endStep 0 means the end; a connected "Continue
 * from" must come from the same stage and schedule and have stopped at startStep.
 */
export function partialFromInputs(
  inputs: Record<string, unknown>,
  params: { startStep: number; endStep: number },
  stage: Stage,
  scheduler: SchedulerValue,
): PartialSchedule {
  const v = inputs[PORT];
  const partial: PartialSchedule = {
    startStep: params.startStep,
    endStep: params.endStep === 0 ? undefined : params.endStep,
    latentsName: PORT,
    latentsIsPort: true,
  };
  if (v === undefined || v === null) return partial;
  if (!hasKind(v, "noisy_latents")) {
    throw new InputError("bad_input_value", `input "${PORT}": expected noisy latents from a sampler's Noisy latents output`, { port: PORT });
  }
  const given = v as NoisyLatentsValue;
  if (given.stage !== stage) {
    throw new InputError(
      "noisy_latents_stage",
      `input "${PORT}": these latents come from a ${STAGE_WORDS[given.stage]} sampler; a ${STAGE_WORDS[stage]} sampler cannot continue them`,
      { port: PORT },
    );
  }
  const mine = scheduleIdentity(scheduler.config, scheduler.numInferenceSteps);
  if (given.schedule !== mine) {
    throw new InputError(
      "noisy_latents_schedule",
      `input "${PORT}": the latents were made on another schedule (${scheduleDifference(given.schedule, mine)}); continue them with the same scheduler settings`,
      { port: PORT },
    );
  }
  if (given.step >= given.steps) {
    throw new InputError("noisy_latents_finished", `input "${PORT}": the latents have taken all ${given.steps} steps; there is nothing left to continue`, {
      port: PORT,
    });
  }
  if (given.step !== params.startStep) {
    throw new InputError(
      "noisy_latents_step",
      `startStep is ${params.startStep} but the latents on "${PORT}" stopped at step ${given.step} of ${given.steps}: set startStep to ${given.step}`,
      { parameter: "startStep", port: PORT },
    );
  }
  return { ...partial, startLatents: given.latents };
}

/** The NOISY_LATENTS value after a sampler took the steps up to `end` of `scheduler`'s schedule. */
export function noisyLatentsValue(stage: Stage, latents: Float32NdArray, end: number | undefined, scheduler: SchedulerValue, seed: number): NoisyLatentsValue {
  const steps = scheduler.numInferenceSteps;
  const step = end ?? steps;
  const timesteps = scheduler.scheduler.timesteps(steps, "numInferenceSteps");
  return {
    kind: "noisy_latents",
    stage,
    latents,
    step,
    steps,
    timestep: step < steps ? timesteps[step] : null,
    schedule: scheduleIdentity(scheduler.config, steps),
    seed,
  };
}

/** "steps 0–10 of 25" for a node's status line, or "" for the whole schedule. */
export function partialLabel(partial: PartialSchedule, steps: number): string {
  const start = partial.startStep ?? 0;
  const end = partial.endStep ?? steps;
  return start === 0 && end === steps ? "" : `, steps ${start}–${end} of ${steps}`;
}
