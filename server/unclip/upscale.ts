/**
 * The upscaling diffusers applies to the decoder image before super-res:
 * `F.interpolate(x, size=[S, S], mode="bicubic", align_corners=False, antialias=True)`.
 *
 * torch evaluates this (CPU, float32 input) as two separable passes, width first, then height,
 * with float32 weights and a float32 accumulator updated as `acc = fma(value, weight, acc)`
 * (the compiler contracts `acc += value * weight` into a fused multiply-add). Reproducing those
 * roundings gives bit-identical output; a float64 evaluation of the same formula is within ~3e-7.
 */

const fround = Math.fround;

/** Keys cubic kernel, a = -0.5, in float32 arithmetic like torch's `aa_filter<float>`. */
function cubicF32(x: number): number {
  const a = -0.5;
  x = fround(Math.abs(x));
  if (x < 1) return fround(fround(fround(fround(fround(1.5 * x) - 2.5) * x) * x) + 1);
  if (x < 2) return fround(fround(fround(fround(fround(fround(a * x) + 2.5) * x) - 4) * x) + 2);
  return 0;
}

/**
 * float32(a * b + c) with a single rounding, for float32 a, b, c. a * b is exact in a double;
 * the sum's rounding to double can only mislead the rounding to float32 when it lands exactly
 * halfway between two float32 values, and then the sign of the lost remainder decides.
 */
function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fround(s);
  if (r === s) return r;
  const other = 2 * s - r;
  if (fround(other) !== other || r + other !== 2 * s) return r;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  if (err === 0) return r;
  return err > 0 ? Math.max(r, other) : Math.min(r, other);
}

export interface AxisWeights {
  /** First source index used by each output index. */
  start: Int32Array;
  /** Number of source taps of each output index. */
  count: Int32Array;
  /** `outSize * taps` weights, row i at `i * taps`. */
  weights: Float32Array;
  taps: number;
}

/** Per-axis index and weight tables of torch's antialiased bicubic filter, upsampling only. */
export function bicubicAntialiasWeights(inSize: number, outSize: number): AxisWeights {
  const scale = fround(inSize / outSize);
  // When upsampling (scale < 1) the kernel keeps its natural support of 2.
  const support = 2;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = fround(scale * (i + 0.5));
    const lo = Math.max(Math.trunc(fround(center - support) + 0.5), 0);
    const hi = Math.min(Math.trunc(fround(center + support) + 0.5), inSize);
    let total = 0;
    for (let j = lo; j < hi; j++) {
      const w = cubicF32(fround(j - center) + 0.5);
      weights[i * taps + j - lo] = w;
      total = fround(total + w);
    }
    if (total !== 0) {
      for (let j = 0; j < hi - lo; j++) weights[i * taps + j] = fround(weights[i * taps + j] / total);
    }
    start[i] = lo;
    count[i] = hi - lo;
  }
  return { start, count, weights, taps };
}

function checkShape(src: Float32Array, shape: readonly number[], outH: number, outW: number): void {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`upscaleBicubicAntialias: expected an [N, C, h, w] shape of positive integers, got [${shape.join(", ")}]`);
  }
  const [n, c, h, w] = shape;
  if (src.length !== n * c * h * w) {
    throw new Error(`upscaleBicubicAntialias: shape [${shape.join(", ")}] needs ${n * c * h * w} values, got ${src.length}`);
  }
  for (const [name, size] of [
    ["outH", outH],
    ["outW", outW],
  ] as const) {
    if (!Number.isInteger(size) || size <= 0) {
      throw new Error(`upscaleBicubicAntialias: ${name} must be a positive integer, got ${size}`);
    }
  }
  if (outH < h || outW < w) {
    throw new Error(
      `upscaleBicubicAntialias: only upsampling is supported, got ${h}x${w} -> ${outH}x${outW} ` +
        "(downsampling widens the antialias filter, which this implementation does not do)",
    );
  }
}

/** Width pass: `rows` rows of length `inW` → rows of length `outW`. */
function resizeRows(src: Float32Array, rows: number, inW: number, outW: number): Float32Array {
  const { start, count, weights, taps } = bicubicAntialiasWeights(inW, outW);
  const dst = new Float32Array(rows * outW);
  for (let r = 0; r < rows; r++) {
    const srcRow = r * inW;
    const dstRow = r * outW;
    for (let i = 0; i < outW; i++) {
      const base = srcRow + start[i];
      const k = i * taps;
      const n = count[i];
      let acc = fround(src[base] * weights[k]);
      for (let j = 1; j < n; j++) acc = fmaF32(src[base + j], weights[k + j], acc);
      dst[dstRow + i] = acc;
    }
  }
  return dst;
}

/** Height pass: `planes` planes of `inH` rows of length `width` → `outH` rows. */
function resizeColumns(src: Float32Array, planes: number, inH: number, width: number, outH: number): Float32Array {
  const { start, count, weights, taps } = bicubicAntialiasWeights(inH, outH);
  const dst = new Float32Array(planes * outH * width);
  for (let p = 0; p < planes; p++) {
    const srcPlane = p * inH * width;
    const dstPlane = p * outH * width;
    for (let i = 0; i < outH; i++) {
      const out = dstPlane + i * width;
      const k = i * taps;
      const n = count[i];
      // Whole rows at a time, tap by tap: the same per-element order as torch, with contiguous reads.
      let row = srcPlane + start[i] * width;
      const w0 = weights[k];
      for (let x = 0; x < width; x++) dst[out + x] = fround(src[row + x] * w0);
      for (let j = 1; j < n; j++) {
        row += width;
        const wj = weights[k + j];
        for (let x = 0; x < width; x++) dst[out + x] = fmaF32(src[row + x], wj, dst[out + x]);
      }
    }
  }
  return dst;
}

/**
 * `F.interpolate(src, size=[outH, outW], mode="bicubic", align_corners=False, antialias=True)` for
 * upsampling, NCHW float32. An axis whose size does not change is copied through, as torch does.
 */
export function upscaleBicubicAntialias(
  src: Float32Array,
  shape: readonly [number, number, number, number] | readonly number[],
  outH: number,
  outW: number,
): Float32Array {
  checkShape(src, shape, outH, outW);
  const [n, c, h, w] = shape;
  let cur = src;
  if (outW !== w) cur = resizeRows(cur, n * c * h, w, outW);
  if (outH !== h) cur = resizeColumns(cur, n * c, h, outW, outH);
  return cur === src ? src.slice() : cur;
}
