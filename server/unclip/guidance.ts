/**
 * Classifier-free guidance on a batch laid out as [unconditional; conditional]:
 * guided = u + s · (c − u), in float32 like the reference.
 */
import type { GuidanceParts } from "./progress";
import type { Float32NdArray } from "./tensor";
import { float32, numel } from "./tensor";

const f = Math.fround;

/** Guide the first `guidedChannels` channels; the remaining ones (learned variance) come from the conditional half. */
export function classifierFreeGuidance(out: Float32NdArray, scale: number, guidedChannels?: number): Float32NdArray {
  const rows = out.shape[0] / 2;
  const rest = out.shape.slice(1);
  const rowSize = numel(rest);
  const channels = rest.length >= 2 ? rest[0] : 1;
  const inner = rowSize / channels;
  const guided = guidedChannels ?? channels;
  const s = f(scale);
  const result = new Float32Array(rows * rowSize);
  const d = out.data;
  for (let r = 0; r < rows; r++) {
    const u = r * rowSize;
    const c = (rows + r) * rowSize;
    const o = r * rowSize;
    const split = guided * inner;
    for (let j = 0; j < split; j++) result[o + j] = f(d[u + j] + f(s * f(d[c + j] - d[u + j])));
    for (let j = split; j < rowSize; j++) result[o + j] = d[c + j];
  }
  return float32([rows, ...rest], result);
}

/** The [unconditional; conditional] halves of a guided batch, as views (no copy). */
export function guidanceHalves(out: Float32NdArray, scale: number): GuidanceParts {
  const rows = out.shape[0] / 2;
  const half = out.data.length / 2;
  const shape = [rows, ...out.shape.slice(1)];
  return { scale, uncond: float32(shape, out.data.subarray(0, half)), cond: float32(shape, out.data.subarray(half)) };
}
