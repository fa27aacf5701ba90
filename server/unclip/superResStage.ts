/**
 * Super-resolution: the decoder image is upscaled (bicubic, antialiased, as torch does it) and
 * given to a UNet beside the noisy latents; `super_res_first` runs every step but the last,
 * `super_res_last` the last one. No guidance.
 */
import { InputError } from "../errors";
import type { UnclipComponents } from "./components";
import type { Recorder, StageHooks, StageTimings } from "./progress";
import { timed, throwIfCancelled } from "./progress";
import { sampleStage } from "./sampler";
import type { PartialSchedule } from "./partialSchedule";
import type { UnCLIPScheduler } from "./scheduler";
import type { Float32NdArray } from "./tensor";
import { channelConcatBeside, float32 } from "./tensor";
import { upscaleBicubicAntialias } from "./upscale";

export interface SuperResOptions {
  numInferenceSteps: number;
  seed: number;
  latents?: Float32NdArray;
  stepNoise?: Float32NdArray;
  /** The scheduler to step with (a node graph may mix packages or override options); default: the package's. */
  scheduler?: UnCLIPScheduler;
  /** Parameter name the step-count check names in its message. */
  stepsName?: string;
  /** Only part of the schedule (startStep/endStep), resuming from a partial run's latents. */
  partial?: PartialSchedule;
  /**
   * Where each UNet comes from when not from `components` (a graph may wire super_res_first and
   * super_res_last as two components, even from two packages). A missing one fails when its step comes.
   */
  unets?: SuperResUnets;
}

export type SuperResUnetName = "super_res_first" | "super_res_last";
export type SuperResUnets = Partial<Record<SuperResUnetName, UnclipComponents>>;

export function upscaleDecoderImage(image: Float32NdArray, size: number): Float32NdArray {
  const [n, c, h, w] = image.shape;
  return float32([n, c, size, size], upscaleBicubicAntialias(image.data, [n, c, h, w], size, size));
}

/** Which UNet runs at step i of n. */
export function superResUnet(i: number, steps: number): SuperResUnetName {
  return i === steps - 1 ? "super_res_last" : "super_res_first";
}

// One [latents | upscaled] input buffer per upscaled image, reused by every step of its loop.
const superResInputs = new WeakMap<Float32NdArray, (latents: Float32NdArray) => Float32NdArray>();

function superResInput(latents: Float32NdArray, upscaled: Float32NdArray): Float32NdArray {
  let concat = superResInputs.get(upscaled);
  if (!concat) superResInputs.set(upscaled, (concat = channelConcatBeside(upscaled)));
  return concat(latents);
}

export async function superResModelOutput(
  components: UnclipComponents,
  upscaled: Float32NdArray,
  latents: Float32NdArray,
  t: number,
  i: number,
  steps: number,
  unets?: SuperResUnets,
): Promise<{ output: Float32NdArray; unet: string }> {
  const unet = superResUnet(i, steps);
  const model = unets ? unets[unet] : components;
  if (!model) throw new InputError("super_res_unet_missing", `super-res step ${i + 1} of ${steps} runs ${unet}, which is not connected`, { component: unet });
  const output = await model.superRes(unet, superResInput(latents, upscaled), t);
  return { output, unet };
}

/** Returns the super-res latents after the last step: [B, C, S, S] (not yet mapped to [0, 1]). */
export async function runSuperRes(
  components: UnclipComponents,
  decoderImage: Float32NdArray,
  o: SuperResOptions,
  hooks?: StageHooks,
  record?: Recorder,
  timings?: StageTimings,
): Promise<Float32NdArray> {
  throwIfCancelled(hooks);
  return timed(timings, "super_res", async () => {
    const scheduler = o.scheduler ?? (await components.scheduler("super_res_scheduler"));
    const timesteps = scheduler.timesteps(o.numInferenceSteps, o.stepsName ?? "superResNumInferenceSteps");
    // sizes from whichever UNet the package has (the package check makes the two agree)
    const cfg = (components.pkg.configs.super_res_first ?? components.pkg.configs.super_res_last)!;
    const S = cfg.sample_size;
    const upscaled = upscaleDecoderImage(decoderImage, S);
    if (record) record.image_upscaled = upscaled;
    const latents = await sampleStage({
      stage: "super_res",
      parameterPrefix: "superRes",
      scheduler,
      timesteps,
      shape: [decoderImage.shape[0], cfg.in_channels / 2, S, S],
      seed: o.seed,
      latents: o.latents,
      stepNoise: o.stepNoise,
      hooks,
      record,
      partial: o.partial,
      modelOutput: (x, t, i) => superResModelOutput(components, upscaled, x, t, i, timesteps.length, o.unets),
    });
    return latents;
  });
}

/** diffusers' post-processing: x · 0.5 + 0.5, clamped to [0, 1], NCHW → NHWC. */
export function toImageArray(latents: Float32NdArray): Float32NdArray {
  const [n, c, h, w] = latents.shape;
  const out = new Float32Array(n * h * w * c);
  const src = latents.data;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = (b * c + ch) * h * w;
      for (let i = 0; i < h * w; i++) {
        const v = Math.fround(Math.fround(src[plane + i] * 0.5) + 0.5);
        out[(b * h * w + i) * c + ch] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return float32([n, h, w, c], out);
}
