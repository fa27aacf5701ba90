import { InputError } from "../../server/errors";
import { arrangeTextRows } from "../../server/unclip/encodePrompt";
import { checkCount, checkGuidance } from "../../server/unclip/pipelineOptions";
import { postProcessLatents, samplePrior } from "../../server/unclip/priorStage";
import { shapeString } from "../../server/unclip/tensor";
import { handleInput, kindInput, samplerOptions, schedulerInput } from "../engine/inputs";
import { noisyLatentsValue, partialFromInputs, partialLabel } from "../engine/noisyLatents";
import { samplerHooks } from "../engine/samplerHooks";
import { stageTracing } from "../engine/stageTracing";
import { priorNode } from "./node";
import { defineRunner } from "../engine/runContext";
import type { ImageEmbeddingValue, TextEmbeddingValue } from "../engine/values";

export const priorRunner = defineRunner(priorNode, async (ctx, inputs, p) => {
  const prior = handleInput(inputs, "prior", "prior", "the Prior node");
  const scheduler = schedulerInput(inputs, "scheduler");
  const text = kindInput<"text_embedding", TextEmbeddingValue>(inputs, "text", "text_embedding", "a text embedding");
  checkGuidance(p.guidanceScale, "guidanceScale");
  checkCount(p.numImagesPerPrompt, "numImagesPerPrompt");
  const dim = prior.components.pkg.configs.prior!.embedding_dim;
  if (text.cond.promptEmbeds.shape[1] !== dim) {
    throw new InputError("embedding_width", `text: embeddings ${shapeString(text.cond.promptEmbeds.shape)} do not fit this prior (width ${dim})`, {
      port: "text",
    });
  }
  const conditioning = arrangeTextRows(text.cond, text.uncond, p.numImagesPerPrompt, p.classifierFreeGuidance);
  const tracing = stageTracing(ctx, "prior", scheduler.scheduler, p.guidanceScale, samplerHooks(ctx, false));
  const partial = partialFromInputs(inputs, p, "prior", scheduler);
  const options = { ...samplerOptions(inputs, p, scheduler), guidanceScale: p.guidanceScale, partial };
  const latents = await samplePrior(prior.components, conditioning, options, tracing.hooks);
  // stopped early, the embedding is the partly denoised one (to look at); the latents go on to continue
  const embeds = postProcessLatents(latents, await prior.components.clipMean(), await prior.components.clipStd());
  if (ctx.trace) {
    // the recorded item's own prompt: the first row of the conditional half
    const row = conditioning.cfg ? conditioning.batch : 0;
    tracing.finish({
      clipMean: (await prior.components.clipMean()).data,
      clipStd: (await prior.components.clipStd()).data,
      text: conditioning.promptEmbeds.data.slice(row * dim, (row + 1) * dim),
    });
  }
  const imageEmbedding: ImageEmbeddingValue = { kind: "image_embedding", embeds };
  const noisyLatents = noisyLatentsValue("prior", latents, partial.endStep, scheduler, options.seed);
  return {
    outputs: { imageEmbedding, noisyLatents },
    ui: { text: `${shapeString(embeds.shape)} image embedding${partialLabel(partial, scheduler.numInferenceSteps)}` },
  };
});
