/**
 * The prior: from the CLIP text embedding and hidden states to a CLIP image embedding,
 * by denoising (prediction type "sample" in Karlo), then un-normalising with clip_std/clip_mean.
 */
import type { UnclipComponents } from "./components";
import { classifierFreeGuidance, guidanceHalves } from "./guidance";
import type { Recorder, StageHooks, StageTimings } from "./progress";
import { timed } from "./progress";
import { type ModelPrediction, sampleStage } from "./sampler";
import type { TextConditioning } from "./encodePrompt";
import type { PartialSchedule } from "./partialSchedule";
import type { UnCLIPScheduler } from "./scheduler";
import type { Float32NdArray } from "./tensor";
import { concatBatch, float32 } from "./tensor";

export interface PriorOptions {
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

/** One guided prior prediction for latents x_t at timestep t. */
export async function priorModelOutput(
  components: UnclipComponents,
  text: TextConditioning,
  latents: Float32NdArray,
  t: number,
  guidanceScale: number,
): Promise<Float32NdArray> {
  return (await priorPrediction(components, text, latents, t, guidanceScale)).output;
}

/** The guided prior prediction with the two halves it was made from (for traces). */
export async function priorPrediction(
  components: UnclipComponents,
  text: TextConditioning,
  latents: Float32NdArray,
  t: number,
  guidanceScale: number,
): Promise<ModelPrediction> {
  const x = text.cfg ? concatBatch([latents, latents]) : latents;
  const p = await components.prior({
    hiddenStates: x,
    timestep: t,
    projEmbedding: text.promptEmbeds,
    encoderHiddenStates: text.hiddenStates,
    attentionMask: text.mask,
  });
  return text.cfg ? { output: classifierFreeGuidance(p, guidanceScale), guidance: guidanceHalves(p, guidanceScale) } : { output: p };
}

/** diffusers' PriorTransformer.post_process_latents: latents · clip_std + clip_mean (per column). */
export function postProcessLatents(latents: Float32NdArray, clipMean: Float32NdArray, clipStd: Float32NdArray): Float32NdArray {
  const [rows, dim] = latents.shape;
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      out[r * dim + j] = Math.fround(Math.fround(latents.data[r * dim + j] * clipStd.data[j]) + clipMean.data[j]);
    }
  }
  return float32([rows, dim], out);
}

/** The prior's denoising loop: its latents (normalised CLIP space) after the last step taken. */
export async function samplePrior(
  components: UnclipComponents,
  text: TextConditioning,
  o: PriorOptions,
  hooks?: StageHooks,
  record?: Recorder,
  timings?: StageTimings,
): Promise<Float32NdArray> {
  return timed(timings, "prior", async () => {
    const scheduler = o.scheduler ?? (await components.scheduler("prior_scheduler"));
    const timesteps = scheduler.timesteps(o.numInferenceSteps, o.stepsName ?? "priorNumInferenceSteps");
    const dim = components.pkg.configs.prior!.embedding_dim;
    return sampleStage({
      stage: "prior",
      parameterPrefix: "prior",
      scheduler,
      timesteps,
      shape: [text.batch, dim],
      seed: o.seed,
      latents: o.latents,
      stepNoise: o.stepNoise,
      hooks,
      record,
      partial: o.partial,
      modelOutput: (x, t) => priorPrediction(components, text, x, t, o.guidanceScale),
    });
  });
}

/** The prior, then diffusers' post_process_latents: the CLIP image embeddings. */
export async function runPrior(
  components: UnclipComponents,
  text: TextConditioning,
  o: PriorOptions,
  hooks?: StageHooks,
  record?: Recorder,
  timings?: StageTimings,
): Promise<Float32NdArray> {
  const latents = await samplePrior(components, text, o, hooks, record, timings);
  const imageEmbeddings = postProcessLatents(latents, await components.clipMean(), await components.clipStd());
  if (record) record.image_embeddings = imageEmbeddings;
  return imageEmbeddings;
}
