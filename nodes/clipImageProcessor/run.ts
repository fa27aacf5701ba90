import { clipImageProcessorNode } from "./node";
import { InputError } from "../../server/errors";
import { preprocessImages } from "../../server/unclip/imageProcessor";
import { float32 } from "../../server/unclip/tensor";
import { imageCount, imageRgb8 } from "../engine/images";
import { handleInput, kindInput } from "../engine/inputs";
import { defineRunner } from "../engine/runContext";
import type { ImageValue } from "../engine/values";

export const clipImageProcessorRunner = defineRunner(clipImageProcessorNode, async (_ctx, inputs) => {
  const handle = handleInput(inputs, "imageProcessor", "image_processor", "the CLIP Image Processor node");
  const image = kindInput<"image", ImageValue>(inputs, "image", "image", "an image");
  const config = await handle.components.featureExtractor();
  // 8-bit input, as the reference resizes PIL images: the decoded bytes when the image came from a file
  const rgb = Array.from({ length: imageCount(image) }, (_, i) => imageRgb8(image, i));
  let processed: ReturnType<typeof preprocessImages>;
  try {
    processed = preprocessImages(rgb, config);
  } catch (err) {
    throw new InputError("bad_image", `image: ${(err as Error).message}`, { port: "image" });
  }
  const [, , h, w] = processed.shape;
  return { outputs: { pixelValues: float32(processed.shape, processed.data) }, ui: { text: `${rgb.length} × 3×${h}×${w} pixel values` } };
});
