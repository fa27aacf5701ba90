import { guidanceParam, seedParam } from "../core/params";
import { noiseInputs, noisyLatentsOutput, partialScheduleParams } from "../core/samplerPorts";
import { defineNode } from "../core/types";

export const decoderNode = defineNode({
  type: "unclip.decoder",
  version: 1,
  title: "Decoder",
  category: "Sampling",
  description:
    "The decoder paints the picture: a UNet denoises a small image (64×64 in Karlo) directly in pixel space, guided by text_proj's conditioning, so the result shows what the image embedding describes. Classifier-free guidance (scale 8 in Karlo) runs each step with and without the conditioning and exaggerates the difference, which makes images follow the prompt more closely at the cost of variety. The model also predicts how much noise to add back at each step (a learned variance).",
  inputs: [
    { name: "decoder", type: "DECODER", label: "Decoder" },
    { name: "scheduler", type: "SCHEDULER", label: "Scheduler" },
    { name: "conditioning", type: "DECODER_CONDITIONING", label: "Conditioning" },
    ...noiseInputs("decoder", "[images, channels, size, size]"),
  ],
  outputs: [{ name: "image", type: "IMAGE", label: "Image" }, noisyLatentsOutput],
  explain: {
    formula: "ε̂ = ε_u + s·(ε_c − ε_u) with s = {params.guidanceScale};  x̂₀ = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t;  x_{t−1} = a_t·x̂₀ + b_t·x_t + σ_t·z",
    text: "This run took {trace.steps} steps from t = {trace.firstTimestep} to t = {trace.lastTimestep}. At every step the UNet ran twice (with and without the conditioning) and the guided noise estimate used scale {trace.guidanceScale}. The noise added back, σ_t, is chosen by the model between √β̃_t and √β_t (learned variance). The image came out with shape {ports.image.shape}.",
  },
  params: [guidanceParam(8.0), seedParam(), ...partialScheduleParams()],
});
