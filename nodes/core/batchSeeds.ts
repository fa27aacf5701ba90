/**
 * "Run ×N" (ComfyUI's batch count): N runs of one workflow whose seeds follow each other — run i
 * gets every seed parameter (a parameter with the "seed" widget: the Seed node's and each
 * sampler's own) plus i, so image k of a batch can be made again alone with seed + k. Seeds wrap
 * from MAX_SEED to 0. A Seed node with Randomize on ignores its seed parameter and draws a fresh
 * seed in each run of the batch (shown on the node, stored in each image's workflow).
 * Browser-safe: the editor shows the seeds, the API expands the batch.
 */
import { MAX_SEED } from "./params";
import type { Workflow } from "./workflow";

/** Names of a node type's seed parameters (the "seed" widget), or [] for an unknown type. */
export type SeedParamsOf = (type: string) => readonly string[];

/** `seed` moved on by `offset` (≥ 0), wrapping from MAX_SEED to 0; never leaves the safe integers. */
export function offsetSeed(seed: number, offset: number): number {
  // seed + offset could pass 2^53 where doubles skip integers: compare before adding
  return seed <= MAX_SEED - offset ? seed + offset : seed - (MAX_SEED - offset) - 1;
}

/** The workflow of run `index` (0-based) of a batch: every integer seed parameter moved on by `index`. */
export function batchMember(wf: Workflow, index: number, seedParamsOf: SeedParamsOf): Workflow {
  if (index === 0) return wf;
  return {
    ...wf,
    nodes: wf.nodes.map((n) => {
      const names = seedParamsOf(n.type).filter((p) => Number.isSafeInteger(n.params[p]));
      if (!names.length) return n;
      const params = { ...n.params };
      for (const p of names) params[p] = offsetSeed(params[p] as number, index);
      return { ...n, params };
    }),
  };
}

/** The N workflows of "Run ×N", in queue order. */
export function batchWorkflows(wf: Workflow, count: number, seedParamsOf: SeedParamsOf): Workflow[] {
  return Array.from({ length: count }, (_, i) => batchMember(wf, i, seedParamsOf));
}
