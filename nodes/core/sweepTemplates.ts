/**
 * Templates built on a sweep (nodes/core/sweep.ts). Kept out of templates.ts so the sweep's
 * templates change in one place; templates.ts lists them. Browser-safe.
 */
import type { Workflow } from "./workflow";

export const COMPARE_GUIDANCE_TEMPLATE = "Compare decoder guidance scales";

const NOTE =
  "A sweep: one Run makes every combination of the decoder's guidance scale (1, 4, 8: across) and the seed (1, 2: down) and one labelled grid of them, each cell also saved on its own. " +
  "The prompt, text encoder and prior do not depend on the guidance scale, so they run once per seed and the other cells reuse them from the cache. " +
  "Edit the sweep with the toolbar's Sweep button.";

/** Text to image with a 3 × 2 sweep: decoder guidance 1, 4, 8 across, seeds 1 and 2 down. */
export function compareGuidanceTemplate(textToImage: Workflow): Workflow {
  const copy = JSON.parse(JSON.stringify(textToImage)) as Workflow;
  return {
    ...copy,
    name: COMPARE_GUIDANCE_TEMPLATE,
    meta: {
      description:
        "Text to image, run for decoder guidance scales 1, 4 and 8 with two seeds: one labelled grid. Everything before the decoder runs once per seed (the cache), the decoder and super-resolution once per cell.",
    },
    nodes: copy.nodes.map((n) =>
      n.id === "note"
        ? { ...n, params: { ...n.params, text: NOTE } }
        : n.id === "tokenizer"
          ? { ...n, params: { ...n.params, prompt: "a large red circle in the centre on a blue background" } }
          : n,
    ),
    sweep: {
      axes: [
        { node: "decoder", param: "guidanceScale", values: [1, 4, 8] },
        { node: "seed", param: "seed", values: [1, 2] },
      ],
    },
  };
}
