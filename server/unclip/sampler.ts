/**
 * The denoising loop all three stages share: for each inference timestep, ask the stage for its
 * (guided) model output, let the UnCLIPScheduler take the step, add that step's noise, report.
 * Cancellation is checked before every model call, so a cancel takes effect within one step.
 */
import type { GuidanceParts, Recorder, StageHooks, StepEvent } from "./progress";
import { throwIfCancelled } from "./progress";
import type { UnCLIPScheduler } from "./scheduler";
import { type PartialSchedule, type StepRange, stepRange } from "./partialSchedule";
import { type StageNoise, stageNoise } from "./stageNoise";
import { assertFiniteStep, yieldToEventLoop } from "./stepGuards";
import type { Float32NdArray } from "./tensor";
import { float32 } from "./tensor";

export interface StepRecord {
  modelOutputs: Float32Array[];
  prevSamples: Float32Array[];
}

export interface ModelPrediction {
  output: Float32NdArray;
  unet?: string;
  guidance?: GuidanceParts;
}

export interface SamplerOptions {
  stage: StepEvent["stage"];
  scheduler: UnCLIPScheduler;
  timesteps: number[];
  noise: StageNoise;
  /** Model output for x_t at step i, the name of the model that ran (for super-res) and the guidance halves. */
  modelOutput: (sample: Float32NdArray, t: number, i: number) => Promise<ModelPrediction>;
  hooks?: StageHooks;
  record?: StepRecord;
  /** Only the steps [start, end) of the schedule (a partial run); default: all of them. */
  range?: StepRange;
}

export async function sample(o: SamplerOptions): Promise<Float32NdArray> {
  let latents = o.noise.latents;
  const steps = o.timesteps.length;
  const { start, end } = o.range ?? { start: 0, end: steps };
  const spatial = latents.shape.length > 2;
  // With nobody watching the steps (no onStep hook, no record), the loop allocates no tensors per
  // step: x_{t-1} is written over x_t in a buffer of the loop's own (the model has consumed x_t by
  // then, and the step reads each element before writing it), x0 goes to one scratch buffer. The
  // starting latents (given by the caller, or a partial run's) are never written to. Watched
  // steps keep fresh arrays, since hooks and records may hold on to them.
  const watched = o.hooks?.onStep !== undefined || o.record !== undefined;
  let own: Float32NdArray | null = null;
  let x0Scratch: Float32Array | null = null;
  o.hooks?.onProgress?.({ stage: o.stage, step: start, steps });
  for (let i = start; i < end; i++) {
    throwIfCancelled(o.hooks);
    const t = o.timesteps[i];
    const prevTimestep = i + 1 < steps ? o.timesteps[i + 1] : null;
    const { output, unet, guidance } = await o.modelOutput(latents, t, i);
    // a cancel that arrived while the model ran takes effect now, not after more CPU work
    throwIfCancelled(o.hooks);
    const r = o.scheduler.step({
      modelOutput: output.data,
      modelOutputChannels: spatial ? output.shape[1] : 0,
      sample: latents.data,
      sampleChannels: spatial ? latents.shape[1] : 0,
      sampleShape: latents.shape,
      timestep: t,
      prevTimestep,
      noise: t > 0 ? o.noise.step(i) : undefined,
      prevSampleOut: watched ? undefined : (own ??= float32(latents.shape)).data,
      predOriginalSampleOut: watched ? undefined : (x0Scratch ??= new Float32Array(latents.data.length)),
    });
    assertFiniteStep(o.stage, i, steps, r.prevSample);
    const next = own ?? float32(latents.shape, r.prevSample);
    if (o.record) {
      o.record.modelOutputs.push(output.data);
      o.record.prevSamples.push(r.prevSample);
    }
    o.hooks?.onStep?.({
      stage: o.stage,
      index: i,
      steps,
      timestep: t,
      prevTimestep,
      sample: latents,
      modelOutput: output,
      prevSample: next,
      predOriginalSample: float32(latents.shape, r.predOriginalSample),
      unet,
      meanVarianceFraction: r.meanVarianceFraction,
      guidance,
    });
    latents = next;
    o.hooks?.onProgress?.({ stage: o.stage, step: i + 1, steps, timestep: t });
    await yieldToEventLoop();
  }
  return latents;
}

/** Stack per-step arrays into [steps, ...shape] (the layout of the reference cases). */
export function stackSteps(arrays: Float32Array[], shape: number[]): Float32NdArray {
  const size = arrays[0]?.length ?? 0;
  const out = new Float32Array(arrays.length * size);
  arrays.forEach((a, i) => out.set(a, i * size));
  return float32([arrays.length, ...shape], out);
}

export interface StageSamplingOptions {
  stage: SamplerOptions["stage"];
  /** The stage's prefix in parameter names: "prior" → priorLatents, priorStepNoise. */
  parameterPrefix: string;
  scheduler: UnCLIPScheduler;
  timesteps: number[];
  /** Shape of the stage's latents. */
  shape: number[];
  seed: number;
  latents?: Float32NdArray;
  stepNoise?: Float32NdArray;
  modelOutput: SamplerOptions["modelOutput"];
  hooks?: StageHooks;
  /** When given, the per-step model outputs and samples are kept as `<stage>_steps_*`. */
  record?: Recorder;
  /** Take only part of the schedule, resuming from a partial run's latents (see partialSchedule.ts). */
  partial?: PartialSchedule;
}

/** A stage's noise (given or seeded), its denoising loop, and the per-step record. */
export async function sampleStage(o: StageSamplingOptions): Promise<Float32NdArray> {
  const range = stepRange(o.timesteps.length, o.shape, o.partial);
  const noise = stageNoise(o.stage, o.shape, o.timesteps.length, {
    seed: o.seed,
    latents: o.latents,
    stepNoise: o.stepNoise,
    latentsName: `${o.parameterPrefix}Latents`,
    stepNoiseName: `${o.parameterPrefix}StepNoise`,
    resumeLatents: o.partial?.startLatents,
    firstStep: range.start,
  });
  const steps: StepRecord | undefined = o.record ? { modelOutputs: [], prevSamples: [] } : undefined;
  let outputShape = o.shape;
  let latents: Float32NdArray;
  try {
    latents = await sample({
      stage: o.stage,
      scheduler: o.scheduler,
      timesteps: o.timesteps,
      noise,
      hooks: o.hooks,
      record: steps,
      range,
      modelOutput: async (x, t, i) => {
        const r = await o.modelOutput(x, t, i);
        outputShape = r.output.shape;
        return r;
      },
    });
  } finally {
    noise.close();
  }
  if (o.record && steps) {
    o.record[`${o.stage}_steps_model_output`] = stackSteps(steps.modelOutputs, outputShape);
    o.record[`${o.stage}_steps_prev_sample`] = stackSteps(steps.prevSamples, o.shape);
  }
  return latents;
}
