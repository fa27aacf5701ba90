/**
 * Small PNGs for step previews, encoded synchronously (zlib) so a sampler's per-step hook can
 * attach one to the progress event of the very step it shows.
 */
import { crc32, deflateSync } from "node:zlib";
import type { Float32NdArray } from "../../server/unclip/tensor";

export const PREVIEW_MAX_SIDE = 128;

function chunk(type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

/** 8-bit RGB (interleaved) → PNG bytes. */
export function encodeRgbPngSync(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc((width * 3 + 1) * height); // filter byte 0 before every row
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))]);
}

/**
 * Image `index` of an NCHW tensor as a PNG at most PREVIEW_MAX_SIDE a side (box-averaged).
 * Values map from [lo, hi] to 0–255; one channel is shown grey, three or more as RGB.
 */
export function tensorPreviewPng(t: Float32NdArray, index = 0, range: [number, number] = [-1, 1]): Uint8Array {
  const [, c, h, w] = t.shape;
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / PREVIEW_MAX_SIDE));
  const outW = Math.floor(w / factor) || 1;
  const outH = Math.floor(h / factor) || 1;
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const rgb = new Uint8Array(outW * outH * 3);
  const plane = h * w;
  const base = index * c * plane;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      for (let k = 0; k < 3; k++) {
        const ch = c >= 3 ? k : 0;
        let sum = 0;
        let n = 0;
        for (let dy = 0; dy < factor && y * factor + dy < h; dy++) {
          for (let dx = 0; dx < factor && x * factor + dx < w; dx++) {
            sum += t.data[base + ch * plane + (y * factor + dy) * w + x * factor + dx];
            n++;
          }
        }
        const v = Math.round((sum / n - lo) * scale);
        rgb[(y * outW + x) * 3 + k] = Number.isNaN(v) ? 0 : v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return encodeRgbPngSync(outW, outH, rgb);
}
