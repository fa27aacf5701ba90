/**
 * Parameter specs several node types share (seed, steps, guidance, image count, package).
 * Browser-safe: zod and ./types only, like every declaration that uses it.
 */
import { z } from "zod";
import { defineParam } from "./types";

export const MAX_SEED = Number.MAX_SAFE_INTEGER;
export const MAX_IMAGES_PER_PROMPT = 64;

export function packageParam(defaultPackage = "toy-shapes") {
  return defineParam({
    name: "package",
    label: "Model package",
    description: "A model package folder under the models directory.",
    schema: z.string().min(1).max(200),
    default: defaultPackage,
    widget: "model",
  });
}

export function seedParam() {
  return defineParam({
    name: "seed",
    label: "Seed",
    description: "Used when no Seed node is connected. The same seed always gives the same noise for this stage.",
    schema: z.number().int().min(0).max(MAX_SEED),
    default: 0,
    widget: "seed",
    min: 0,
    max: MAX_SEED,
  });
}

export function guidanceParam(defaultScale: number) {
  return defineParam({
    name: "guidanceScale",
    label: "Guidance scale",
    description: "How strongly to follow the text: guided = unconditional + scale × (conditional − unconditional). 1 means no extra push.",
    schema: z.number().min(0).max(100),
    default: defaultScale,
    widget: "slider",
    min: 0,
    max: 20,
    step: 0.5,
  });
}

export function classifierFreeGuidanceParam() {
  return defineParam({
    name: "classifierFreeGuidance",
    label: "Classifier-free guidance",
    description:
      "Also run the model without the text (the empty prompt) and push the result away from it. diffusers turns this on for both prior and decoder when either guidance scale is above 1; keep it the same on the Prior and Text Proj nodes.",
    schema: z.boolean(),
    default: true,
    widget: "toggle",
  });
}

export function imagesPerPromptParam() {
  return defineParam({
    name: "numImagesPerPrompt",
    label: "Images per prompt",
    description: "How many images to make for each prompt (each row is repeated this many times).",
    schema: z.number().int().min(1).max(MAX_IMAGES_PER_PROMPT),
    default: 1,
    widget: "number",
    min: 1,
    max: MAX_IMAGES_PER_PROMPT,
    step: 1,
  });
}

export function stepsParam(defaultSteps: number) {
  return defineParam({
    name: "numInferenceSteps",
    label: "Steps",
    description: "Denoising steps. UnCLIPScheduler spaces them by 999 / (steps − 1), so at least 2.",
    schema: z.number().int().min(2).max(1000),
    default: defaultSteps,
    widget: "number",
    min: 2,
    max: 1000,
    step: 1,
  });
}
