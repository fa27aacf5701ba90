/** Summary statistics of a tensor for the inspector: range, mean, spread and a histogram. */
import type { TensorStats } from "../core/portSummary";
import type { NdArray } from "../../server/unclip/tensor";

function valueAt(t: NdArray, i: number): number {
  return t.dtype === "int64" ? Number(t.data[i]) : t.data[i];
}

export function tensorStats(t: NdArray, bins = 32): TensorStats {
  const n = t.data.length;
  let finite = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = valueAt(t, i);
    if (!Number.isFinite(v)) continue;
    finite++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const base = { shape: [...t.shape], dtype: t.dtype, count: n, nonFinite: n - finite };
  if (finite === 0) return { ...base, min: null, max: null, mean: null, std: null, histogram: null };
  const mean = sum / finite;
  let squares = 0;
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (let i = 0; i < n; i++) {
    const v = valueAt(t, i);
    if (!Number.isFinite(v)) continue;
    squares += (v - mean) * (v - mean);
    const bin = width > 0 ? Math.min(bins - 1, Math.floor((v - min) / width)) : 0;
    counts[bin]++;
  }
  return { ...base, min, max, mean, std: Math.sqrt(squares / finite), histogram: { min, max, counts } };
}
