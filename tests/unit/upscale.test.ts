import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readNpyFile } from "../../server/unclip/npy";
import { bicubicAntialiasWeights, upscaleBicubicAntialias } from "../../server/unclip/upscale";
import { describeWithFixtures, TINY_CASES } from "../helpers/fixtures";

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Straight float64 transcription of the separable formula, per pixel, as an independent check. */
function reference(src: Float32Array, [n, c, h, w]: number[], outH: number, outW: number): Float64Array {
  const cubic = (x: number) => {
    const a = -0.5;
    x = Math.abs(x);
    if (x < 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
    if (x < 2) return a * (x ** 3 - 5 * x ** 2 + 8 * x - 4);
    return 0;
  };
  const axis = (inSize: number, outSize: number, i: number) => {
    const center = (inSize / outSize) * (i + 0.5);
    const lo = Math.max(Math.trunc(center - 2 + 0.5), 0);
    const hi = Math.min(Math.trunc(center + 2 + 0.5), inSize);
    const ws: number[] = [];
    for (let j = lo; j < hi; j++) ws.push(cubic(j - center + 0.5));
    const total = ws.reduce((s, v) => s + v, 0);
    return { lo, ws: ws.map((v) => v / total) };
  };
  const tmp = new Float64Array(n * c * h * outW);
  for (let r = 0; r < n * c * h; r++) {
    for (let x = 0; x < outW; x++) {
      const { lo, ws } = axis(w, outW, x);
      tmp[r * outW + x] = ws.reduce((s, wt, j) => s + wt * src[r * w + lo + j], 0);
    }
  }
  const out = new Float64Array(n * c * outH * outW);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < outH; y++) {
      const { lo, ws } = axis(h, outH, y);
      for (let x = 0; x < outW; x++) {
        out[(p * outH + y) * outW + x] = ws.reduce((s, wt, j) => s + wt * tmp[(p * h + lo + j) * outW + x], 0);
      }
    }
  }
  return out;
}

function randomImage(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

describeWithFixtures("upscaleBicubicAntialias against torch (decoder_image → image_upscaled)", () => {
  const cases = existsSync(TINY_CASES)
    ? readdirSync(TINY_CASES, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(path.join(TINY_CASES, d.name, "decoder_image.npy")))
        .map((d) => d.name)
        .sort()
    : [];

  it("finds cases with a decoder image", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)("%s", async (name) => {
    const dir = path.join(TINY_CASES, name);
    const input = await readNpyFile(path.join(dir, "decoder_image.npy"));
    const expected = await readNpyFile(path.join(dir, "image_upscaled.npy"));
    expect(input.dtype).toBe("float32");
    expect(expected.shape.slice(0, 2)).toEqual(input.shape.slice(0, 2));
    const [, , outH, outW] = expected.shape;
    const out = upscaleBicubicAntialias(input.data as Float32Array, input.shape, outH, outW);
    // float32 with torch's fused multiply-add accumulation: bit-identical in practice.
    expect(maxAbsDiff(out, expected.data as Float32Array)).toBeLessThanOrEqual(1e-5);
  });
});

describe("upscaleBicubicAntialias", () => {
  it("agrees with a float64 evaluation of the formula (x2, x4, non-integer factors)", () => {
    for (const [shape, outH, outW] of [
      [[1, 3, 8, 8], 16, 16],
      [[2, 1, 5, 7], 20, 28],
      [[1, 2, 6, 4], 9, 13],
      [[1, 1, 3, 5], 3, 11],
    ] as [number[], number, number][]) {
      const src = randomImage(
        shape.reduce((a, b) => a * b, 1),
        outH * 31 + outW,
      );
      const out = upscaleBicubicAntialias(src, shape, outH, outW);
      expect(out.length).toBe(shape[0] * shape[1] * outH * outW);
      expect(maxAbsDiff(out, reference(src, shape, outH, outW))).toBeLessThan(1e-6);
    }
  });

  it("keeps constants constant (weights renormalised at the borders) and does not clamp", () => {
    const src = new Float32Array(2 * 3 * 4 * 4).fill(0.75);
    const out = upscaleBicubicAntialias(src, [2, 3, 4, 4], 8, 8);
    // float32 weights sum to 1 only to within rounding.
    expect(out.every((v) => Math.abs(v - 0.75) < 1e-6)).toBe(true);
    // A step overshoots beyond the input range: Keys' negative lobes, no clamping.
    const step = new Float32Array(8).map((_, i) => (i < 4 ? -1 : 1));
    const up = upscaleBicubicAntialias(step, [1, 1, 1, 8], 1, 16);
    expect(Math.max(...up)).toBeGreaterThan(1);
    expect(Math.min(...up)).toBeLessThan(-1);
  });

  it("computes one weight table per axis with unit sums", () => {
    const { start, count, weights, taps } = bicubicAntialiasWeights(32, 64);
    expect(start.length).toBe(64);
    for (let i = 0; i < 64; i++) {
      let s = 0;
      for (let j = 0; j < count[i]; j++) s += weights[i * taps + j];
      expect(s).toBeCloseTo(1, 6);
    }
    expect(start[0]).toBe(0);
    expect(start[63] + count[63]).toBe(32);
  });

  it("returns a copy when the size does not change and refuses downsampling", () => {
    const src = randomImage(2 * 4 * 4, 7);
    const same = upscaleBicubicAntialias(src, [1, 2, 4, 4], 4, 4);
    expect(same).toEqual(src);
    expect(same).not.toBe(src);
    expect(() => upscaleBicubicAntialias(src, [1, 2, 4, 4], 2, 8)).toThrow(/only upsampling is supported/);
    expect(() => upscaleBicubicAntialias(src, [1, 2, 4], 8, 8)).toThrow(/\[N, C, h, w\]/);
    expect(() => upscaleBicubicAntialias(src, [1, 3, 4, 4], 8, 8)).toThrow(/needs 48 values, got 32/);
  });

  it("upscales a 4x3x64x64 batch to 256x256 (Karlo's sizes)", () => {
    const src = randomImage(4 * 3 * 64 * 64, 3);
    const out = upscaleBicubicAntialias(src, [4, 3, 64, 64], 256, 256);
    expect(out.length).toBe(4 * 3 * 256 * 256);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});
