import { InputError } from "../../server/errors";
import { runSuperRes, type SuperResUnetName, type SuperResUnets } from "../../server/unclip/superResStage";
import { clamp, shapeString } from "../../server/unclip/tensor";
import { imageFromPixels } from "../engine/images";
import { handleInput, kindInput, samplerOptions, schedulerInput } from "../engine/inputs";
import { noisyLatentsValue, partialFromInputs, partialLabel } from "../engine/noisyLatents";
import { samplerHooks } from "../engine/samplerHooks";
import { stageTracing } from "../engine/stageTracing";
import { defineRunner } from "../engine/runContext";
import { superResNode } from "./node";
import type { ComponentHandle, ImageValue } from "../engine/values";

type Inputs = Record<string, unknown>;

const connected = (inputs: Inputs, port: string) => inputs[port] !== undefined && inputs[port] !== null;

/**
 * The two UNets: each from its own input when connected, else from the pair (older workflows
 * wire only that). Only the UNets the steps to run need must be there: a node that runs every
 * step but the last needs no super_res_last, one that runs only the last needs no super_res_first.
 */
function superResUnets(inputs: Inputs, start: number, end: number, steps: number): { unets: SuperResUnets; sizes: ComponentHandle } {
  const pair = connected(inputs, "superRes") ? handleInput(inputs, "superRes", "super_res", "the Super-Res node") : undefined;
  const pick = (port: string, name: SuperResUnetName, needed: boolean): ComponentHandle | undefined => {
    if (connected(inputs, port)) return handleInput(inputs, port, name, "the Super-Res node");
    if (pair) return pair;
    if (!needed) return undefined;
    const which = name === "super_res_last" ? `the last step (${steps})` : `steps ${start + 1}–${Math.min(end, steps - 1)}`;
    throw new InputError("super_res_unet_missing", `input "${port}": ${which} of ${steps} run ${name}; connect it (or both UNets on "superRes")`, { port });
  };
  const first = pick("superResFirst", "super_res_first", start < steps - 1);
  const last = pick("superResLast", "super_res_last", end === steps);
  return { unets: { super_res_first: first?.components, super_res_last: last?.components }, sizes: (first ?? last)! };
}

export const superResRunner = defineRunner(superResNode, async (ctx, inputs, p) => {
  const scheduler = schedulerInput(inputs, "scheduler");
  const image = kindInput<"image", ImageValue>(inputs, "image", "image", "an image");
  const partial = partialFromInputs(inputs, p, "super_res", scheduler);
  const steps = scheduler.numInferenceSteps;
  const { unets, sizes } = superResUnets(inputs, partial.startStep ?? 0, Math.min(partial.endStep ?? steps, steps), steps);
  const config = sizes.components.pkg.configs;
  const channels = (config.super_res_first ?? config.super_res_last)!.in_channels / 2;
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
  const options = { ...samplerOptions(inputs, p, scheduler), partial, unets };
  const latents = await runSuperRes(sizes.components, image.pixels, options, tracing.hooks);
  tracing.finish();
  // clamping first gives the same 8-bit pixels as the pipeline's clamp after x/2 + 1/2
  const out = imageFromPixels(clamp(latents, -1, 1));
  const noisyLatents = noisyLatentsValue("super_res", latents, partial.endStep, scheduler, options.seed);
  return { outputs: { image: out, noisyLatents }, ui: { text: `${latents.shape[0]} × ${out.width}×${out.height}${partialLabel(partial, steps)}` } };
});
