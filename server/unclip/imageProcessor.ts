/**
 * CLIP image preprocessing as transformers' `CLIPImageProcessor` (4.35) does it for the variation
 * pipeline: convert to RGB → resize the shortest edge with PIL bicubic on the 8-bit image → centre
 * crop → rescale → normalise → CHW float32. Every step reproduces the reference arithmetic
 * (PIL's fixed-point resampler, numpy's float64 rescale then float32 normalise), so the output is
 * bit-identical to transformers' `pixel_values`.
 */
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

export interface ClipImageProcessorConfig {
  doConvertRgb: boolean;
  doResize: boolean;
  /** Resize target: the shortest edge, or an exact size. */
  size: { shortestEdge: number } | { height: number; width: number };
  /** PIL resample filter; only 3 (bicubic) is supported. */
  resample: 3;
  doCenterCrop: boolean;
  cropSize: { height: number; width: number };
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

// transformers' OPENAI_CLIP_MEAN / OPENAI_CLIP_STD, the CLIPImageProcessor defaults.
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

const positiveInt = z.number().int().positive();
const triple = z.union([z.array(z.number()).length(3), z.number().transform((v) => [v, v, v])]);

// Missing fields take CLIPImageProcessor's constructor defaults; a bare number for `size` means the
// shortest edge and for `crop_size` a square, as transformers' get_size_dict reads old configs.
const rawSchema = z.looseObject({
  do_convert_rgb: z.boolean().default(true),
  do_resize: z.boolean().default(true),
  size: z
    .union([
      positiveInt.transform((v) => ({ shortestEdge: v })),
      z.strictObject({ shortest_edge: positiveInt }).transform((v) => ({ shortestEdge: v.shortest_edge })),
      z.strictObject({ height: positiveInt, width: positiveInt }),
    ])
    .default({ shortestEdge: 224 }),
  resample: z.number().int().default(3),
  do_center_crop: z.boolean().default(true),
  crop_size: z
    .union([positiveInt.transform((v) => ({ height: v, width: v })), z.strictObject({ height: positiveInt, width: positiveInt })])
    .default({ height: 224, width: 224 }),
  do_rescale: z.boolean().default(true),
  rescale_factor: z
    .number()
    .positive()
    .default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: triple.default(CLIP_MEAN),
  image_std: triple.default(CLIP_STD),
});

const PIL_FILTERS: Record<number, string> = { 0: "NEAREST", 1: "LANCZOS", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING" };

/** Validate a parsed `preprocessor_config.json`; `where` names the file in errors. */
export function parseClipImageProcessorConfig(json: unknown, where = "preprocessor_config.json"): ClipImageProcessorConfig {
  const parsed = rawSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new Error(`${where}: invalid image processor config: ${problems.join("; ")}`);
  }
  const c = parsed.data;
  if (c.resample !== 3) {
    const name = PIL_FILTERS[c.resample] ?? "unknown";
    throw new Error(`${where}: field "resample" is ${c.resample} (${name}); only 3 (BICUBIC) is supported`);
  }
  if (c.image_std.some((s) => s === 0)) {
    throw new Error(`${where}: field "image_std" must not contain 0 (got [${c.image_std.join(", ")}])`);
  }
  return {
    doConvertRgb: c.do_convert_rgb,
    doResize: c.do_resize,
    size: c.size,
    resample: 3,
    doCenterCrop: c.do_center_crop,
    cropSize: c.crop_size,
    doRescale: c.do_rescale,
    rescaleFactor: c.rescale_factor,
    doNormalize: c.do_normalize,
    imageMean: c.image_mean as [number, number, number],
    imageStd: c.image_std as [number, number, number],
  };
}

export async function loadClipImageProcessorConfig(file: string): Promise<ClipImageProcessorConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read image processor config (${code === "ENOENT" ? "no such file" : (code ?? String(err))})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseClipImageProcessorConfig(json, file);
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, row-major, `width * height * 3` bytes. */
  rgb: Uint8Array;
}

