/**
 * What the tensor inspector shows of any value on a wire: every tensor inside it with shape,
 * dtype, range, mean, spread and a histogram, and small pictures of tensors that are images.
 * The executor stores this for each output port of a traced node, so an edge can be inspected
 * after the run (and after a reload) without keeping the tensors.
 */
import type { Float32NdArray, NdArray } from "../../server/unclip/tensor";
import { HISTOGRAM_BINS } from "../tensorInspector/node";
import { hasKind, isNdArray } from "./values";
import { tensorPreviewPng } from "./previewPng";
import type { PortSummary } from "../core/portSummary";
import { tensorStats } from "./tensorStats";

const MAX_PICTURES = 2;

const MAX_DEPTH = 3;

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
export function looksLikeImages(t: NdArray): t is Float32NdArray {
  return t.dtype === "float32" && t.shape.length === 4 && (t.shape[1] === 1 || t.shape[1] === 3) && t.shape[2] >= 8 && t.shape[3] >= 8;
}

/** What a value is, in a word: its kind, "tensor", or its JS type. */
export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (isNdArray(value)) return "tensor";
  if (typeof value === "object" && "kind" in value) return String(value.kind);
  return typeof value;
}

export function summarizeValue(value: unknown): PortSummary {
  const tensors = collectTensors(value);
  const entries = tensors.map(({ name, tensor }) => ({ name, ...tensorStats(tensor, HISTOGRAM_BINS) }));
  const pictures: PortSummary["pictures"] = [];
  for (const [k, { name, tensor }] of tensors.entries()) {
    const s = entries[k];
    if (!looksLikeImages(tensor) || s.min === null || s.max === null) continue;
    // images are shown on their own scale [-1, 1]; other tensors stretched over their range
    const range: [number, number] = hasKind(value, "image") ? [-1, 1] : [s.min, s.max === s.min ? s.min + 1 : s.max];
    for (let i = 0; i < tensor.shape[0] && pictures.length < MAX_PICTURES; i++) {
      const png = tensorPreviewPng(tensor, i, range);
      pictures.push({ name, index: i, range, url: `data:image/png;base64,${Buffer.from(png).toString("base64")}` });
    }
  }
  const scalar = typeof value === "number" || typeof value === "string" || typeof value === "boolean" ? value : undefined;
  return { kind: kindOf(value), entries, pictures, ...(scalar !== undefined ? { value: scalar } : {}) };
}
