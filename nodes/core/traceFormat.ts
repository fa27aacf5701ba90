/**
 * The teaching-trace format, shared by the server that records it (server/unclip/stageTrace.ts)
 * and the editor's views that read it. Browser-safe: types and constants only.
 */

export const STAGE_TRACE_FORMAT = "unclip-studio/stage-trace";

export interface TraceTensor {
  shape: number[];
  dtype: "float32" | "float16";
  /** base64 of the little-endian values. */
  data: string;
}

/** Tensors with more values than this (e.g. 3×256×256) are stored as float16. */
export const HALF_PRECISION_ABOVE = 3 * 128 * 128;

export interface TraceStep {
  index: number;
  timestep: number;
  prevTimestep: number | null;
  /** ᾱ_t of this step's timestep. */
  alphaProdT: number;
  /** Super-res: which UNet ran at this step. */
  unet?: string;
  /** learned_range: where between β̃_t and β_t the model put the variance, averaged over values. */
  meanVarianceFraction: number | null;
  /** x_t before the step. */
  sample: TraceTensor;
  predOriginalSample: TraceTensor;
  /** The prediction the scheduler used (guided), only the channels it reads as the prediction. */
  modelOutput: TraceTensor;
  /** With guidance: the unconditional and conditional predictions (same channels). */
  uncond?: TraceTensor;
  cond?: TraceTensor;
}

export interface EmbeddingTrajectory {
  /** Per step: the predicted clean embedding mapped to CLIP space (x0 · clip_std + clip_mean). */
  predicted: TraceTensor[];
  text: TraceTensor;
  final: TraceTensor;
  cosineToText: number[];
  cosineToFinal: number[];
}

export interface StageTrace {
  format: typeof STAGE_TRACE_FORMAT;
  version: 1;
  stage: "prior" | "decoder" | "super_res";
  /** The batch item recorded (always the first) and how many the batch held. */
  item: number;
  batch: number;
  timesteps: number[];
  scheduler: { predictionType: string; varianceType: string; clipSample: boolean; clipSampleRange: number; numTrainTimesteps: number };
  guidanceScale: number | null;
  steps: TraceStep[];
  /** The stage's result for the item (after the last step). */
  final: TraceTensor;
  embedding?: EmbeddingTrajectory;
}

/** An interpolation's frames: one embedding per factor and how close each is to either end. */
export interface FramesTrace {
  method: string;
  factors: number[];
  embeddings: TraceTensor[];
  a: TraceTensor;
  b: TraceTensor;
  cosineToA: number[];
  cosineToB: number[];
}