export type ImageFormat = "png" | "jpeg" | "webp" | "gif" | "tiff" | "bmp" | "svg" | "heif/avif" | "unknown";

function startsWith(bytes: Uint8Array, sig: number[], offset = 0): boolean {
  return bytes.length >= offset + sig.length && sig.every((b, i) => bytes[offset + i] === b);
}

const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0));

/** Identify the container from its magic bytes, before any decoder sees the data. */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "webp";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "gif";
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return "tiff";
  if (startsWith(bytes, ascii("BM"))) return "bmp";
  if (startsWith(bytes, ascii("ftyp"), 4)) return "heif/avif";
  const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 512)).trimStart().toLowerCase();
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return "svg";
  return "unknown";
}

const SUPPORTED = "PNG, JPEG or WebP";

/**
 * Decode a PNG, JPEG or WebP to 8-bit RGB the way PIL's `Image.open(...).convert("RGB")` sees it:
 * alpha is dropped without compositing, greyscale and palette images are expanded, embedded ICC
 * profiles and EXIF orientation are ignored, and only the first frame of an animation is used.
 */
export async function decodeImage(bytes: Uint8Array, name: string): Promise<RgbImage> {
  const kind = sniffFormat(bytes);
  if (kind === "unknown") {
    throw new Error(`${name}: not a recognised image (expected ${SUPPORTED}; the file starts with neither signature)`);
  }
  if (kind !== "png" && kind !== "jpeg" && kind !== "webp") {
    throw new Error(`${name}: ${kind.toUpperCase()} images are not supported (expected ${SUPPORTED})`);
  }
  try {
    const { data, info } = await sharp(bytes, { ignoreIcc: true, autoOrient: false, pages: 1, failOn: "error" })
      .removeAlpha()
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new Error(`decoded to ${info.channels} channels instead of RGB`);
    }
    return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    const reason = (err as Error).message.split("\n")[0].trim();
    throw new Error(`${name}: cannot decode ${kind.toUpperCase()} image (${reason || "corrupt or truncated data"})`, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// PIL bicubic resize (Pillow's Resample.c, 8 bits per channel)
// ---------------------------------------------------------------------------------------------

const PRECISION_BITS = 22; // 32 - 8 - 2
const ROUND_HALF = 1 << (PRECISION_BITS - 1);
const CLIP_HIGH = 2 ** (PRECISION_BITS + 8);

function pilBicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface PilCoeffs {
  bounds: Int32Array; // [xmin, count] per output index
  kk: Int32Array; // fixed-point weights, `ksize` per output index
  ksize: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for a box spanning the whole input axis. */
function pilCoeffs(inSize: number, outSize: number): PilCoeffs {
  const support0 = 2; // bicubic
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = support0 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterscale;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = pilBicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      // (int)(w * 2^22 ± 0.5): round half away from zero, C truncation.
      kk[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, kk, ksize };
}

function clip8(ss: number): number {
  if (ss >= CLIP_HIGH) return 255;
  if (ss <= 0) return 0;
  return ss >> PRECISION_BITS;
}

/**
 * `PIL.Image.resize((outW, outH), Image.BICUBIC)` on an 8-bit RGB image, bit-exact: a horizontal
 * pass into an 8-bit intermediate (only over the rows the vertical pass reads), then a vertical
 * pass; an axis whose size does not change is not resampled.
 */
export function resizeBicubicPil(img: RgbImage, outW: number, outH: number): RgbImage {
  const { width: inW, height: inH, rgb } = img;
  if (outW === inW && outH === inH) return { width: inW, height: inH, rgb: rgb.slice() };
  const needH = outW !== inW;
  const needV = outH !== inH;
  const horiz = pilCoeffs(inW, outW);
  const vert = pilCoeffs(inH, outH);

  let cur = rgb;
  let curW = inW;
  let curH = inH;
  const vBounds = vert.bounds.slice();
  if (needH) {
    const yFirst = vBounds[0];
    const yLast = vBounds[(outH - 1) * 2] + vBounds[(outH - 1) * 2 + 1];
    for (let i = 0; i < outH; i++) vBounds[i * 2] -= yFirst;
    const rows = yLast - yFirst;
    const tmp = new Uint8Array(rows * outW * 3);
    const { bounds, kk, ksize } = horiz;
    for (let yy = 0; yy < rows; yy++) {
      const src = (yy + yFirst) * inW * 3;
      const dst = yy * outW * 3;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2];
        const xmax = bounds[xx * 2 + 1];
        const k = xx * ksize;
        let s0 = ROUND_HALF;
        let s1 = ROUND_HALF;
        let s2 = ROUND_HALF;
        for (let x = 0; x < xmax; x++) {
          const p = src + (x + xmin) * 3;
          const w = kk[k + x];
          s0 += rgb[p] * w;
          s1 += rgb[p + 1] * w;
          s2 += rgb[p + 2] * w;
        }
        tmp[dst + xx * 3] = clip8(s0);
        tmp[dst + xx * 3 + 1] = clip8(s1);
        tmp[dst + xx * 3 + 2] = clip8(s2);
      }
    }
    cur = tmp;
    curW = outW;
    curH = rows;
  }
  if (needV) {
    const out = new Uint8Array(outH * curW * 3);
    const { kk, ksize } = vert;
    const rowLen = curW * 3;
    for (let yy = 0; yy < outH; yy++) {
      const ymin = vBounds[yy * 2];
      const ymax = vBounds[yy * 2 + 1];
      const k = yy * ksize;
      const dst = yy * rowLen;
      for (let c = 0; c < rowLen; c++) {
        let s = ROUND_HALF;
        for (let y = 0; y < ymax; y++) s += cur[(y + ymin) * rowLen + c] * kk[k + y];
        out[dst + c] = clip8(s);
      }
    }
    cur = out;
    curH = outH;
  }
  return { width: curW, height: curH, rgb: cur };
}

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

/**
 * transformers' get_resize_output_image_size(default_to_square=False): the short side becomes
 * `shortestEdge`, the long side `int(shortestEdge * long / short)` (truncated; a square stays square).
 */
export function shortestEdgeResizeSize(width: number, height: number, shortestEdge: number): { width: number; height: number } {
  const portrait = width <= height;
  const short = portrait ? width : height;
  const long = portrait ? height : width;
  const newLong = Math.trunc((shortestEdge * long) / short);
  return portrait ? { width: shortestEdge, height: newLong } : { width: newLong, height: shortestEdge };
}

/** Python's `//` for the crop offsets, which can be negative when padding. */
const floorDiv2 = (v: number) => Math.floor(v / 2);

/**
 * transformers' center_crop on an HWC uint8 image: slice when the crop fits, otherwise zero-pad to
 * at least the crop size and slice the padded image with the same offsets transformers uses.
 */
function centerCrop(img: RgbImage, cropH: number, cropW: number): RgbImage {
  const { width: w, height: h, rgb } = img;
  let top = floorDiv2(h - cropH);
  let left = floorDiv2(w - cropW);
  let bottom = top + cropH;
  let right = left + cropW;
  let src = rgb;
  let srcW = w;
  let srcH = h;
  if (!(top >= 0 && bottom <= h && left >= 0 && right <= w)) {
    const newH = Math.max(cropH, h);
    const newW = Math.max(cropW, w);
    const topPad = floorDiv2(newH - h);
    const leftPad = floorDiv2(newW - w);
    const padded = new Uint8Array(newH * newW * 3);
    for (let y = 0; y < h; y++) padded.set(rgb.subarray(y * w * 3, (y + 1) * w * 3), ((y + topPad) * newW + leftPad) * 3);
    top = Math.max(0, top + topPad);
    bottom = Math.min(newH, bottom + topPad);
    left = Math.max(0, left + leftPad);
    right = Math.min(newW, right + leftPad);
    src = padded;
    srcW = newW;
    srcH = newH;
  }
  const outH = bottom - top;
  const outW = right - left;
  if (outH !== cropH || outW !== cropW) {
    // transformers' padding arithmetic yields a short crop when image and crop sizes differ by an odd amount.
    throw new Error(
      `image of ${w}x${h} is smaller than the ${cropW}x${cropH} crop and cannot be padded to it evenly ` +
        `(transformers would produce ${outW}x${outH}); resize it first`,
    );
  }
  if (outH === srcH && outW === srcW) return { width: outW, height: outH, rgb: src };
  const out = new Uint8Array(outH * outW * 3);
  for (let y = 0; y < outH; y++) {
    const s = ((y + top) * srcW + left) * 3;
    out.set(src.subarray(s, s + outW * 3), y * outW * 3);
  }
  return { width: outW, height: outH, rgb: out };
}

// ---------------------------------------------------------------------------------------------
// Preprocessing
// ---------------------------------------------------------------------------------------------

function checkImage(img: RgbImage): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new Error(`invalid image size ${img.width}x${img.height}`);
  }
  if (img.rgb.length !== img.width * img.height * 3) {
    throw new Error(`image of ${img.width}x${img.height} needs ${img.width * img.height * 3} RGB bytes, got ${img.rgb.length}`);
  }
}

