import type { TextRows } from "../../server/unclip/encodePrompt";
import { framesTrace } from "../../server/unclip/stageTrace";
import { concatBatch, type Float32NdArray } from "../../server/unclip/tensor";
import { INTERPOLATE_NODES, INTERPOLATE_VARIANTS, type InterpolateVariant } from "./node";
import { kindInput, numberOr } from "../engine/inputs";
import { frameFactors, type InterpolationMethod, interpolateTensor, unionMask } from "../engine/slerp";
import { defineRunner, type NodeImplementation } from "../engine/runContext";
import type { ImageEmbeddingValue, TextEmbeddingValue } from "../engine/values";

function interpolateText(a: TextRows, b: TextRows, t: number, method: InterpolationMethod): TextRows {
  return {
    promptEmbeds: interpolateTensor(a.promptEmbeds, b.promptEmbeds, t, method, "text embeddings"),
    hiddenStates: interpolateTensor(a.hiddenStates, b.hiddenStates, t, method, "hidden states"),
    // a token attended to in either prompt stays visible in the blend
    mask: unionMask(a.mask, b.mask),
  };
}

function textAt(a: TextEmbeddingValue, b: TextEmbeddingValue, t: number, method: InterpolationMethod): TextEmbeddingValue {
  return { kind: "text_embedding", cond: interpolateText(a.cond, b.cond, t, method), uncond: interpolateText(a.uncond, b.uncond, t, method) };
}

function concatTextRows(parts: TextRows[]): TextRows {
  return {
    promptEmbeds: concatBatch(parts.map((p) => p.promptEmbeds)),
    hiddenStates: concatBatch(parts.map((p) => p.hiddenStates)),
    mask: concatBatch(parts.map((p) => p.mask)),
  };
}

function factorsFor(inputs: Record<string, unknown>, p: { frames: number } | { factor: number }): number[] {
  if ("frames" in p) return frameFactors(p.frames);
  return [Math.min(1, Math.max(0, numberOr(inputs, "factor", p.factor)))];
}

/** The first row of a [rows, width] tensor (interpolation traces show one row per frame). */
function firstRow(t: Float32NdArray): Float32Array {
  const width = t.shape[t.shape.length - 1];
  return t.data.slice(0, width);
}

function runnerFor(variant: InterpolateVariant): NodeImplementation {
  const decl = INTERPOLATE_NODES.find((d) => d.type === variant.type)!;
  return defineRunner(decl, (ctx, inputs, p) => {
    const factors = factorsFor(inputs, p);
    if (variant.subject === "text") {
      const a = kindInput<"text_embedding", TextEmbeddingValue>(inputs, "a", "text_embedding", "a text embedding");
      const b = kindInput<"text_embedding", TextEmbeddingValue>(inputs, "b", "text_embedding", "a text embedding");
      const frames = factors.map((t) => textAt(a, b, t, p.method));
      if (ctx.trace)
        ctx.addTrace(
          "frames",
          framesTrace(
            p.method,
            factors,
            frames.map((f) => firstRow(f.cond.promptEmbeds)),
            firstRow(a.cond.promptEmbeds),
            firstRow(b.cond.promptEmbeds),
          ),
        );
      const embedding: TextEmbeddingValue = {
        kind: "text_embedding",
        cond: concatTextRows(frames.map((f) => f.cond)),
        uncond: concatTextRows(frames.map((f) => f.uncond)),
      };
      return { outputs: { embedding }, ui: { text: `${embedding.cond.promptEmbeds.shape[0]} row(s), ${p.method}` } };
    }
    const a = kindInput<"image_embedding", ImageEmbeddingValue>(inputs, "a", "image_embedding", "an image embedding");
    const b = kindInput<"image_embedding", ImageEmbeddingValue>(inputs, "b", "image_embedding", "an image embedding");
    const rows: Float32NdArray[] = factors.map((t) => interpolateTensor(a.embeds, b.embeds, t, p.method, "image embeddings"));
    if (ctx.trace) ctx.addTrace("frames", framesTrace(p.method, factors, rows.map(firstRow), firstRow(a.embeds), firstRow(b.embeds)));
    const embedding: ImageEmbeddingValue = { kind: "image_embedding", embeds: concatBatch(rows) };
    return { outputs: { embedding }, ui: { text: `${embedding.embeds.shape[0]} row(s), ${p.method}` } };
  });
}

export const INTERPOLATE_RUNNERS: readonly NodeImplementation[] = INTERPOLATE_VARIANTS.map(runnerFor);
