import { readFile } from "node:fs/promises";
import path from "node:path";
import type { UnclipComponents } from "../../server/unclip/components";
import { decodeImage } from "../../server/unclip/imageProcessor";
import { imageVariation } from "../../server/unclip/pipelineImageVariation";
import { text2image, type PipelineResult } from "../../server/unclip/pipelineText2Image";
import type { Float32NdArray } from "../../server/unclip/tensor";
import { callArg, caseFloat, type GoldenCase } from "./cases";

async function optionalInput(c: GoldenCase, name: string): Promise<Float32NdArray | undefined> {
  const file = c.json.inputs[name];
  return typeof file === "string" ? caseFloat(c, file) : undefined;
}

/** Run a reference case end to end through our pipeline, with its latents and step noise. */
export async function runCase(components: UnclipComponents, c: GoldenCase): Promise<PipelineResult> {
  const common = {
    numImagesPerPrompt: callArg<number>(c, "num_images_per_prompt"),
    decoderNumInferenceSteps: callArg<number>(c, "decoder_num_inference_steps"),
    superResNumInferenceSteps: callArg<number>(c, "super_res_num_inference_steps"),
    decoderGuidanceScale: callArg<number>(c, "decoder_guidance_scale"),
    decoderLatents: await optionalInput(c, "decoder_latents"),
    superResLatents: await optionalInput(c, "super_res_latents"),
    decoderStepNoise: await optionalInput(c, "decoder_step_noise"),
    superResStepNoise: await optionalInput(c, "super_res_step_noise"),
    seed: 0,
    recordIntermediates: true,
  };
  if (c.json.pipeline === "variation") {
    const imageInput = c.json.inputs.image;
    const files = imageInput === undefined ? [] : Array.isArray(imageInput) ? imageInput : [imageInput];
    const images = await Promise.all(files.map(async (f) => decodeImage(await readFile(path.join(c.dir, f)), f)));
    return imageVariation(components, {
      ...common,
      image: images.length === 0 ? undefined : Array.isArray(imageInput) ? images : images[0],
      imageEmbeddings: await optionalInput(c, "image_embeddings"),
    });
  }
  return text2image(components, {
    ...common,
    prompt: callArg<string | string[]>(c, "prompt"),
    priorNumInferenceSteps: callArg<number>(c, "prior_num_inference_steps"),
    priorGuidanceScale: callArg<number>(c, "prior_guidance_scale"),
    priorLatents: await optionalInput(c, "prior_latents"),
    priorStepNoise: await optionalInput(c, "prior_step_noise"),
  });
}
