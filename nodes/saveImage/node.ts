import { defineNode } from "../core/types";

/** PNG tEXt keyword under which saved images carry the workflow that made them. */
export const WORKFLOW_PNG_KEYWORD = "unclip-studio-workflow";

export const saveImageNode = defineNode({
  type: "unclip.save_image",
  version: 1,
  title: "Save Image",
  category: "Output",
  description:
    "Saves every image of the batch as a PNG in the gallery. Each file carries the whole workflow (in a text chunk), so dropping it back into the editor restores the graph that made it, seeds included. Pixels are rounded from [−1, 1] to 8 bits exactly as diffusers does.",
  inputs: [{ name: "image", type: "IMAGE", label: "Image" }],
  outputs: [],
  params: [],
  output: true,
  // Saving is the point of the node: a run whose image is unchanged (everything upstream cached)
  // still adds it to the gallery as this run's image, so it is never served from the cache.
  cacheable: false,
});
