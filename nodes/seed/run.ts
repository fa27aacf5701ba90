import { randomSeed } from "../../server/unclip/noise";
import { checkSeed } from "../../server/unclip/pipelineOptions";
import { readParams } from "../engine/readParams";
import type { NodeRunner } from "../engine/runContext";
import { seedNode } from "./node";

export const runSeed: NodeRunner = async (_ctx, _inputs, raw) => {
  const p = readParams<{ seed: number; randomize: boolean }>(seedNode, raw);
  const seed = p.randomize ? randomSeed() : p.seed;
  checkSeed(seed);
  return { outputs: { seed }, ui: { text: `seed ${seed}` }, resolvedParams: p.randomize ? { seed, randomize: false } : undefined };
};
