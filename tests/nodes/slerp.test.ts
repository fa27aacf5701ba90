/** Spherical interpolation: the arc, its endpoints, lengths, fallbacks, and the node around it. */
import { describe, expect, it } from "vitest";
import { INTERPOLATE_RUNNERS } from "../../nodes/interpolate/run";
import { frameFactors, interpolateTensor, slerpRow, unionMask } from "../../nodes/engine/slerp";
import type { NodeRunContext } from "../../nodes/engine/runContext";
import type { ImageEmbeddingValue, TextEmbeddingValue } from "../../nodes/engine/values";
import { bool, float32 } from "../../server/unclip/tensor";
import { implementationOf, runNode } from "./runNode";

const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const angle = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.acos(Math.min(1, dot(a, b) / (norm(a) * norm(b))));
const slerp = (a: number[], b: number[], t: number) => {
  const out = new Float32Array(a.length);
  slerpRow(Float32Array.from(a), Float32Array.from(b), t, out);
  return out;
};

describe("slerp", () => {
  it("puts the midpoint of two unit vectors at 90° on the unit circle, at equal angles", () => {
    const a = [1, 0, 0];
    const b = [0, 1, 0];
    const m = slerp(a, b, 0.5);
    expect(norm(m)).toBeCloseTo(1, 6);
    expect(angle(m, a)).toBeCloseTo(Math.PI / 4, 6);
    expect(angle(m, b)).toBeCloseTo(Math.PI / 4, 6);
    // element-wise or linear blending would give [0.5, 0.5, 0] with norm ≈ 0.707
    expect(Array.from(m)).not.toEqual([0.5, 0.5, 0]);
    expect(m[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it("moves at constant angular speed along the arc", () => {
    const a = [1, 0];
    const b = [0, 1];
    for (const t of [0.1, 0.25, 0.6, 0.9]) expect(angle(slerp(a, b, t), a)).toBeCloseTo(t * (Math.PI / 2), 6);
  });

  it("returns the endpoints exactly at 0 and 1 and the same vector for identical inputs", () => {
    const a = [0.3, -1.2, 2.5, 0.01];
    const b = [-0.7, 0.4, 1.1, 3];
    expect(Array.from(slerp(a, b, 0))).toEqual(Array.from(Float32Array.from(a)));
    expect(Array.from(slerp(a, b, 1))).toEqual(Array.from(Float32Array.from(b)));
    for (const t of [0.2, 0.5, 0.77]) expect(Array.from(slerp(a, a, t))).toEqual(Array.from(Float32Array.from(a)));
  });

  it("interpolates the length linearly between different magnitudes", () => {
    const m = slerp([2, 0], [0, 4], 0.5);
    expect(norm(m)).toBeCloseTo(3, 5);
    expect(angle(m, [1, 0])).toBeCloseTo(Math.PI / 4, 6);
  });

  it("works on the normalised dot product, not element by element", () => {
    // same directions as the 90° case, scaled: the direction of the midpoint must not change
    const m = slerp([10, 0, 0], [0, 10, 0], 0.5);
    expect(angle(m, [1, 1, 0])).toBeCloseTo(0, 6);
    expect(norm(m)).toBeCloseTo(10, 5);
  });

  it("falls back to lerp for opposite, parallel and zero vectors", () => {
    expect(Array.from(slerp([1, 2], [-1, -2], 0.5))).toEqual([0, 0]);
    expect(Array.from(slerp([1, 1], [3, 3], 0.5))).toEqual([2, 2]);
    expect(Array.from(slerp([0, 0], [2, 4], 0.25))).toEqual([0.5, 1]);
  });

  it("works row by row, broadcasting a single row, and frame factors span 0..1", () => {
    const a = float32([2, 2], Float32Array.from([1, 0, 0, 1]));
    const b = float32([1, 2], Float32Array.from([0, 1]));
    const out = interpolateTensor(a, b, 0.5, "slerp");
    expect(out.shape).toEqual([2, 2]);
    expect(out.data[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(out.data[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Array.from(out.data.subarray(2))).toEqual([0, 1]);
    expect(() => interpolateTensor(float32([2, 2]), float32([3, 2]), 0.5, "slerp")).toThrow(/cannot pair 2 rows of a with 3 rows of b/);
    expect(frameFactors(5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(unionMask(bool([1, 4], Uint8Array.from([1, 1, 0, 0])), bool([1, 4], Uint8Array.from([1, 0, 1, 0]))).data)).toEqual([1, 1, 1, 0]);
  });
});

describe("interpolate nodes", () => {
  const ctx = {} as NodeRunContext;
  const text = (pooled: number[], hidden: number[], mask: number[]): TextEmbeddingValue => {
    const rows = {
      promptEmbeds: float32([1, 2], Float32Array.from(pooled)),
      hiddenStates: float32([1, 2, 2], Float32Array.from(hidden)),
      mask: bool([1, 2], Uint8Array.from(mask)),
    };
    return { kind: "text_embedding", cond: rows, uncond: rows };
  };

  it("blend text embeddings per token, with the union of the masks", async () => {
    const a = text([1, 0], [1, 0, 0, 1], [1, 0]);
    const b = text([0, 1], [0, 1, 0, 1], [0, 1]);
    const r = await runNode(implementationOf(INTERPOLATE_RUNNERS, "unclip.interpolate_text"), ctx, { a, b }, { factor: 0.5 });
    const e = r.outputs.embedding as TextEmbeddingValue;
    expect(e.cond.promptEmbeds.data[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(e.cond.hiddenStates.data[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Array.from(e.cond.hiddenStates.data.subarray(2))).toEqual([0, 1]); // identical token rows stay put
    expect(Array.from(e.cond.mask.data)).toEqual([1, 1]);
  });

  it("make N frames from a to b, and a connected factor overrides the parameter", async () => {
    const a: ImageEmbeddingValue = { kind: "image_embedding", embeds: float32([1, 2], Float32Array.from([1, 0])) };
    const b: ImageEmbeddingValue = { kind: "image_embedding", embeds: float32([1, 2], Float32Array.from([0, 1])) };
    const frames = await runNode(implementationOf(INTERPOLATE_RUNNERS, "unclip.interpolate_image_batch"), ctx, { a, b }, { frames: 3, method: "slerp" });
    const e = (frames.outputs.embedding as ImageEmbeddingValue).embeds;
    expect(e.shape).toEqual([3, 2]);
    expect(Array.from(e.data.subarray(0, 2))).toEqual([1, 0]);
    expect(Array.from(e.data.subarray(4))).toEqual([0, 1]);
    const lerp = await runNode(implementationOf(INTERPOLATE_RUNNERS, "unclip.interpolate_image"), ctx, { a, b, factor: 0.25 }, { factor: 0.9, method: "lerp" });
    expect(Array.from((lerp.outputs.embedding as ImageEmbeddingValue).embeds.data)).toEqual([0.75, 0.25]);
  });
});
