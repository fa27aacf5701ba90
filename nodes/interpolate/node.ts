import { z } from "zod";
import { type DataType, defineNode, defineParam } from "../core/types";

export interface InterpolateVariant {
  type: string;
  /** What is interpolated. */
  subject: "text" | "image";
  /** One blend at a factor, or N frames from a to b. */
  mode: "single" | "frames";
}

const SUBJECTS = [
  {
    subject: "text",
    dataType: "TEXT_EMBEDDING",
    label: "Text Embeddings",
    what: "two text embeddings (pooled embeddings and every token's hidden state, conditional and unconditional rows; the attention mask is the union of both)",
  },
  { subject: "image", dataType: "IMAGE_EMBEDDING", label: "Image Embeddings", what: "two CLIP image embeddings" },
] as const;

const FORMULA =
  "Slerp works per row (one embedding, or one token's hidden state): with â = a/|a| and b̂ = b/|b|, θ = arccos(â·b̂) is the angle between the two directions; the result points along (sin((1−t)θ)·â + sin(tθ)·b̂) / sin θ and has length (1−t)|a| + t|b|, so it sweeps along the arc instead of cutting through the middle where vectors get short. When the rows are parallel, opposite or zero it falls back to lerp, (1−t)·a + t·b. t = 0 gives a, t = 1 gives b.";

const methodParam = defineParam({
  name: "method",
  label: "Method",
  schema: z.enum(["slerp", "lerp"]),
  default: "slerp",
  widget: "select",
  options: ["slerp", "lerp"],
});

const factorParam = defineParam({
  name: "factor",
  label: "Factor",
  description: "0 = a, 1 = b.",
  schema: z.number().min(0).max(1),
  default: 0.5,
  widget: "slider",
  min: 0,
  max: 1,
  step: 0.01,
});

const framesParam = defineParam({
  name: "frames",
  label: "Frames",
  description: "Rows out, at factors evenly spaced from 0 (a) to 1 (b).",
  schema: z.number().int().min(2).max(64),
  default: 5,
  widget: "number",
  min: 2,
  max: 64,
  step: 1,
});

export const INTERPOLATE_VARIANTS: readonly InterpolateVariant[] = SUBJECTS.flatMap((s) => [
  { type: `unclip.interpolate_${s.subject}`, subject: s.subject, mode: "single" as const },
  { type: `unclip.interpolate_${s.subject}_batch`, subject: s.subject, mode: "frames" as const },
]);

export const INTERPOLATE_NODES = INTERPOLATE_VARIANTS.map((v) => {
  const s = SUBJECTS.find((x) => x.subject === v.subject)!;
  const type: DataType = s.dataType;
  const single = v.mode === "single";
  const common = {
    type: v.type,
    version: 1,
    title: single ? `Interpolate ${s.label}` : `Interpolate ${s.label} (Frames)`,
    category: "Interpolate",
    description: `Blends ${s.what}, ${single ? "at one factor" : "into a batch of frames going from a to b (frame-major: every row of frame 0, then of frame 1, …)"}. Both inputs need the same number of rows, or one of them a single row. ${FORMULA}`,
    inputs: [
      { name: "a", type, label: "A" },
      { name: "b", type, label: "B" },
      ...(single
        ? [{ name: "factor", type: "FLOAT" as const, label: "Factor", optional: true, description: "Overrides the Factor parameter when connected." }]
        : []),
    ],
    outputs: [{ name: "embedding", type, label: s.label.replace(/s$/, "") }],
    explain: {
      formula: "slerp(a, b, t) = sin((1−t)·θ)/sin θ · a + sin(t·θ)/sin θ · b, with θ the angle between a and b;  lerp(a, b, t) = (1−t)·a + t·b",
      text: "Method: {params.method}. Slerp walks along the arc between the two embeddings, so every frame keeps the length CLIP embeddings have; lerp cuts across and shrinks the middle frames. The trajectory view shows each frame's cosine to a and to b.",
    },
  };
  return single ? defineNode({ ...common, params: [methodParam, factorParam] }) : defineNode({ ...common, params: [methodParam, framesParam] });
});
