/**
 * Where a stage's randomness comes from: the initial latents and the fresh noise every
 * scheduler step with t > 0 adds. Either given (latents and per-step noise recorded elsewhere,
 * diffusers included, to replay a run exactly) or drawn from the stage's own seeded streams.
 */
import { InputError } from "../errors";
import { NoiseStream } from "./noise";
import { seededNoiseRows } from "./noisePrefetch";
import type { Float32NdArray } from "./tensor";
import { float32, numel, sameShape, shapeString } from "./tensor";

export interface StageNoiseOptions {
  seed: number;
  latents?: Float32NdArray;
  stepNoise?: Float32NdArray;
  /** Parameter names for messages, e.g. "decoderLatents", "decoderStepNoise". */
  latentsName: string;
  stepNoiseName: string;
  /** Continue a partial run: the latents it stopped at replace the starting noise. */
  resumeLatents?: Float32NdArray;
  /** The first step the loop takes (a partial run's start): the noise thread draws from there. */
  firstStep?: number;
}

export interface StageNoise {
  /** The latents the loop starts from: the starting noise, or a partial run's latents when resuming. */
  latents: Float32NdArray;
  /**
   * Noise for step i (0-based; every step but the last, whose t is 0). It depends on i alone, not
   * on where the loop started: a seeded stream is advanced past the steps before i. Drawn noise
   * goes into one buffer reused by every step (valid until the next call: the scheduler consumes
   * it within the step), so a large stage does not allocate, and collect, a tensor per step.
   */
  step(i: number): Float32Array;
  /** The stage is done (finished, cancelled or failed): the noise drawn ahead is let go. */
  close(): void;
}

export function stageNoise(stage: string, shape: number[], steps: number, o: StageNoiseOptions): StageNoise {
  if (o.latents && !sameShape(o.latents.shape, shape)) {
    throw new InputError("latents_shape", `${o.latentsName}: unexpected latents shape, got ${shapeString(o.latents.shape)}, expected ${shapeString(shape)}`, {
      parameter: o.latentsName,
    });
  }
  if (o.latents && o.latents.dtype !== "float32") {
    throw new InputError("latents_dtype", `${o.latentsName}: expected float32 values`, { parameter: o.latentsName });
  }
  const stepShape = [steps - 1, ...shape];
  if (o.stepNoise && !sameShape(o.stepNoise.shape, stepShape)) {
    throw new InputError(
      "step_noise_shape",
      `${o.stepNoiseName}: got shape ${shapeString(o.stepNoise.shape)}, expected ${shapeString(stepShape)} (one row per step with t > 0)`,
      { parameter: o.stepNoiseName },
    );
  }
  const count = numel(shape);
  const latents = o.resumeLatents ?? o.latents ?? float32(shape, new NoiseStream(o.seed, `${stage}:latents`).randn(count));
  const given = o.stepNoise;
  if (given) return { latents, step: (i) => given.data.subarray(i * count, (i + 1) * count), close() {} };
  // one row per step with t > 0, drawn ahead on the noise thread where that pays (noisePrefetch.ts)
  const rows = seededNoiseRows(o.seed, `${stage}:steps`, count, steps - 1, o.firstStep ?? 0);
  return { latents, step: (i) => rows.row(i), close: () => rows.close() };
}