/** Output size of preprocessImage for an image of the given size: [height, width]. */
export function preprocessedSize(width: number, height: number, cfg: ClipImageProcessorConfig): [number, number] {
  if (cfg.doCenterCrop) return [cfg.cropSize.height, cfg.cropSize.width];
  if (!cfg.doResize) return [height, width];
  if ("shortestEdge" in cfg.size) {
    const s = shortestEdgeResizeSize(width, height, cfg.size.shortestEdge);
    return [s.height, s.width];
  }
  return [cfg.size.height, cfg.size.width];
}

/** One image → CHW float32 `[3, H, W]` (H, W = crop size when centre cropping). */
export function preprocessImage(img: RgbImage, cfg: ClipImageProcessorConfig): Float32Array {
  checkImage(img);
  let cur = img;
  if (cfg.doResize) {
    const target = "shortestEdge" in cfg.size ? shortestEdgeResizeSize(cur.width, cur.height, cfg.size.shortestEdge) : cfg.size;
    cur = resizeBicubicPil(cur, target.width, target.height);
  }
  if (cfg.doCenterCrop) cur = centerCrop(cur, cfg.cropSize.height, cfg.cropSize.width);

  const { width, height, rgb } = cur;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  // numpy: uint8 * python float is float64, then .astype(float32); the normalise step then runs in
  // float32 with mean/std cast to float32.
  const mean = cfg.imageMean.map((m) => Math.fround(m));
  const std = cfg.imageStd.map((s) => Math.fround(s));
  const lut = new Float32Array(256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) {
      let x = cfg.doRescale ? Math.fround(v * cfg.rescaleFactor) : v;
      if (cfg.doNormalize) x = Math.fround(Math.fround(x - mean[c]) / std[c]);
      lut[v] = x;
    }
    const o = c * plane;
    for (let i = 0; i < plane; i++) out[o + i] = lut[rgb[i * 3 + c]];
  }
  return out;
}

/** A batch → `pixel_values` `[B, 3, H, W]`; every image must come out at the same size. */
export function preprocessImages(imgs: readonly RgbImage[], cfg: ClipImageProcessorConfig): { data: Float32Array; shape: [number, number, number, number] } {
  if (imgs.length === 0) throw new Error("preprocessImages: no images given");
  const [h, w] = preprocessedSize(imgs[0].width, imgs[0].height, cfg);
  const data = new Float32Array(imgs.length * 3 * h * w);
  imgs.forEach((img, b) => {
    const [hb, wb] = preprocessedSize(img.width, img.height, cfg);
    if (hb !== h || wb !== w) {
      throw new Error(`preprocessImages: image ${b} preprocesses to ${wb}x${hb}, image 0 to ${w}x${h}; they cannot be batched`);
    }
    data.set(preprocessImage(img, cfg), b * 3 * h * w);
  });
  return { data, shape: [imgs.length, 3, h, w] };
}
