/**
 * The half both pipelines share: from CLIP image embeddings (and the text conditioning) to the
 * final images — text_proj → decoder → upscaling + super-resolution → [0, 1] NHWC.
 */
import type { UnclipComponents } from "./components";
import { decoderConditioning, runDecoder } from "./decoderStage";
import type { TextConditioning } from "./encodePrompt";
import type { Recorder, StageHooks, StageTimings } from "./progress";
import { throwIfCancelled } from "./progress";
import { runSuperRes, toImageArray } from "./superResStage";
import type { Float32NdArray } from "./tensor";

export interface DecodeOptions {
  seed: number;
  decoderNumInferenceSteps: number;
  decoderGuidanceScale: number;
  decoderLatents?: Float32NdArray;
  decoderStepNoise?: Float32NdArray;
  superResNumInferenceSteps: number;
  superResLatents?: Float32NdArray;
  superResStepNoise?: Float32NdArray;
}

/** Returns the images, [B, S, S, 3] in [0, 1] (diffusers' output_type="np"). */
export async function decodeImageEmbeddings(
  components: UnclipComponents,
  text: TextConditioning,
  imageEmbeddings: Float32NdArray,
  o: DecodeOptions,
  hooks: StageHooks | undefined,
  record: Recorder | undefined,
  timings: StageTimings,
): Promise<Float32NdArray> {
  throwIfCancelled(hooks);
  const cond = await decoderConditioning(components, text, imageEmbeddings, record, timings);
  const decoderImage = await runDecoder(
    components,
    cond,
    {
      numInferenceSteps: o.decoderNumInferenceSteps,
      guidanceScale: o.decoderGuidanceScale,
      seed: o.seed,
      latents: o.decoderLatents,
      stepNoise: o.decoderStepNoise,
    },
    hooks,
    record,
    timings,
  );
  const latents = await runSuperRes(
    components,
    decoderImage,
    { numInferenceSteps: o.superResNumInferenceSteps, seed: o.seed, latents: o.superResLatents, stepNoise: o.superResStepNoise },
    hooks,
    record,
    timings,
  );
  const images = toImageArray(latents);
  if (record) record.image = images;
  return images;
}
