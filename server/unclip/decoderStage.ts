/**
 * The decoder: text_proj turns the image embedding and the text into the decoder's conditioning
 * (extra context tokens + an additive time embedding), then a UNet denoises a small image in
 * pixel space with classifier-free guidance and a learned variance.
 */
import type { UnclipComponents } from "./components";
import type { TextConditioning } from "./encodePrompt";
import { classifierFreeGuidance, guidanceHalves } from "./guidance";
import type { Recorder, StageHooks, StageTimings } from "./progress";
import { timed, throwIfCancelled } from "./progress";
import { type ModelPrediction, sampleStage } from "./sampler";
import type { PartialSchedule } from "./partialSchedule";
import type { UnCLIPScheduler } from "./scheduler";
import type { BoolNdArray, Float32NdArray } from "./tensor";
import { bool, clamp, concatBatch, float32, repeatInterleaveBatch } from "./tensor";

export interface DecoderConditioning {
  encoderHiddenStates: Float32NdArray;
  classLabels: Float32NdArray;
  attentionMask: BoolNdArray;
  cfg: boolean;
  batch: number;
}

/** text_proj, with the learned "unconditional" image embedding in front when guidance is on. */
export async function decoderConditioning(
  components: UnclipComponents,
  text: TextConditioning,
  imageEmbeddings: Float32NdArray,
  record?: Recorder,
  timings?: StageTimings,
): Promise<DecoderConditioning> {
  return timed(timings, "text_proj", async () => {
    let img = imageEmbeddings;
    if (text.cfg) {
      const learned = await components.learnedGuidanceEmbedding();
      const uncond = repeatInterleaveBatch(float32([1, learned.shape[0]], learned.data), imageEmbeddings.shape[0]);
      img = concatBatch([uncond, imageEmbeddings]);
    }
    const { encoderHiddenStates, additiveClipTimeEmbeddings } = await components.textProj({
      imageEmbeddings: img,
      promptEmbeds: text.promptEmbeds,
      textEncoderHiddenStates: text.hiddenStates,
    });
    const extra = components.pkg.configs.text_proj!.clip_extra_context_tokens;
    const attentionMask = padMask(text.mask, extra);
    if (record) {
      record.decoder_encoder_hidden_states = encoderHiddenStates;
      record.additive_clip_time_embeddings = additiveClipTimeEmbeddings;
      record.decoder_attention_mask = attentionMask;
    }
    return { encoderHiddenStates, classLabels: additiveClipTimeEmbeddings, attentionMask, cfg: text.cfg, batch: text.batch };
  });
}

/** The extra context tokens text_proj puts first are always attended to. */
export function padMask(mask: BoolNdArray, extra: number): BoolNdArray {
  const [rows, len] = mask.shape;
  const out = new Uint8Array(rows * (len + extra));
  for (let r = 0; r < rows; r++) {
    out.fill(1, r * (len + extra), r * (len + extra) + extra);
    out.set(mask.data.subarray(r * len, (r + 1) * len), r * (len + extra) + extra);
  }
  return bool([rows, len + extra], out);
}

/** One guided decoder prediction: eps guided, variance channels from the conditional half. */
export async function decoderModelOutput(
  components: UnclipComponents,
  cond: DecoderConditioning,
  latents: Float32NdArray,
  t: number,
  guidanceScale: number,
): Promise<Float32NdArray> {
  return (await decoderPrediction(components, cond, latents, t, guidanceScale)).output;
}

/** The guided decoder prediction with the two halves it was made from (for traces). */
export async function decoderPrediction(
  components: UnclipComponents,
  cond: DecoderConditioning,
  latents: Float32NdArray,
  t: number,
  guidanceScale: number,
): Promise<ModelPrediction> {
  const out = await components.decoder({
    sample: cond.cfg ? concatBatch([latents, latents]) : latents,
    timestep: t,
    encoderHiddenStates: cond.encoderHiddenStates,
    classLabels: cond.classLabels,
    attentionMask: cond.attentionMask,
  });
  if (!cond.cfg) return { output: out };
  return { output: classifierFreeGuidance(out, guidanceScale, latents.shape[1]), guidance: guidanceHalves(out, guidanceScale) };
}

export interface DecoderOptions {
  numInferenceSteps: number;
  guidanceScale: number;
  seed: number;
  latents?: Float32NdArray;
  stepNoise?: Float32NdArray;
  /** The scheduler to step with (a node graph may mix packages or override options); default: the package's. */
  scheduler?: UnCLIPScheduler;
  /** Parameter name the step-count check names in its message. */
  stepsName?: string;
  /** Only part of the schedule (startStep/endStep), resuming from a partial run's latents. */
  partial?: PartialSchedule;
}

/** The decoder's denoising loop: its latents after the last step taken, [B, C, s, s], not clamped. */
export async function sampleDecoder(
  components: UnclipComponents,
  cond: DecoderConditioning,
  o: DecoderOptions,
  hooks?: StageHooks,
  record?: Recorder,
  timings?: StageTimings,
): Promise<Float32NdArray> {
  throwIfCancelled(hooks);
  return timed(timings, "decoder", async () => {
    const scheduler = o.scheduler ?? (await components.scheduler("decoder_scheduler"));
    const timesteps = scheduler.timesteps(o.numInferenceSteps, o.stepsName ?? "decoderNumInferenceSteps");
    const cfg = components.pkg.configs.decoder!;
    return sampleStage({
      stage: "decoder",
      parameterPrefix: "decoder",
      scheduler,
      timesteps,
      shape: [cond.batch, cfg.in_channels, cfg.sample_size, cfg.sample_size],
      seed: o.seed,
      latents: o.latents,
      stepNoise: o.stepNoise,
      hooks,
      record,
      partial: o.partial,
      modelOutput: (x, t) => decoderPrediction(components, cond, x, t, o.guidanceScale),
    });
  });
}

/** Returns the decoder image, clamped to [-1, 1]: [B, C, s, s]. */
export async function runDecoder(
  components: UnclipComponents,
  cond: DecoderConditioning,
  o: DecoderOptions,
  hooks?: StageHooks,
  record?: Recorder,
  timings?: StageTimings,
): Promise<Float32NdArray> {
  const image = clamp(await sampleDecoder(components, cond, o, hooks, record, timings), -1, 1);
  if (record) record.decoder_image = image;
  return image;
}
