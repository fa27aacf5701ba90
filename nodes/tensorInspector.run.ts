import type { Float32NdArray, NdArray } from "../server/unclip/tensor";
import { encodeRgbPng, imageCount, imageRgb8 } from "./lib/images";
import { tensorPreviewPng } from "./lib/previewPng";
import { type TensorStats, tensorStats } from "./lib/tensorStats";
import type { ArtifactRef, NodeRunContext, NodeRunner } from "./runtime";
import { HISTOGRAM_BINS } from "./tensorInspector";
import { hasKind, type ImageValue, isNdArray } from "./values";

/** At most this many pictures per inspected value. */
const MAX_VIEWS = 4;
const MAX_DEPTH = 3;

export interface InspectEntry extends TensorStats {
  name: string;
}

/** Every tensor inside a value, named by its path (e.g. "cond.promptEmbeds"). */
export function collectTensors(value: unknown, path = "", depth = 0, out: { name: string; tensor: NdArray }[] = []) {
  if (isNdArray(value)) {
    out.push({ name: path || "value", tensor: value });
  } else if (typeof value === "object" && value !== null && depth < MAX_DEPTH && !hasKind(value, "component") && !hasKind(value, "scheduler")) {
    for (const [key, item] of Object.entries(value)) {
      if (key !== "rgb8") collectTensors(item, path ? `${path}.${key}` : key, depth + 1, out);
    }
  }
  return out;
}

/** A float NCHW tensor with 1 or 3 channels reads as a batch of pictures. */
function looksLikeImages(t: NdArray): t is Float32NdArray {
  return t.dtype === "float32" && t.shape.length === 4 && (t.shape[1] === 1 || t.shape[1] === 3) && t.shape[2] >= 8 && t.shape[3] >= 8;
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
      const png = tensorPreviewPng(tensor, i, [stats[k].min!, stats[k].max!]);
      await save(png, tensor.shape[3], tensor.shape[2]);
    }
  }
  return views;
}

function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (isNdArray(value)) return "tensor";
  if (typeof value === "object" && "kind" in value) return String((value as { kind: unknown }).kind);
  return typeof value;
}

export const runTensorInspector: NodeRunner = async (ctx, inputs) => {
  const value = inputs.value;
  const tensors = collectTensors(value);
  const entries: InspectEntry[] = tensors.map(({ name, tensor }) => ({ name, ...tensorStats(tensor, HISTOGRAM_BINS) }));
  const images = await imageViews(ctx, value, tensors, entries);
  const scalar = typeof value === "number" || typeof value === "string" || typeof value === "boolean" ? value : undefined;
  const summary = entries.map((e) => `${e.name}: ${e.dtype} [${e.shape.join(", ")}]`).join("\n");
  return {
    outputs: {},
    ui: {
      inspect: { kind: describeValue(value), entries, ...(scalar !== undefined ? { value: scalar } : {}) },
      images,
      text: scalar !== undefined ? String(scalar) : summary || describeValue(value),
    },
  };
};
