/**
 * NumPy `.npy` (format 1.0–3.0) reading and writing for the dtypes the pipelines exchange:
 * float32, float64 (converted to float32 on read), int64 and bool, little-endian, C order.
 */
import { readFile, writeFile } from "node:fs/promises";
import { InputError } from "../errors";
import type { NdArray } from "./tensor";
import { numel } from "./tensor";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

export class NpyError extends InputError {
  constructor(message: string) {
    super("npy", message);
    this.name = "NpyError";
  }
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(text: string, where: string): Header {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`${where}: not a valid .npy header (${JSON.stringify(text.trim().slice(0, 80))})`);
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ""));
      if (!Number.isInteger(n) || n < 0) throw new NpyError(`${where}: bad dimension ${JSON.stringify(s)} in .npy shape`);
      return n;
    });
  return { descr, fortranOrder: fortran === "True", shape };
}

/** Parse `.npy` bytes. `where` names the file in error messages. */
export function readNpy(bytes: Uint8Array, where = "<npy>"): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError(`${where}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    // versions 2 and 3 use a 4-byte header length: the file must hold it before we read it
    if (bytes.length < 12) throw new NpyError(`${where}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(`${where}: unsupported .npy format version ${major}`);
  }
  if (headerStart + headerLen > bytes.length) throw new NpyError(`${where}: truncated .npy header`);
  const header = parseHeader(new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen)), where);
  if (header.fortranOrder) {
    throw new NpyError(`${where}: Fortran-order arrays are not supported; save it with np.ascontiguousarray(...) (C order)`);
  }
  const n = numel(header.shape);
  const body = bytes.subarray(headerStart + headerLen);
  const need = (size: number) => {
    if (body.length < n * size) {
      throw new NpyError(`${where}: data is truncated (shape [${header.shape.join(",")}] needs ${n * size} bytes, file has ${body.length})`);
    }
    // Copy into a fresh, aligned buffer: the file's data offset is not always a multiple of 8
    // (and Buffer#slice would return a view on Node's shared pool).
    const copy = new Uint8Array(n * size);
    copy.set(body.subarray(0, n * size));
    return copy.buffer;
  };
  switch (header.descr) {
    case "<f4":
      return { dtype: "float32", shape: header.shape, data: new Float32Array(need(4)) };
    case "<f8": {
      const f64 = new Float64Array(need(8));
      return { dtype: "float32", shape: header.shape, data: Float32Array.from(f64) };
    }
    case "<i8":
      return { dtype: "int64", shape: header.shape, data: new BigInt64Array(need(8)) };
    case "|b1":
      return { dtype: "bool", shape: header.shape, data: new Uint8Array(need(1)) };
    default:
      throw new NpyError(`${where}: unsupported dtype '${header.descr}' (supported: float32 '<f4', float64 '<f8', int64 '<i8', bool '|b1')`);
  }
}

export async function readNpyFile(file: string): Promise<NdArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NpyError(`${file}: cannot read (${code === "ENOENT" ? "no such file" : (code ?? String(err))})`);
  }
  return readNpy(bytes, file);
}

const DESCR: Record<NdArray["dtype"], string> = { float32: "<f4", int64: "<i8", bool: "|b1" };

/** Serialise as format 1.0, header padded so the data starts on a 64-byte boundary. */
export function writeNpy(arr: NdArray): Uint8Array {
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(", ")})`;
  let header = `{'descr': '${DESCR[arr.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const headerBytes = new TextEncoder().encode(header);
  const data = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Uint8Array(10 + headerBytes.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  out.set(data, 10 + headerBytes.length);
  return out;
}

export async function writeNpyFile(file: string, arr: NdArray): Promise<void> {
  await writeFile(file, writeNpy(arr));
}
