import { tensorInspectorNode } from "./node";
import type { NdArray } from "../../server/unclip/tensor";
import { encodeRgbPng, imageCount, imageRgb8 } from "../engine/images";
import { tensorPreviewPng } from "../engine/previewPng";
import { collectTensors, kindOf, looksLikeImages } from "../engine/inspectValue";
import type { TensorStats } from "../core/portSummary";
import { tensorStats } from "../engine/tensorStats";
import { type ArtifactRef, defineRunner, type NodeRunContext } from "../engine/runContext";
import { HISTOGRAM_BINS } from "./node";
import { hasKind, type ImageValue } from "../engine/values";

/** At most this many pictures per inspected value. */
const MAX_VIEWS = 4;

export interface InspectEntry extends TensorStats {
  name: string;
}

async function imageViews(ctx: NodeRunContext, value: unknown, tensors: { name: string; tensor: NdArray }[], stats: InspectEntry[]) {
  const views: ArtifactRef[] = [];
  const save = async (png: Uint8Array, width: number, height: number) =>
    views.push(await ctx.saveImage(png, { width, height, kind: "preview", index: views.length }));
  if (hasKind(value, "image")) {
    const image = value as ImageValue;
    for (let i = 0; i < Math.min(MAX_VIEWS, imageCount(image)); i++) {
      const rgb = imageRgb8(image, i);
      await save(await encodeRgbPng(rgb), rgb.width, rgb.height);
    }
    return views;
  }
  for (const [k, { tensor }] of tensors.entries()) {
    if (!looksLikeImages(tensor) || stats[k].min === null) continue;
    // other tensors (noise, pixel values) are stretched over their own range to be visible
    for (let i = 0; i < tensor.shape[0] && views.length < MAX_VIEWS; i++) {
      const png = tensorPreviewPng(tensor, i, [stats[k].min, stats[k].max!]);
      await save(png, tensor.shape[3], tensor.shape[2]);
    }
  }
  return views;
}

export const tensorInspectorRunner = defineRunner(tensorInspectorNode, async (ctx, inputs) => {
  const value = inputs.value;
  const tensors = collectTensors(value);
  const entries: InspectEntry[] = tensors.map(({ name, tensor }) => ({ name, ...tensorStats(tensor, HISTOGRAM_BINS) }));
  const images = await imageViews(ctx, value, tensors, entries);
  const scalar = typeof value === "number" || typeof value === "string" || typeof value === "boolean" ? value : undefined;
  const summary = entries.map((e) => `${e.name}: ${e.dtype} [${e.shape.join(", ")}]`).join("\n");
  return {
    outputs: {},
    ui: {
      inspect: { kind: kindOf(value), entries, ...(scalar !== undefined ? { value: scalar } : {}) },
      images,
      text: scalar !== undefined ? String(scalar) : summary || kindOf(value),
    },
  };
});
