import { z } from "zod";
import { seedParam } from "../core/params";
import { defineNode } from "../core/types";

export const noiseNode = defineNode({
  type: "unclip.noise",
  version: 1,
  title: "Noise",
  category: "Latents",
  description:
    'Makes a tensor of Gaussian noise (mean 0, standard deviation 1) — the raw material every sampler starts from — either drawn from a seed or read from an uploaded .npy file (float32 or float64, C order). Connect it to a sampler\'s Latents input to control its starting point, for example to keep the same noise while changing the prompt. The stream name picks an independent sequence for the same seed; "decoder:latents", "prior:latents" or "super_res:latents" give exactly the noise that sampler would draw itself.',
  inputs: [{ name: "seed", type: "SEED", label: "Seed", optional: true, description: "Overrides the Seed parameter when connected." }],
  outputs: [{ name: "latents", type: "LATENTS", label: "Latents" }],
  explain: {
    formula: "z ~ N(0, 1), drawn from the seed's generator",
    text: "Noise of shape {ports.latents.shape}: mean {ports.latents.mean}, std {ports.latents.std} (close to 0 and 1 for enough values).",
  },
  params: [
    {
      name: "source",
      label: "Source",
      schema: z.enum(["seed", "file"]),
      default: "seed",
      widget: "select",
      options: ["seed", "file"],
    },
    {
      name: "shape",
      label: "Shape",
      description: "Comma-separated sizes, e.g. 1,3,64,64 (decoder latents) or 1,32 (prior latents).",
      schema: z.string().regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "sizes separated by commas, e.g. 1,3,64,64"),
      default: "1,3,64,64",
      widget: "text",
    },
    seedParam(),
    {
      name: "stream",
      label: "Stream",
      schema: z.string().min(1).max(100),
      default: "noise",
      widget: "text",
    },
    {
      name: "file",
      label: "File (.npy)",
      description: 'An uploaded .npy file, used when Source is "file".',
      schema: z.string().max(255),
      default: "",
      widget: "file",
    },
  ],
});
