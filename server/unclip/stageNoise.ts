/**
 * Where a stage's randomness comes from: the initial latents and the fresh noise every
 * scheduler step with t > 0 adds. Either given (latents and per-step noise recorded elsewhere,
 * diffusers included, to replay a run exactly) or drawn from the stage's own seeded streams.
 */
import { InputError } from "../errors";
import { NoiseStream } from "./noise";
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
  const stream = given ? null : new NoiseStream(o.seed, `${stage}:steps`);
  // the stream holds one row per step in order: `next` is the step whose row it draws next
  let next = 0;
  let buffer: Float32Array | null = null;
  return {
    latents,
    step(i: number): Float32Array {
      if (given) return given.data.subarray(i * count, (i + 1) * count);
      if (i < next) throw new Error(`${stage}: step noise for step ${i} was already drawn (the stream is at step ${next})`);
      stream!.skip((i - next) * count);
      next = i + 1;
      return stream!.randnInto((buffer ??= new Float32Array(count)));
    },
  };
}
