import { randomSeed } from "../core/seeds";
import { checkSeed } from "../../server/unclip/pipelineOptions";
import { defineRunner } from "../engine/runContext";
import { seedNode } from "./node";

export const seedRunner = defineRunner(seedNode, (_ctx, _inputs, p) => {
  const seed = p.randomize ? randomSeed() : p.seed;
  checkSeed(seed);
  return { outputs: { seed }, ui: { text: `seed ${seed}` }, resolvedParams: p.randomize ? { seed, randomize: false } : undefined };
});
