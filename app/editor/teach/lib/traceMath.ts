/**
 * The arithmetic the teaching views redo in the browser from a trace's recorded tensors, in the
 * scheduler's own float32 order (Math.fround after each operation), so what a view shows for the
 * run's settings is exactly what the sampler computed, and other settings are computed the same way.
 */
import { fromHalfBits } from "../../../../nodes/core/half";
import type { TraceTensor } from "../../../../nodes/core/traceFormat";

const f = Math.fround;

/** base64 little-endian float32 (or float16, for the largest pictures) → values (browser and Node). */
export function decodeTensor(t: TraceTensor): Float32Array {
  const binary = atob(t.data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (t.dtype === "float16") return Float32Array.from(new Uint16Array(bytes.buffer), fromHalfBits);
  return new Float32Array(bytes.buffer);
}

/** Classifier-free guidance: u + s · (c − u). */
export function guide(uncond: Float32Array, cond: Float32Array, scale: number): Float32Array {
  const s = f(scale);
  const out = new Float32Array(uncond.length);
  for (let i = 0; i < out.length; i++) out[i] = f(uncond[i] + f(s * f(cond[i] - uncond[i])));
  return out;
}

export function difference(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a[i] - b[i]);
  return out;
}

export interface PredictionSettings {
  predictionType: string;
  clipSample: boolean;
  clipSampleRange: number;
}

/** The scheduler's predicted x0 from x_t and a prediction: (x_t − √(1−ᾱ_t)·ε) / √ᾱ_t, clipped. */
export function predictX0(sample: Float32Array, prediction: Float32Array, alphaProdT: number, s: PredictionSettings): Float32Array {
  const sqrtAlpha = f(Math.sqrt(alphaProdT));
  const sqrtBeta = f(Math.sqrt(f(1 - alphaProdT)));
  const range = s.clipSampleRange;
  const out = new Float32Array(sample.length);
  for (let i = 0; i < out.length; i++) {
    let x = s.predictionType === "epsilon" ? f(f(sample[i] - f(sqrtBeta * prediction[i])) / sqrtAlpha) : prediction[i];
    if (s.clipSample) x = x < -range ? -range : x > range ? range : x;
    out[i] = x;
  }
  return out;
}

/** Channels-first [c, h, w] values → RGBA bytes, mapping [lo, hi] to 0–255 (one channel grey). */
export function chwToRgba(
  values: Float32Array,
  shape: number[],
  range: [number, number] = [-1, 1],
): { width: number; height: number; rgba: Uint8ClampedArray } {
  const [c, h, w] = shape;
  const rgba = new Uint8ClampedArray(w * h * 4);
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let p = 0; p < w * h; p++) {
    for (let k = 0; k < 3; k++) {
      const v = values[(c >= 3 ? k : 0) * w * h + p];
      rgba[p * 4 + k] = Math.round((v - lo) * scale);
    }
    rgba[p * 4 + 3] = 255;
  }
  return { width: w, height: h, rgba };
}

/** The largest |value|, for showing signed tensors (noise, differences) on a symmetric scale. */
export function absMax(values: Float32Array): number {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m && Number.isFinite(v)) m = Math.abs(v);
  return m || 1;
}
