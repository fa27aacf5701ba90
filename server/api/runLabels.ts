/**
 * What the API stores with a queued run besides its workflow: its prompt and key parameters
 * (nodes/core/runSummary.ts, read through the registry's declarations) and its "Run ×N" group;
 * and which parameters of a node type are seeds (for the batch's successive seeds).
 */
import type { SeedParamsOf } from "../../nodes/core/batchSeeds";
import { summarizeWorkflow } from "../../nodes/core/runSummary";
import type { Workflow } from "../../nodes/core/workflow";
import type { NodeRegistry } from "../graph/registry";
import type { RunLabel } from "../queue/types";

export function runLabel(wf: Workflow, registry: NodeRegistry, batchId?: string): RunLabel {
  return { batchId, summary: summarizeWorkflow(wf, (type) => registry.declaration(type)) };
}

/** A node type's seed parameters: those drawn with the "seed" widget. */
export function seedParamsIn(registry: NodeRegistry): SeedParamsOf {
  const cache = new Map<string, string[]>();
  return (type) => {
    let names = cache.get(type);
    if (!names) {
      names =
        registry
          .declaration(type)
          ?.params.filter((p) => p.widget === "seed")
          .map((p) => p.name) ?? [];
      cache.set(type, names);
    }
    return names;
  };
}
