import { previewImageNode } from "./node";
import { type ArtifactRef, defineRunner } from "../engine/runContext";
import { encodeRgbPng, imageCount, imageRgb8 } from "../engine/images";
import { kindInput } from "../engine/inputs";
import type { ImageValue } from "../engine/values";

export const previewImageRunner = defineRunner(previewImageNode, async (ctx, inputs) => {
  const image = kindInput<"image", ImageValue>(inputs, "image", "image", "an image");
  const images: ArtifactRef[] = [];
  for (let i = 0; i < imageCount(image); i++) {
    const rgb = imageRgb8(image, i);
    images.push(await ctx.saveImage(await encodeRgbPng(rgb), { width: rgb.width, height: rgb.height, kind: "preview", index: i }));
  }
  return { outputs: {}, ui: { images } };
});
