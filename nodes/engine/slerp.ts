/**
 * Spherical and linear interpolation of row vectors. Slerp follows the great-circle arc between
 * the two directions and interpolates the lengths linearly; see the Interpolate nodes' description.
 * Sums run in float64; results are stored as float32.
 */
import { InputError } from "../../server/errors";
import { bool, type BoolNdArray, float32, type Float32NdArray, numel, sameShape, shapeString } from "../../server/unclip/tensor";

export type InterpolationMethod = "slerp" | "lerp";

// below this sin θ the directions are (anti)parallel and the arc formula divides by ~0
const PARALLEL_EPS = 1e-6;

function lerpRow(a: Float32Array, b: Float32Array, t: number, out: Float32Array): void {
  if (t === 0) return void out.set(a);
  if (t === 1) return void out.set(b);
  for (let j = 0; j < out.length; j++) out[j] = (1 - t) * a[j] + t * b[j];
}

/** One row: out = slerp(a, b, t), or lerp when slerp is undefined (zero or (anti)parallel vectors). */
export function slerpRow(a: Float32Array, b: Float32Array, t: number, out: Float32Array): void {
  if (t === 0) return void out.set(a);
  if (t === 1) return void out.set(b);
  let aa = 0;
  let bb = 0;
  let ab = 0;
  for (let j = 0; j < a.length; j++) {
    aa += a[j] * a[j];
    bb += b[j] * b[j];
    ab += a[j] * b[j];
  }
  const na = Math.sqrt(aa);
  const nb = Math.sqrt(bb);
  if (na === 0 || nb === 0) return lerpRow(a, b, t, out);
  const cos = Math.min(1, Math.max(-1, ab / (na * nb)));
  const theta = Math.acos(cos);
  const sin = Math.sin(theta);
  if (sin < PARALLEL_EPS) return lerpRow(a, b, t, out);
  const length = (1 - t) * na + t * nb;
  const wa = (Math.sin((1 - t) * theta) / sin / na) * length;
  const wb = (Math.sin(t * theta) / sin / nb) * length;
  for (let j = 0; j < out.length; j++) out[j] = wa * a[j] + wb * b[j];
}

/**
 * Interpolate two tensors of the same shape but for axis 0, vector by vector along the last axis
 * (an embedding, or one token's hidden state). Axis 0 broadcasts when one side has a single item.
 */
export function interpolateTensor(a: Float32NdArray, b: Float32NdArray, t: number, method: InterpolationMethod, what = "tensors"): Float32NdArray {
  const rest = a.shape.slice(1);
  if (!sameShape(rest, b.shape.slice(1))) {
    throw new InputError("shape_mismatch", `cannot interpolate ${what} of shapes ${shapeString(a.shape)} and ${shapeString(b.shape)}`, { port: "b" });
  }
  const itemsA = a.shape[0];
  const itemsB = b.shape[0];
  if (itemsA !== itemsB && itemsA !== 1 && itemsB !== 1) {
    throw new InputError("batch_mismatch", `cannot pair ${itemsA} rows of a with ${itemsB} rows of b (give the same count, or one row)`, { port: "b" });
  }
  const items = Math.max(itemsA, itemsB);
  const itemSize = numel(rest);
  const vector = rest.length ? rest[rest.length - 1] : 1;
  const out = new Float32Array(items * itemSize);
  const tmp = new Float32Array(vector);
  for (let i = 0; i < items; i++) {
    const baseA = (itemsA === 1 ? 0 : i) * itemSize;
    const baseB = (itemsB === 1 ? 0 : i) * itemSize;
    for (let v = 0; v < itemSize; v += vector) {
      const ra = a.data.subarray(baseA + v, baseA + v + vector);
      const rb = b.data.subarray(baseB + v, baseB + v + vector);
      if (method === "slerp") slerpRow(ra, rb, t, tmp);
      else lerpRow(ra, rb, t, tmp);
      out.set(tmp, i * itemSize + v);
    }
  }
  return float32([items, ...rest], out);
}

/** Elementwise OR of two masks, with the same broadcasting over axis 0. */
export function unionMask(a: BoolNdArray, b: BoolNdArray): BoolNdArray {
  if (!sameShape(a.shape.slice(1), b.shape.slice(1))) {
    throw new InputError("shape_mismatch", `cannot combine masks of shapes ${shapeString(a.shape)} and ${shapeString(b.shape)}`, { port: "b" });
  }
  const items = Math.max(a.shape[0], b.shape[0]);
  const itemSize = numel(a.shape.slice(1));
  const out = new Uint8Array(items * itemSize);
  for (let i = 0; i < items; i++) {
    const oa = (a.shape[0] === 1 ? 0 : i) * itemSize;
    const ob = (b.shape[0] === 1 ? 0 : i) * itemSize;
    for (let j = 0; j < itemSize; j++) out[i * itemSize + j] = a.data[oa + j] || b.data[ob + j] ? 1 : 0;
  }
  return bool([items, ...a.shape.slice(1)], out);
}

/** `frames` factors evenly spaced from 0 to 1, both ends included. */
export function frameFactors(frames: number): number[] {
  return Array.from({ length: frames }, (_, i) => i / (frames - 1));
}
