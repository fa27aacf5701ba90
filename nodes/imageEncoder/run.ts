import { InputError } from "../../server/errors";
import { checkCount } from "../../server/unclip/pipelineOptions";
import { repeatInterleaveBatch, sameShape, shapeString } from "../../server/unclip/tensor";
import { imageEncoderNode } from "./node";
import { floatTensorInput, handleInput } from "../engine/inputs";
import { defineRunner } from "../engine/runContext";
import type { ImageEmbeddingValue } from "../engine/values";

export const imageEncoderRunner = defineRunner(imageEncoderNode, async (_ctx, inputs, p) => {
  const handle = handleInput(inputs, "imageEncoder", "image_encoder", "the Image Encoder node");
  const pixels = floatTensorInput(inputs, "pixelValues");
  checkCount(p.numImagesPerPrompt, "numImagesPerPrompt");
  const cfg = handle.components.pkg.configs.image_encoder!;
  const expected = [pixels.shape[0], cfg.num_channels ?? 3, cfg.image_size, cfg.image_size];
  if (!sameShape(pixels.shape, expected)) {
    throw new InputError("bad_shape", `pixelValues: got ${shapeString(pixels.shape)}, this image encoder takes ${shapeString(expected)}`, {
      port: "pixelValues",
    });
  }
  const embeds = repeatInterleaveBatch(await handle.components.imageEncoder(pixels), p.numImagesPerPrompt);
  const imageEmbedding: ImageEmbeddingValue = { kind: "image_embedding", embeds };
  return { outputs: { imageEmbedding }, ui: { text: `${shapeString(embeds.shape)} image embedding` } };
});
