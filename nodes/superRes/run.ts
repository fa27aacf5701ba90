import { InputError } from "../../server/errors";
import { runSuperRes } from "../../server/unclip/superResStage";
import { clamp, shapeString } from "../../server/unclip/tensor";
import { imageFromPixels } from "../engine/images";
import { handleInput, kindInput, samplerOptions, schedulerInput } from "../engine/inputs";
import { samplerHooks } from "../engine/samplerHooks";
import { stageTracing } from "../engine/stageTracing";
import { defineRunner } from "../engine/runContext";
import { superResNode } from "./node";
import type { ImageValue } from "../engine/values";

export const superResRunner = defineRunner(superResNode, async (ctx, inputs, p) => {
  const superRes = handleInput(inputs, "superRes", "super_res", "the Super-Res node");
  const scheduler = schedulerInput(inputs, "scheduler");
  const image = kindInput<"image", ImageValue>(inputs, "image", "image", "an image");
  const channels = superRes.components.pkg.configs.super_res_first!.in_channels / 2;
  if (image.pixels.shape[1] !== channels) {
    throw new InputError(
      "image_channels",
      `image: ${shapeString(image.pixels.shape)} has ${image.pixels.shape[1]} channels, this super-res model takes ${channels}`,
      {
        port: "image",
      },
    );
  }
  const tracing = stageTracing(ctx, "super_res", scheduler.scheduler, null, samplerHooks(ctx, true));
  const latents = await runSuperRes(superRes.components, image.pixels, samplerOptions(inputs, p, scheduler), tracing.hooks);
  tracing.finish();
  // clamping first gives the same 8-bit pixels as the pipeline's clamp after x/2 + 1/2
  const out = imageFromPixels(clamp(latents, -1, 1));
  return { outputs: { image: out }, ui: { text: `${latents.shape[0]} × ${out.width}×${out.height}` } };
});
