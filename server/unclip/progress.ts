/** Progress reporting, per-step observation and cancellation shared by every stage. */
import { CancelledError } from "../errors";
import type { Float32NdArray, NdArray } from "./tensor";

export type StageName = "text_encoder" | "image_encoder" | "prior" | "text_proj" | "decoder" | "super_res";

export interface ProgressEvent {
  stage: StageName;
  /** 1-based step just finished (0 = stage started). */
  step: number;
  steps: number;
  timestep?: number;
}

export interface StepEvent {
  stage: "prior" | "decoder" | "super_res";
  index: number;
  steps: number;
  timestep: number;
  prevTimestep: number | null;
  /** x_t before the step, the model output handed to the scheduler, x_{t-1} and the predicted x0. */
  sample: Float32NdArray;
  modelOutput: Float32NdArray;
  prevSample: Float32NdArray;
  predOriginalSample: Float32NdArray;
  /** Which UNet ran (super-res: first or last). */
  unet?: string;
  meanVarianceFraction: number | null;
  /** With classifier-free guidance: the two halves of the model output before they were combined. */
  guidance?: GuidanceParts;
}

/** The unconditional and conditional model outputs (views into the batch, all channels) and the scale. */
export interface GuidanceParts {
  scale: number;
  uncond: Float32NdArray;
  cond: Float32NdArray;
}

export interface StageHooks {
  onProgress?: (e: ProgressEvent) => void;
  /** Called after every denoising step (previews, traces); keep it cheap or copy what you keep. */
  onStep?: (e: StepEvent) => void;
  signal?: AbortSignal;
}

export function throwIfCancelled(hooks: StageHooks | undefined): void {
  if (hooks?.signal?.aborted) throw new CancelledError();
}

/** Tensors recorded under the file names the reference cases use (input_ids, decoder_image, …). */
export type Recorder = Record<string, NdArray>;

/** Wall time per stage, in milliseconds. */
export type StageTimings = Partial<Record<StageName, number>>;

export async function timed<T>(timings: StageTimings | undefined, stage: StageName, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    if (timings) timings[stage] = (timings[stage] ?? 0) + performance.now() - t0;
  }
}
