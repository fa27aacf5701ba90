/**
 * Image → variations, as diffusers' UnCLIPImageVariationPipeline.__call__ (v0.23): the CLIP image
 * encoder gives the image embedding directly (no prior), the text side is the empty prompt, then
 * text_proj → decoder → super-resolution exactly as in text → image.
 */
import { defaultsFor } from "../runtime/pipelineDefaults";
import { InputError } from "../errors";
import { VARIATION_COMPONENTS, requireComponents } from "../runtime/modelPackage";
import type { UnclipComponents } from "./components";
import { decodeImageEmbeddings } from "./decodeEmbeddings";
import { encodePrompt } from "./encodePrompt";
import { preprocessImages, type RgbImage } from "./imageProcessor";
import { randomSeed } from "../../nodes/core/seeds";
import { checkCount, checkGuidance, checkSeed, checkSteps, expectFinite, expectShape } from "./pipelineOptions";
import { type PipelineResult, stripUndefined } from "./pipelineText2Image";
import type { Recorder, StageHooks, StageTimings } from "./progress";
import { throwIfCancelled, timed } from "./progress";
import type { Float32NdArray } from "./tensor";
import { float32, repeatInterleaveBatch } from "./tensor";

export interface ImageVariationOptions {
  /** Decoded RGB image(s), or ready `pixel_values` [B0, 3, H, W]. */
  image?: RgbImage | RgbImage[] | Float32NdArray;
  /** CLIP image embeddings [B0, D], instead of an image. */
  imageEmbeddings?: Float32NdArray;
  numImagesPerPrompt?: number;
  decoderNumInferenceSteps?: number;
  superResNumInferenceSteps?: number;
  seed?: number;
  decoderLatents?: Float32NdArray;
  superResLatents?: Float32NdArray;
  decoderStepNoise?: Float32NdArray;
  superResStepNoise?: Float32NdArray;
  decoderGuidanceScale?: number;
  recordIntermediates?: boolean;
}

export const IMAGE_VARIATION_DEFAULTS = {
  numImagesPerPrompt: 1,
  decoderNumInferenceSteps: 25,
  superResNumInferenceSteps: 7,
  decoderGuidanceScale: 8.0,
} as const;

function isPixelValues(x: unknown): x is Float32NdArray {
  return typeof x === "object" && x !== null && "dtype" in x && "shape" in x;
}

export async function imageVariation(components: UnclipComponents, options: ImageVariationOptions, hooks?: StageHooks): Promise<PipelineResult> {
  // diffusers' defaults, then the package's own (no prior here, so not its prior settings), then the caller's
  const packageDefaults = defaultsFor(components.pkg.pipelineDefaults, ["decoderGuidanceScale", "decoderNumInferenceSteps", "superResNumInferenceSteps"]);
  const o = { ...IMAGE_VARIATION_DEFAULTS, ...packageDefaults, ...stripUndefined(options) };
  const needed = o.image === undefined ? VARIATION_COMPONENTS.filter((c) => c !== "feature_extractor" && c !== "image_encoder") : VARIATION_COMPONENTS;
  requireComponents(components.pkg, needed, "image variation");
  if (o.image === undefined && o.imageEmbeddings === undefined) {
    throw new InputError("missing_image", "image: give an image (or imageEmbeddings)", { parameter: "image" });
  }
  checkCount(o.numImagesPerPrompt, "numImagesPerPrompt");
  checkGuidance(o.decoderGuidanceScale, "decoderGuidanceScale");
  const seed = o.seed ?? randomSeed();
  checkSeed(seed);
  const [decoderScheduler, superResScheduler] = await Promise.all([components.scheduler("decoder_scheduler"), components.scheduler("super_res_scheduler")]);
  checkSteps(decoderScheduler, o.decoderNumInferenceSteps, "decoderNumInferenceSteps");
  checkSteps(superResScheduler, o.superResNumInferenceSteps, "superResNumInferenceSteps");

  const cfgs = components.pkg.configs;
  const D = cfgs.text_proj!.clip_embeddings_dim;
  let batch0: number;
  let pixelValues: Float32NdArray | undefined;
  if (o.image !== undefined) {
    if (isPixelValues(o.image)) {
      const ie = cfgs.image_encoder!;
      batch0 = o.image.shape[0];
      expectShape(o.image, [batch0, ie.num_channels ?? 3, ie.image_size, ie.image_size], "image", "pixel values");
      pixelValues = o.image;
    } else {
      const images = Array.isArray(o.image) ? o.image : [o.image];
      if (images.length === 0) throw new InputError("missing_image", "image: the list of images is empty", { parameter: "image" });
      batch0 = images.length;
      const fe = await components.featureExtractor();
      try {
        const p = preprocessImages(images, fe);
        pixelValues = float32(p.shape, p.data);
      } catch (err) {
        throw new InputError("bad_image", `image: ${(err as Error).message}`, { parameter: "image" });
      }
    }
  } else {
    batch0 = o.imageEmbeddings!.shape[0];
    expectShape(o.imageEmbeddings, [batch0, D], "imageEmbeddings", "embeddings");
    expectFinite(o.imageEmbeddings, "imageEmbeddings");
  }
  const B = batch0 * o.numImagesPerPrompt;
  const dec = cfgs.decoder!;
  const sr = cfgs.super_res_first!;
  const decShape = [B, dec.in_channels, dec.sample_size, dec.sample_size];
  const srShape = [B, sr.in_channels / 2, sr.sample_size, sr.sample_size];
  expectShape(o.decoderLatents, decShape, "decoderLatents");
  expectShape(o.superResLatents, srShape, "superResLatents");
  expectShape(o.decoderStepNoise, [o.decoderNumInferenceSteps - 1, ...decShape], "decoderStepNoise", "step noise");
  expectShape(o.superResStepNoise, [o.superResNumInferenceSteps - 1, ...srShape], "superResStepNoise", "step noise");
  for (const name of ["decoderLatents", "superResLatents", "decoderStepNoise", "superResStepNoise"] as const) expectFinite(o[name], name);

  await components.prepare(needed);
  const record: Recorder | undefined = o.recordIntermediates ? {} : undefined;
  const timings: StageTimings = {};
  const cfg = o.decoderGuidanceScale > 1;

  throwIfCancelled(hooks);
  const text = await timed(timings, "text_encoder", () =>
    encodePrompt(components, { prompts: new Array<string>(batch0).fill(""), numImagesPerPrompt: o.numImagesPerPrompt, cfg, truncation: false }, record),
  );
  let imageEmbeds: Float32NdArray;
  if (pixelValues) {
    imageEmbeds = await timed(timings, "image_encoder", async () => {
      hooks?.onProgress?.({ stage: "image_encoder", step: 0, steps: 1 });
      const e = await components.imageEncoder(pixelValues);
      hooks?.onProgress?.({ stage: "image_encoder", step: 1, steps: 1 });
      return e;
    });
    if (record) {
      record.pixel_values = pixelValues;
      record.image_embeds = imageEmbeds;
    }
  } else {
    imageEmbeds = o.imageEmbeddings!;
  }
  const imageEmbeddings = repeatInterleaveBatch(imageEmbeds, o.numImagesPerPrompt);
  if (record) record.image_embeddings = imageEmbeddings;

  const images = await decodeImageEmbeddings(components, text, imageEmbeddings, { ...o, seed }, hooks, record, timings);
  return { images, seed, providers: { ...components.providers }, timings, intermediates: record };
}
