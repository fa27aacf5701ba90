import { guidanceParam, seedParam } from "./params";
import { noiseInputs } from "./samplerPorts";
import { defineNode } from "./types";

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
  outputs: [{ name: "image", type: "IMAGE", label: "Image" }],
  params: [guidanceParam(8.0), seedParam()],
});
