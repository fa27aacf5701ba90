/**
 * Text → image, as diffusers' UnCLIPPipeline.__call__ (v0.23): CLIP text encoder → prior →
 * text_proj → decoder → super-resolution. Every parameter of the reference has the same name here
 * (camelCase); a seed replaces torch's generator, and per-stage step noise allows exact replay.
 */
import { InputError } from "../errors";
import { TEXT_TO_IMAGE_COMPONENTS, requireComponents } from "../runtime/modelPackage";
import type { Provider } from "../runtime/device";
import type { UnclipComponents } from "./components";
import { decodeImageEmbeddings } from "./decodeEmbeddings";
import { encodePrompt, type TextModelOutput } from "./encodePrompt";
import { randomSeed } from "../../nodes/core/seeds";
import { checkCount, checkGuidance, checkSeed, checkSteps, expectFinite, expectShape } from "./pipelineOptions";
import { runPrior } from "./priorStage";
import type { Recorder, StageHooks, StageTimings } from "./progress";
import { throwIfCancelled, timed } from "./progress";
import type { BoolNdArray, Float32NdArray } from "./tensor";

export interface Text2ImageOptions {
  prompt?: string | string[];
  numImagesPerPrompt?: number;
  priorNumInferenceSteps?: number;
  decoderNumInferenceSteps?: number;
  superResNumInferenceSteps?: number;
  /** Replaces diffusers' `generator`; a random one is drawn (and reported) when omitted. */
  seed?: number;
  priorLatents?: Float32NdArray;
  decoderLatents?: Float32NdArray;
  superResLatents?: Float32NdArray;
  /** Per-step scheduler noise, [steps − 1, B, …], to replay a recorded run exactly. */
  priorStepNoise?: Float32NdArray;
  decoderStepNoise?: Float32NdArray;
  superResStepNoise?: Float32NdArray;
  textModelOutput?: TextModelOutput;
  textAttentionMask?: BoolNdArray;
  priorGuidanceScale?: number;
  decoderGuidanceScale?: number;
  /** Keep every intermediate tensor under the reference cases' file names. */
  recordIntermediates?: boolean;
}

export const TEXT_TO_IMAGE_DEFAULTS = {
  numImagesPerPrompt: 1,
  priorNumInferenceSteps: 25,
  decoderNumInferenceSteps: 25,
  superResNumInferenceSteps: 7,
  priorGuidanceScale: 4.0,
  decoderGuidanceScale: 8.0,
} as const;

export interface PipelineResult {
  /** [B, S, S, 3] in [0, 1] (diffusers' output_type="np"). */
  images: Float32NdArray;
  seed: number;
  /** The execution provider that ran each graph. */
  providers: Partial<Record<string, Provider>>;
  timings: StageTimings;
  intermediates?: Recorder;
}

export async function text2image(components: UnclipComponents, options: Text2ImageOptions, hooks?: StageHooks): Promise<PipelineResult> {
  // diffusers' defaults, then the package's own (its `_pipeline_defaults`), then what the caller gave
  const o = { ...TEXT_TO_IMAGE_DEFAULTS, ...components.pkg.pipelineDefaults, ...stripUndefined(options) };
  requireComponents(components.pkg, TEXT_TO_IMAGE_COMPONENTS, "text-to-image");
  const prompts = o.prompt === undefined ? undefined : Array.isArray(o.prompt) ? o.prompt : [o.prompt];
  if (prompts && prompts.some((p) => typeof p !== "string")) {
    throw new InputError("bad_prompt", "prompt must be a string or a list of strings", { parameter: "prompt" });
  }
  if (!prompts && !o.textModelOutput) {
    throw new InputError("missing_prompt", "prompt: give a prompt (or textModelOutput with textAttentionMask)", { parameter: "prompt" });
  }
  if (prompts && prompts.length === 0) throw new InputError("missing_prompt", "prompt: the list of prompts is empty", { parameter: "prompt" });
  checkCount(o.numImagesPerPrompt, "numImagesPerPrompt");
  checkGuidance(o.priorGuidanceScale, "priorGuidanceScale");
  checkGuidance(o.decoderGuidanceScale, "decoderGuidanceScale");
  const seed = o.seed ?? randomSeed();
  checkSeed(seed);

  const cfgs = components.pkg.configs;
  const [priorScheduler, decoderScheduler, superResScheduler] = await Promise.all([
    components.scheduler("prior_scheduler"),
    components.scheduler("decoder_scheduler"),
    components.scheduler("super_res_scheduler"),
  ]);
  checkSteps(priorScheduler, o.priorNumInferenceSteps, "priorNumInferenceSteps");
  checkSteps(decoderScheduler, o.decoderNumInferenceSteps, "decoderNumInferenceSteps");
  checkSteps(superResScheduler, o.superResNumInferenceSteps, "superResNumInferenceSteps");

  const batch0 = prompts ? prompts.length : o.textModelOutput!.textEmbeds.shape[0];
  const B = batch0 * o.numImagesPerPrompt;
  const D = cfgs.prior!.embedding_dim;
  const dec = cfgs.decoder!;
  const sr = cfgs.super_res_first!;
  const decShape = [B, dec.in_channels, dec.sample_size, dec.sample_size];
  const srShape = [B, sr.in_channels / 2, sr.sample_size, sr.sample_size];
  expectShape(o.priorLatents, [B, D], "priorLatents");
  expectShape(o.decoderLatents, decShape, "decoderLatents");
  expectShape(o.superResLatents, srShape, "superResLatents");
  expectShape(o.priorStepNoise, [o.priorNumInferenceSteps - 1, B, D], "priorStepNoise", "step noise");
  expectShape(o.decoderStepNoise, [o.decoderNumInferenceSteps - 1, ...decShape], "decoderStepNoise", "step noise");
  expectShape(o.superResStepNoise, [o.superResNumInferenceSteps - 1, ...srShape], "superResStepNoise", "step noise");
  for (const name of ["priorLatents", "decoderLatents", "superResLatents", "priorStepNoise", "decoderStepNoise", "superResStepNoise"] as const) {
    expectFinite(o[name], name);
  }

  // every session and sidecar is created and checked before any denoising starts
  await components.prepare(TEXT_TO_IMAGE_COMPONENTS);
  const record: Recorder | undefined = o.recordIntermediates ? {} : undefined;
  const timings: StageTimings = {};
  const cfg = o.priorGuidanceScale > 1 || o.decoderGuidanceScale > 1; // one flag for both stages, as the reference

  throwIfCancelled(hooks);
  const text = await timed(timings, "text_encoder", async () => {
    hooks?.onProgress?.({ stage: "text_encoder", step: 0, steps: 1 });
    const t = await encodePrompt(
      components,
      { prompts, textModelOutput: o.textModelOutput, textAttentionMask: o.textAttentionMask, numImagesPerPrompt: o.numImagesPerPrompt, cfg },
      record,
    );
    hooks?.onProgress?.({ stage: "text_encoder", step: 1, steps: 1 });
    return t;
  });
  const imageEmbeddings = await runPrior(
    components,
    text,
    {
      numInferenceSteps: o.priorNumInferenceSteps,
      guidanceScale: o.priorGuidanceScale,
      seed,
      latents: o.priorLatents,
      stepNoise: o.priorStepNoise,
    },
    hooks,
    record,
    timings,
  );
  const images = await decodeImageEmbeddings(components, text, imageEmbeddings, { ...o, seed }, hooks, record, timings);
  return { images, seed, providers: { ...components.providers }, timings, intermediates: record };
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
