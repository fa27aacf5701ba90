import { seedParam } from "../core/params";
import { noiseInputs, noisyLatentsOutput, partialScheduleParams } from "../core/samplerPorts";
import { defineNode } from "../core/types";

export const superResNode = defineNode({
  type: "unclip.super_res",
  version: 1,
  title: "Super-Res",
  category: "Sampling",
  description:
    "Enlarges the image (64 → 256 px in Karlo). The small image is first scaled up smoothly (bicubic), then a UNet denoises fresh noise at full size while looking at that blurry copy, inventing the fine detail. Two UNets share the work: super_res_first runs every step but the last, and super_res_last — trained for the final, almost noise-free step — finishes. The package loader hands them out as two components (as diffusers lists them), and a Super-Res node that runs only some steps needs only the UNet of those steps. There is no text and no guidance here; few steps (7) are enough because the layout is already fixed.",
  inputs: [
    {
      name: "superResFirst",
      type: "SUPER_RES_FIRST",
      label: "Super-res first",
      optional: true,
      description: "super_res_first, for every step but the last (needed unless the pair is connected or only the last step runs).",
    },
    {
      name: "superResLast",
      type: "SUPER_RES_LAST",
      label: "Super-res last",
      optional: true,
      description: "super_res_last, for the last step (needed unless the pair is connected or the run stops before the last step).",
    },
    {
      name: "superRes",
      type: "SUPER_RES",
      label: "Super-res (pair)",
      optional: true,
      description: "Both UNets on one wire, as older workflows connect them; a connected first or last input takes precedence.",
    },
    { name: "scheduler", type: "SCHEDULER", label: "Scheduler" },
    { name: "image", type: "IMAGE", label: "Image" },
    ...noiseInputs("super_res", "[images, channels, size, size]"),
  ],
  outputs: [{ name: "image", type: "IMAGE", label: "Image" }, noisyLatentsOutput],
  explain: {
    formula: "x̂₀ = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t with ε̂ = UNet([x_t; upscale(image)], t);  x_{t−1} = a_t·x̂₀ + b_t·x_t + σ_t·z",
    text: "This run took {trace.steps} steps from t = {trace.firstTimestep} to t = {trace.lastTimestep}: super_res_first for all steps but the last, super_res_last for the last. The low-resolution image, upscaled, is an extra input at every step, so the UNet only has to add detail. Output shape {ports.image.shape}.",
  },
  params: [seedParam(), ...partialScheduleParams()],
});
