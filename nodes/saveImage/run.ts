import { saveImageNode } from "./node";
import { type ArtifactRef, defineRunner } from "../engine/runContext";
import { encodeRgbPng, imageCount, imageRgb8 } from "../engine/images";
import { kindInput } from "../engine/inputs";
import { WORKFLOW_PNG_KEYWORD } from "./node";
import type { ImageValue } from "../engine/values";

export const saveImageRunner = defineRunner(saveImageNode, async (ctx, inputs) => {
  const image = kindInput<"image", ImageValue>(inputs, "image", "image", "an image");
  const images: ArtifactRef[] = [];
  for (let i = 0; i < imageCount(image); i++) {
    const rgb = imageRgb8(image, i);
    const png = await encodeRgbPng(rgb, { [WORKFLOW_PNG_KEYWORD]: ctx.workflowJson });
    images.push(await ctx.saveImage(png, { width: rgb.width, height: rgb.height, kind: "image", index: i }));
  }
  return { outputs: {}, ui: { images } };
});
