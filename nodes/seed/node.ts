import { z } from "zod";
import { MAX_SEED } from "../core/params";
import { defineNode } from "../core/types";

export const seedNode = defineNode({
  type: "unclip.seed",
  version: 1,
  title: "Seed",
  category: "Primitives",
  description:
    "A number that decides all the randomness of the samplers it feeds. Every sampler draws its noise from its own stream derived from the seed and the stage's name, so one Seed node can feed all of them, the same seed always gives the same image, and changing one stage never changes another stage's noise. With Randomize on, a fresh seed is drawn on every run and shown on the node.",
  inputs: [],
  outputs: [{ name: "seed", type: "SEED", label: "Seed" }],
  params: [
    { name: "seed", label: "Seed", schema: z.number().int().min(0).max(MAX_SEED), default: 42, widget: "seed", min: 0, max: MAX_SEED },
    { name: "randomize", label: "Randomize", description: "Draw a new seed on every run.", schema: z.boolean(), default: false, widget: "toggle" },
  ],
  cacheable: (params) => !params.randomize,
});
