import { InputError } from "../../server/errors";
import { sampleDecoder } from "../../server/unclip/decoderStage";
import { clamp } from "../../server/unclip/tensor";
import { checkGuidance } from "../../server/unclip/pipelineOptions";
import { decoderNode } from "./node";
import { imageFromPixels } from "../engine/images";
import { handleInput, kindInput, samplerOptions, schedulerInput } from "../engine/inputs";
import { noisyLatentsValue, partialFromInputs, partialLabel } from "../engine/noisyLatents";
import { samplerHooks } from "../engine/samplerHooks";
import { stageTracing } from "../engine/stageTracing";
import { defineRunner } from "../engine/runContext";
import type { DecoderConditioningValue } from "../engine/values";

export const decoderRunner = defineRunner(decoderNode, async (ctx, inputs, p) => {
  const decoder = handleInput(inputs, "decoder", "decoder", "the Decoder node");
  const scheduler = schedulerInput(inputs, "scheduler");
  const { conditioning } = kindInput<"decoder_conditioning", DecoderConditioningValue>(inputs, "conditioning", "decoder_conditioning", "decoder conditioning");
  checkGuidance(p.guidanceScale, "guidanceScale");
  const context = decoder.components.pkg.configs.decoder!.cross_attention_dim;
  if (conditioning.encoderHiddenStates.shape[2] !== context) {
    throw new InputError(
      "conditioning_width",
      `conditioning: context width ${conditioning.encoderHiddenStates.shape[2]} does not fit this decoder (${context}); text_proj and decoder must come from matching packages`,
      { port: "conditioning" },
    );
  }
  const tracing = stageTracing(ctx, "decoder", scheduler.scheduler, p.guidanceScale, samplerHooks(ctx, true));
  const partial = partialFromInputs(inputs, p, "decoder", scheduler);
  const options = { ...samplerOptions(inputs, p, scheduler), guidanceScale: p.guidanceScale, partial };
  const latents = await sampleDecoder(decoder.components, conditioning, options, tracing.hooks);
  tracing.finish();
  // the pipeline's clamp; stopped early, the image is the partly denoised one (to look at)
  const pixels = clamp(latents, -1, 1);
  const image = imageFromPixels(pixels);
  const noisyLatents = noisyLatentsValue("decoder", latents, partial.endStep, scheduler, options.seed);
  return {
    outputs: { image, noisyLatents },
    ui: { text: `${pixels.shape[0]} × ${image.width}×${image.height}${partialLabel(partial, scheduler.numInferenceSteps)}` },
  };
});
