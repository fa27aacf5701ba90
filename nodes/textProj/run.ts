import { InputError } from "../../server/errors";
import { decoderConditioning } from "../../server/unclip/decoderStage";
import { arrangeTextRows } from "../../server/unclip/encodePrompt";
import { shapeString } from "../../server/unclip/tensor";
import { handleInput, kindInput } from "../engine/inputs";
import { defineRunner } from "../engine/runContext";
import { textProjNode } from "./node";
import type { DecoderConditioningValue, ImageEmbeddingValue, TextEmbeddingValue } from "../engine/values";

export const textProjRunner = defineRunner(textProjNode, async (_ctx, inputs, p) => {
  const textProj = handleInput(inputs, "textProj", "text_proj", "the Text Proj node");
  const text = kindInput<"text_embedding", TextEmbeddingValue>(inputs, "text", "text_embedding", "a text embedding");
  const image = kindInput<"image_embedding", ImageEmbeddingValue>(inputs, "imageEmbedding", "image_embedding", "an image embedding");
  const textRows = text.cond.promptEmbeds.shape[0];
  const imageRows = image.embeds.shape[0];
  if (imageRows % textRows !== 0) {
    throw new InputError(
      "batch_mismatch",
      `imageEmbedding: ${imageRows} image embedding(s) cannot be shared out over ${textRows} prompt(s); use a multiple of the prompt count`,
      { port: "imageEmbedding" },
    );
  }
  const width = textProj.components.pkg.configs.text_proj!.clip_embeddings_dim;
  if (image.embeds.shape[1] !== width) {
    throw new InputError("embedding_width", `imageEmbedding: ${shapeString(image.embeds.shape)} does not fit this text_proj (width ${width})`, {
      port: "imageEmbedding",
    });
  }
  // each prompt's rows are repeated for the images made from it, as numImagesPerPrompt does in the pipeline
  const conditioning = await decoderConditioning(
    textProj.components,
    arrangeTextRows(text.cond, text.uncond, imageRows / textRows, p.classifierFreeGuidance),
    image.embeds,
  );
  const value: DecoderConditioningValue = { kind: "decoder_conditioning", conditioning };
  return { outputs: { conditioning: value }, ui: { text: `${imageRows} image(s)${conditioning.cfg ? ", guided" : ""}` } };
});
