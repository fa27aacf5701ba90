import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../server/errors";
import { NpyError, readNpy, readNpyFile, writeNpy, writeNpyFile } from "../../server/unclip/npy";
import type { NdArray } from "../../server/unclip/tensor";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * A `.npy` file assembled byte by byte, the way NumPy lays it out: magic, version, header length
 * (2 bytes for 1.0, 4 for 2.0/3.0), the dict padded with spaces to a 64-byte boundary, "\n", data.
 */
function npyBytes(header: string, body: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const lenBytes = version === 1 ? 2 : 4;
  const prefix = 8 + lenBytes;
  const pad = (64 - ((prefix + header.length + 1) % 64)) % 64;
  const text = new TextEncoder().encode(header + " ".repeat(pad) + "\n");
  const out = new Uint8Array(prefix + text.length + body.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(body, prefix + text.length);
  return out;
}

function dict(descr: string, shape: string, fortran = false): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${shape}, }`;
}

function bytesOf(a: Float32Array | Float64Array | BigInt64Array | Uint8Array | Int32Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "unclip-npy-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes bytes to a fresh temp file and returns its path. */
function tempFile(bytes: Uint8Array, name = "array"): string {
  const file = path.join(dir, `${name}-${counter++}.npy`);
  writeFileSync(file, bytes);
  return file;
}

async function roundTrip(arr: NdArray): Promise<NdArray> {
  const file = path.join(dir, `rt-${counter++}.npy`);
  await writeNpyFile(file, arr);
  return readNpyFile(file);
}

/** Deterministic values so failures reproduce. */
function floats(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 8 - 4;
  }
  return out;
}

describe("npy round trips", () => {
  it.each([
    ["1-D", [7]],
    ["3-D", [2, 3, 4]],
    ["zero-size first dim", [0, 1, 32]],
    ["scalar", []],
  ])("float32 %s", async (_label, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = floats(n);
    if (n > 2) {
      data[0] = -0;
      data[1] = Number.POSITIVE_INFINITY;
      data[2] = 3.4028234663852886e38;
    }
    const back = await roundTrip({ dtype: "float32", shape, data });
    expect(back.dtype).toBe("float32");
    expect(back.shape).toEqual(shape);
    expect(back.data).toBeInstanceOf(Float32Array);
    // compare bits so -0 and the extremes count
    expect(bytesOf(back.data as Float32Array)).toEqual(bytesOf(data));
  });

  it.each([
    ["1-D", [5]],
    ["3-D", [2, 2, 3]],
    ["zero-size first dim", [0, 1, 32]],
  ])("int64 %s", async (_label, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new BigInt64Array(n);
    const specials = [-(2n ** 63n), 2n ** 63n - 1n, 49407n, -1n, 0n];
    for (let i = 0; i < n; i++) data[i] = i < specials.length ? specials[i] : BigInt(i * 1000003 - 7);
    const back = await roundTrip({ dtype: "int64", shape, data });
    expect(back.dtype).toBe("int64");
    expect(back.shape).toEqual(shape);
    expect(back.data).toBeInstanceOf(BigInt64Array);
    expect([...(back.data as BigInt64Array)]).toEqual([...data]);
  });

  it.each([
    ["1-D", [9]],
    ["3-D", [2, 3, 5]],
    ["zero-size first dim", [0, 1, 32]],
  ])("bool %s", async (_label, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Uint8Array(n).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const back = await roundTrip({ dtype: "bool", shape, data });
    expect(back.dtype).toBe("bool");
    expect(back.shape).toEqual(shape);
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect([...(back.data as Uint8Array)]).toEqual([...data]);
  });

  it("writes a NumPy 1.0 header with the data on a 64-byte boundary", () => {
    const bytes = writeNpy({ dtype: "float32", shape: [3], data: new Float32Array([1, 2, 3]) });
    expect([...bytes.subarray(0, 8)]).toEqual([...MAGIC, 1, 0]);
    const headerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
    expect((10 + headerLen) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
    expect(header.endsWith("\n")).toBe(true);
    // a 1-D shape needs the trailing comma to be a Python tuple
    expect(header).toContain("'shape': (3,)");
    expect(header).toContain("'descr': '<f4'");
    expect(header).toContain("'fortran_order': False");
    expect(bytes.length).toBe(10 + headerLen + 12);
  });

  it("writes from a typed-array view without its neighbours", async () => {
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    const back = await roundTrip({ dtype: "float32", shape: [3], data: backing.subarray(1, 4) });
    expect([...(back.data as Float32Array)]).toEqual([1, 2, 3]);
  });
});

describe("reading hand-built .npy files", () => {
  it("reads a float32 file as NumPy writes it", async () => {
    const data = new Float32Array([0.5, -1.25, 3, 4, 5, 6]);
    const back = await readNpyFile(tempFile(npyBytes(dict("<f4", "(2, 3)"), bytesOf(data))));
    expect(back).toMatchObject({ dtype: "float32", shape: [2, 3] });
    expect([...(back.data as Float32Array)]).toEqual([0.5, -1.25, 3, 4, 5, 6]);
  });

  it("converts float64 to float32", async () => {
    const values = [0.1, -2.5, 1 / 3, 1e-8, 123456789.123, 0];
    const back = await readNpyFile(tempFile(npyBytes(dict("<f8", "(3, 2)"), bytesOf(new Float64Array(values)))));
    expect(back.dtype).toBe("float32");
    expect(back.shape).toEqual([3, 2]);
    expect(back.data).toBeInstanceOf(Float32Array);
    expect([...(back.data as Float32Array)]).toEqual(values.map(Math.fround));
  });

  it("reads format version 2.0 (4-byte header length)", async () => {
    const ids = new BigInt64Array([49406n, 320n, 49407n, -5n]);
    const bytes = npyBytes(dict("<i8", "(1, 4)"), bytesOf(ids), 2);
    expect(bytes[6]).toBe(2);
    const back = await readNpyFile(tempFile(bytes));
    expect(back).toMatchObject({ dtype: "int64", shape: [1, 4] });
    expect([...(back.data as BigInt64Array)]).toEqual([...ids]);
  });

  it("reads format version 3.0", async () => {
    const back = await readNpyFile(tempFile(npyBytes(dict("|b1", "(3,)"), new Uint8Array([1, 0, 1]), 3)));
    expect(back).toMatchObject({ dtype: "bool", shape: [3] });
    expect([...(back.data as Uint8Array)]).toEqual([1, 0, 1]);
  });

  it("reads a buffer whose data starts at an odd offset", () => {
    // an unaligned view: typed arrays over it would throw if the reader did not copy
    const file = npyBytes(dict("<f8", "(2,)"), bytesOf(new Float64Array([1.5, -2])));
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const back = readNpy(shifted.subarray(3), "shifted.npy");
    expect([...(back.data as Float32Array)]).toEqual([1.5, -2]);
  });

  it("accepts Python 2 style long dimensions", () => {
    const back = readNpy(npyBytes(dict("<f4", "(2L, 1L)"), bytesOf(new Float32Array([1, 2]))));
    expect(back.shape).toEqual([2, 1]);
  });

  it("ignores trailing bytes after the data", () => {
    const body = new Uint8Array([...bytesOf(new Float32Array([7])), 0xde, 0xad]);
    const back = readNpy(npyBytes(dict("<f4", "(1,)"), body));
    expect([...(back.data as Float32Array)]).toEqual([7]);
  });
});

describe("invalid .npy files raise NpyError naming the file", () => {
  async function npyError(bytes: Uint8Array): Promise<{ error: NpyError; file: string }> {
    const file = tempFile(bytes, "bad");
    const error = await readNpyFile(file).then(
      () => {
        throw new Error(`${file} was accepted`);
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NpyError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as NpyError).code).toBe("npy");
    expect((error as NpyError).kind).toBe("bad_input");
    expect((error as NpyError).message).toContain(file);
    return { error: error as NpyError, file };
  }

  it("Fortran order", async () => {
    const { error } = await npyError(npyBytes(dict("<f4", "(2, 3)", true), bytesOf(new Float32Array(6))));
    expect(error.message).toMatch(/Fortran-order/);
    expect(error.message).toMatch(/C order/);
  });

  it.each([
    ["<i4", new Int32Array([1, 2])],
    [">f4", new Float32Array([1, 2])],
    ["<f2", new Uint16Array([0x3c00, 0x4000])],
  ])("unsupported dtype %s", async (descr, data) => {
    const { error } = await npyError(npyBytes(dict(descr, "(2,)"), bytesOf(data)));
    expect(error.message).toContain(`unsupported dtype '${descr}'`);
    // the message lists what would have worked
    expect(error.message).toContain("'<f4'");
  });

  it("truncated body", async () => {
    const body = bytesOf(new Float32Array(5)); // shape says 6 values
    const { error } = await npyError(npyBytes(dict("<f4", "(2, 3)"), body));
    expect(error.message).toMatch(/truncated/);
    expect(error.message).toContain("24 bytes");
    expect(error.message).toContain("20");
  });

  it("truncated int64 body", async () => {
    const full = npyBytes(dict("<i8", "(4,)"), bytesOf(new BigInt64Array(4)));
    const { error } = await npyError(full.subarray(0, full.length - 1));
    expect(error.message).toMatch(/truncated/);
  });

  it("truncated header", async () => {
    const full = npyBytes(dict("<f4", "(1,)"), bytesOf(new Float32Array(1)));
    const { error } = await npyError(full.subarray(0, 30));
    expect(error.message).toMatch(/truncated \.npy header/);
  });

  it("a version 2.0 file that ends inside its header length", async () => {
    const { error } = await npyError(new Uint8Array([...MAGIC, 2, 0, 0x40, 0]));
    expect(error.message).toMatch(/truncated \.npy header/);
  });

  it("bad magic", async () => {
    const good = npyBytes(dict("<f4", "(1,)"), bytesOf(new Float32Array(1)));
    const bad = good.slice();
    bad[1] = 0x4f; // "\x93OUMPY"
    const { error } = await npyError(bad);
    expect(error.message).toMatch(/not a \.npy file/);
  });

  it("a PNG renamed to .npy", async () => {
    const { error } = await npyError(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    expect(error.message).toMatch(/magic/);
  });

  it("an empty file", async () => {
    const { error } = await npyError(new Uint8Array(0));
    expect(error.message).toMatch(/not a \.npy file/);
  });

  it("unsupported format version", async () => {
    const bytes = npyBytes(dict("<f4", "(1,)"), bytesOf(new Float32Array(1)));
    bytes[6] = 4;
    const { error } = await npyError(bytes);
    expect(error.message).toMatch(/format version 4/);
  });

  it("a header that is not a NumPy dict", async () => {
    const { error } = await npyError(npyBytes("{'shape': (1,)}", bytesOf(new Float32Array(1))));
    expect(error.message).toMatch(/not a valid \.npy header/);
  });

  it("a negative dimension", async () => {
    const { error } = await npyError(npyBytes(dict("<f4", "(-1,)"), new Uint8Array(0)));
    expect(error.message).toMatch(/bad dimension/);
  });

  it("a file that does not exist", async () => {
    const file = path.join(dir, "nowhere", "missing.npy");
    const error = await readNpyFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NpyError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/no such file/);
  });
});
