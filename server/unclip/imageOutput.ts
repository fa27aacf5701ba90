/**
 * Float images [B, H, W, 3] in [0, 1] → 8-bit RGB PNGs, rounding as diffusers' numpy_to_pil
 * does (round(x · 255)). PNG text chunks (e.g. the workflow that made an image) are written as tEXt.
 */
import sharp from "sharp";
import type { Float32NdArray } from "./tensor";

export function toRgb8(images: Float32NdArray, index: number): { width: number; height: number; rgb: Uint8Array } {
  const [, h, w, c] = images.shape;
  const size = h * w * c;
  const src = images.data.subarray(index * size, (index + 1) * size);
  const rgb = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const v = Math.round(src[i] * 255); // values are already clamped to [0, 1]
    rgb[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { width: w, height: h, rgb };
}

export async function encodePng(images: Float32NdArray, index: number, text?: Record<string, string>): Promise<Buffer> {
  const { width, height, rgb } = toRgb8(images, index);
  const png = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return text && Object.keys(text).length ? addPngTextChunks(png, text) : png;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Insert tEXt chunks right after IHDR (Latin-1 keyword, text stored as UTF-8 JSON-safe text). */
export function addPngTextChunks(png: Buffer, text: Record<string, string>): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  const chunks = Object.entries(text).map(([key, value]) => {
    const data = Buffer.concat([Buffer.from(key, "latin1"), Buffer.from([0]), Buffer.from(value, "utf8")]);
    const typeAndData = Buffer.concat([Buffer.from("tEXt", "latin1"), data]);
    const out = Buffer.alloc(4 + typeAndData.length + 4);
    out.writeUInt32BE(data.length, 0);
    typeAndData.copy(out, 4);
    out.writeUInt32BE(crc32(typeAndData), 4 + typeAndData.length);
    return out;
  });
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

/** Read tEXt chunks back (keyword → text). */
export function readPngTextChunks(png: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const view = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  while (pos + 8 <= view.length) {
    const len = view.readUInt32BE(pos);
    const type = view.toString("latin1", pos + 4, pos + 8);
    if (type === "tEXt") {
      const data = view.subarray(pos + 8, pos + 8 + len);
      const zero = data.indexOf(0);
      if (zero > 0) out[data.toString("latin1", 0, zero)] = data.toString("utf8", zero + 1);
    }
    if (type === "IEND") break;
    pos += 12 + len;
  }
  return out;
}
