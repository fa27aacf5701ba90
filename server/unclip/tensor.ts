/**
 * Plain n-dimensional arrays, row-major, as the ONNX graphs and `.npy` files use them.
 * The pipelines work on these directly: the tensors are small enough that typed-array
 * loops are cheaper than converting to anything else.
 */
export type Float32NdArray = { dtype: "float32"; shape: number[]; data: Float32Array };
export type Int64NdArray = { dtype: "int64"; shape: number[]; data: BigInt64Array };
export type BoolNdArray = { dtype: "bool"; shape: number[]; data: Uint8Array };
export type NdArray = Float32NdArray | Int64NdArray | BoolNdArray;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function float32(shape: number[], data?: Float32Array): Float32NdArray {
  const n = numel(shape);
  const buf = data ?? new Float32Array(n);
  if (buf.length !== n) throw new Error(`tensor of shape [${shape.join(",")}] needs ${n} values, got ${buf.length}`);
  return { dtype: "float32", shape: [...shape], data: buf };
}

export function int64(shape: number[], data: BigInt64Array): Int64NdArray {
  if (data.length !== numel(shape)) throw new Error(`tensor of shape [${shape.join(",")}] needs ${numel(shape)} values, got ${data.length}`);
  return { dtype: "int64", shape: [...shape], data };
}

export function bool(shape: number[], data: Uint8Array): BoolNdArray {
  if (data.length !== numel(shape)) throw new Error(`tensor of shape [${shape.join(",")}] needs ${numel(shape)} values, got ${data.length}`);
  return { dtype: "bool", shape: [...shape], data };
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

type AnyArray = Float32Array | BigInt64Array | Uint8Array;

function emptyLike<T extends NdArray>(t: T, n: number): T["data"] {
  if (t.dtype === "float32") return new Float32Array(n);
  if (t.dtype === "int64") return new BigInt64Array(n);
  return new Uint8Array(n);
}

/** Concatenate along axis 0 (the batch axis): `[a; b; …]`. */
export function concatBatch<T extends NdArray>(parts: T[]): T {
  if (parts.length === 0) throw new Error("concatBatch needs at least one tensor");
  const first = parts[0];
  const rest = first.shape.slice(1);
  let rows = 0;
  for (const p of parts) {
    if (p.dtype !== first.dtype || !sameShape(p.shape.slice(1), rest)) {
      throw new Error(`cannot concatenate ${p.dtype}${shapeString(p.shape)} with ${first.dtype}${shapeString(first.shape)}`);
    }
    rows += p.shape[0];
  }
  const out: AnyArray = emptyLike<NdArray>(first, rows * numel(rest));
  let offset = 0;
  for (const p of parts) {
    (out as Float32Array).set(p.data as Float32Array, offset);
    offset += p.data.length;
  }
  return { dtype: first.dtype, shape: [rows, ...rest], data: out } as T;
}

/** Rows `[start, end)` of axis 0, as a view when possible (no copy). */
export function sliceBatch<T extends NdArray>(t: T, start: number, end: number): T {
  const row = numel(t.shape.slice(1));
  const data = (t.data as Float32Array).subarray(start * row, end * row);
  return { dtype: t.dtype, shape: [end - start, ...t.shape.slice(1)], data } as T;
}

/** torch's `repeat_interleave(n, dim=0)`: each row repeated n times consecutively. */
export function repeatInterleaveBatch<T extends NdArray>(t: T, n: number): T {
  if (n === 1) return t;
  const rows = t.shape[0];
  const row = numel(t.shape.slice(1));
  const out = emptyLike(t, rows * n * row) as Float32Array;
  const src = t.data as Float32Array;
  for (let r = 0; r < rows; r++) {
    const chunk = src.subarray(r * row, (r + 1) * row);
    for (let k = 0; k < n; k++) out.set(chunk, (r * n + k) * row);
  }
  return { dtype: t.dtype, shape: [rows * n, ...t.shape.slice(1)], data: out } as T;
}

/**
 * Concatenate along axis 1 for NC... tensors with the same batch:
 * used for the super-res input (latents then upscaled image) and the decoder's guided output.
 */
export function concatChannels(parts: Float32NdArray[]): Float32NdArray {
  const batch = parts[0].shape[0];
  const spatial = parts[0].shape.slice(2);
  const inner = numel(spatial);
  for (const p of parts) {
    if (p.shape[0] !== batch || !sameShape(p.shape.slice(2), spatial)) {
      throw new Error(`cannot concatenate channels of ${shapeString(p.shape)} with ${shapeString(parts[0].shape)}`);
    }
  }
  const channels = parts.reduce((s, p) => s + p.shape[1], 0);
  const out = new Float32Array(batch * channels * inner);
  for (let b = 0; b < batch; b++) {
    let offset = b * channels * inner;
    for (const p of parts) {
      const size = p.shape[1] * inner;
      out.set(p.data.subarray(b * size, (b + 1) * size), offset);
      offset += size;
    }
  }
  return float32([batch, channels, ...spatial], out);
}

/**
 * `concatChannels([x, fixed])` for loops that pair a new x with the same `fixed` tensor every step
 * (super-res feeds the upscaled image beside the latents at each step): one buffer, the fixed part
 * written once, only x copied per call. The returned tensors share that buffer, so each is valid
 * until the next call — enough for a model input that is consumed before the next step.
 */
export function channelConcatBeside(fixed: Float32NdArray): (x: Float32NdArray) => Float32NdArray {
  let buffer: Float32Array | null = null;
  let xChannels = -1;
  const [batch, fixedChannels] = fixed.shape;
  const spatial = fixed.shape.slice(2);
  const inner = numel(spatial);
  return (x) => {
    if (x.shape[0] !== batch || !sameShape(x.shape.slice(2), spatial) || (xChannels >= 0 && x.shape[1] !== xChannels)) {
      // a different layout than the buffer's: no reuse, same result and the same error as concatChannels
      return concatChannels([x, fixed]);
    }
    const channels = x.shape[1] + fixedChannels;
    if (!buffer) {
      xChannels = x.shape[1];
      buffer = new Float32Array(batch * channels * inner);
      for (let b = 0; b < batch; b++)
        buffer.set(fixed.data.subarray(b * fixedChannels * inner, (b + 1) * fixedChannels * inner), (b * channels + xChannels) * inner);
    }
    for (let b = 0; b < batch; b++) buffer.set(x.data.subarray(b * xChannels * inner, (b + 1) * xChannels * inner), b * channels * inner);
    return float32([batch, channels, ...spatial], buffer);
  };
}

export function clamp(t: Float32NdArray, lo: number, hi: number): Float32NdArray {
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = t.data[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return float32(t.shape, out);
}
