import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClipImageProcessorConfig,
  type RgbImage,
  decodeImage,
  loadClipImageProcessorConfig,
  parseClipImageProcessorConfig,
  preprocessImage,
  preprocessImages,
  resizeBicubicPil,
  shortestEdgeResizeSize,
} from "../../server/unclip/imageProcessor";
import { readNpyFile } from "../../server/unclip/npy";
import { describeWithFixtures, FIXTURES_DIR, TINY_CASES, TINY_PACKAGE } from "../helpers/fixtures";

const VARIATION = path.join(TINY_CASES, "variation-image");
const TINY_CONFIG = path.join(TINY_PACKAGE, "feature_extractor", "preprocessor_config.json");
const SMALL_CONFIG = path.join(FIXTURES_DIR, "unclip-small", "feature_extractor", "preprocessor_config.json");

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A deterministic, non-trivial RGB test picture. */
function synthetic(width: number, height: number): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      rgb[i] = (x * 255) / Math.max(width - 1, 1);
      rgb[i + 1] = (y * 255) / Math.max(height - 1, 1);
      rgb[i + 2] = ((x * 7 + y * 13) * 37) & 255;
    }
  }
  return { width, height, rgb };
}

const encode = (img: RgbImage) => sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } });

const tinyLike = (over: Record<string, unknown> = {}): ClipImageProcessorConfig =>
  parseClipImageProcessorConfig({ size: { shortest_edge: 32 }, crop_size: { height: 32, width: 32 }, ...over }, "test.json");

describeWithFixtures("CLIP image processor against transformers", () => {
  it("reproduces pixel_values of variation-image exactly", async () => {
    const cfg = await loadClipImageProcessorConfig(TINY_CONFIG);
    const img = await decodeImage(await readFile(path.join(VARIATION, "input.png")), "input.png");
    expect([img.width, img.height]).toEqual([256, 256]);
    const { data, shape } = preprocessImages([img], cfg);
    const expected = await readNpyFile(path.join(VARIATION, "pixel_values.npy"));
    expect(shape).toEqual(expected.shape);
    expect(maxAbsDiff(data, expected.data as Float32Array)).toBe(0);
  });

  it("loads both package configs", async () => {
    const tiny = await loadClipImageProcessorConfig(TINY_CONFIG);
    expect(tiny.size).toEqual({ shortestEdge: 32 });
    expect(tiny.cropSize).toEqual({ height: 32, width: 32 });
    const small = await loadClipImageProcessorConfig(SMALL_CONFIG);
    expect(small.size).toEqual({ shortestEdge: 224 });
    expect(small.cropSize).toEqual({ height: 224, width: 224 });
    expect(small.rescaleFactor).toBe(0.00392156862745098);
  });

  it("accepts JPEG and WebP made from the PNG", async () => {
    const cfg = await loadClipImageProcessorConfig(TINY_CONFIG);
    const png = await readFile(path.join(VARIATION, "input.png"));
    const expected = await readNpyFile(path.join(VARIATION, "pixel_values.npy"));
    for (const [name, bytes] of [
      ["input.jpg", await sharp(png).jpeg({ quality: 95 }).toBuffer()],
      ["input.webp", await sharp(png).webp({ quality: 95 }).toBuffer()],
      ["input-lossless.webp", await sharp(png).webp({ lossless: true }).toBuffer()],
    ] as const) {
      const img = await decodeImage(bytes, name);
      expect([img.width, img.height, img.rgb.length]).toEqual([256, 256, 256 * 256 * 3]);
      const { data, shape } = preprocessImages([img], cfg);
      expect(shape).toEqual([1, 3, 32, 32]);
      // Lossy coding moves pixels a little, not the picture.
      expect(maxAbsDiff(data, expected.data as Float32Array)).toBeLessThan(name.includes("lossless") ? 1e-12 : 0.5);
    }
  });

  it("drops alpha without compositing, as PIL's convert('RGB') does", async () => {
    const png = await readFile(path.join(VARIATION, "input.png"));
    const opaque = await decodeImage(png, "input.png");
    const withAlpha = await sharp(png).ensureAlpha(0).png().toBuffer(); // fully transparent
    const decoded = await decodeImage(withAlpha, "transparent.png");
    expect(Buffer.compare(Buffer.from(decoded.rgb), Buffer.from(opaque.rgb))).toBe(0);
  });
});

describe("decodeImage", () => {
  const picture = synthetic(40, 30);

  it("decodes PNG, greyscale PNG and WebP to RGB", async () => {
    const png = await decodeImage(await encode(picture).png().toBuffer(), "a.png");
    expect(png).toEqual({ width: 40, height: 30, rgb: picture.rgb });
    const grey = await decodeImage(await encode(picture).greyscale().png().toBuffer(), "grey.png");
    expect(grey.rgb.length).toBe(40 * 30 * 3);
    for (let i = 0; i < grey.rgb.length; i += 3) {
      expect(grey.rgb[i + 1]).toBe(grey.rgb[i]);
      expect(grey.rgb[i + 2]).toBe(grey.rgb[i]);
    }
    const webp = await decodeImage(await encode(picture).webp({ lossless: true }).toBuffer(), "a.webp");
    expect(webp.rgb).toEqual(picture.rgb);
  });

  it("rejects a GIF, naming the file", async () => {
    const gif = await encode(picture).gif().toBuffer();
    await expect(decodeImage(gif, "anim.gif")).rejects.toThrow(/anim\.gif: GIF images are not supported/);
  });

  it("rejects TIFF, SVG and unknown bytes, naming the file", async () => {
    const tiff = await encode(picture).tiff().toBuffer();
    await expect(decodeImage(tiff, "scan.tiff")).rejects.toThrow(/scan\.tiff: TIFF images are not supported/);
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>');
    await expect(decodeImage(svg, "icon.svg")).rejects.toThrow(/icon\.svg: SVG images are not supported/);
    await expect(decodeImage(new TextEncoder().encode("hello"), "notes.txt")).rejects.toThrow(/notes\.txt: not a recognised image/);
    await expect(decodeImage(new Uint8Array(0), "empty.png")).rejects.toThrow(/empty\.png/);
  });

  it("rejects corrupt PNG and JPEG data, naming the file", async () => {
    const png = await encode(picture).png().toBuffer();
    const truncated = png.subarray(0, 60);
    await expect(decodeImage(truncated, "broken.png")).rejects.toThrow(/broken\.png: cannot decode PNG image/);
    const scrambled = Buffer.from(png);
    for (let i = 40; i < scrambled.length - 12; i++) scrambled[i] ^= 0x5a;
    await expect(decodeImage(scrambled, "scrambled.png")).rejects.toThrow(/scrambled\.png: cannot decode PNG image/);
    const jpeg = await encode(picture).jpeg().toBuffer();
    await expect(decodeImage(jpeg.subarray(0, 100), "cut.jpg")).rejects.toThrow(/cut\.jpg: cannot decode JPEG image/);
  });
});

describe("resize geometry", () => {
  it("follows transformers' shortest-edge rule (long side truncated)", () => {
    expect(shortestEdgeResizeSize(300, 200, 32)).toEqual({ width: 48, height: 32 });
    expect(shortestEdgeResizeSize(200, 300, 32)).toEqual({ width: 32, height: 48 });
    expect(shortestEdgeResizeSize(256, 256, 32)).toEqual({ width: 32, height: 32 });
    expect(shortestEdgeResizeSize(640, 480, 224)).toEqual({ width: 298, height: 224 }); // 298.67
    expect(shortestEdgeResizeSize(333, 500, 224)).toEqual({ width: 224, height: 336 }); // 336.34
  });

  it("crops a non-square image to the crop size", () => {
    const cfg = tinyLike();
    for (const [w, h] of [
      [300, 200],
      [200, 300],
      [33, 1000],
    ]) {
      const out = preprocessImage(synthetic(w, h), cfg);
      expect(out.length).toBe(3 * 32 * 32);
      expect(out.every(Number.isFinite)).toBe(true);
    }
    const batch = preprocessImages([synthetic(300, 200), synthetic(256, 256)], cfg);
    expect(batch.shape).toEqual([2, 3, 32, 32]);
    expect(batch.data.subarray(0, 3 * 32 * 32)).toEqual(preprocessImage(synthetic(300, 200), cfg));
  });

  it("keeps a constant image constant and a same-size resize an identity", () => {
    const flat: RgbImage = { width: 37, height: 23, rgb: new Uint8Array(37 * 23 * 3).fill(200) };
    for (const [w, h] of [
      [5, 3],
      [80, 50],
      [37, 9],
    ]) {
      const r = resizeBicubicPil(flat, w, h);
      expect([r.width, r.height]).toEqual([w, h]);
      expect(r.rgb.every((v) => v === 200)).toBe(true);
    }
    const pic = synthetic(20, 10);
    expect(resizeBicubicPil(pic, 20, 10).rgb).toEqual(pic.rgb);
  });

  it("pads an image smaller than the crop with zeros, as transformers does", () => {
    const cfg = tinyLike({ do_resize: false, crop_size: { height: 8, width: 8 } });
    const img: RgbImage = { width: 4, height: 6, rgb: new Uint8Array(4 * 6 * 3).fill(255) };
    const out = preprocessImage(img, cfg);
    expect(out.length).toBe(3 * 8 * 8);
    const zero = Math.fround(Math.fround(0 - Math.fround(0.48145466)) / Math.fround(0.26862954));
    expect(out[0]).toBe(zero); // padding corner
    expect(out[1 * 8 + 2]).not.toBe(zero); // image area starts at row 1, column 2
    // An odd size difference makes transformers' crop come out short: refused.
    expect(() => preprocessImage({ width: 5, height: 6, rgb: new Uint8Array(5 * 6 * 3) }, cfg)).toThrow(/smaller than the 8x8 crop/);
  });
});

describe("image processor config", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "clip-cfg-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("fills transformers' defaults and accepts the old integer size form", () => {
    const cfg = parseClipImageProcessorConfig({ size: 224, crop_size: 224 }, "old.json");
    expect(cfg.size).toEqual({ shortestEdge: 224 });
    expect(cfg.cropSize).toEqual({ height: 224, width: 224 });
    expect(cfg.imageMean).toEqual([0.48145466, 0.4578275, 0.40821073]);
    expect(cfg.resample).toBe(3);
  });

  it("names the file and field for an unsupported resample filter", async () => {
    const file = path.join(dir, "bilinear.json");
    await writeFile(file, JSON.stringify({ resample: 2, size: { shortest_edge: 32 } }));
    await expect(loadClipImageProcessorConfig(file)).rejects.toThrow(/bilinear\.json: field "resample" is 2 \(BILINEAR\)/);
  });

  it("names the file and field for malformed values", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ size: { shortest_edge: -1 }, image_mean: [0.5, 0.5] }));
    const err = loadClipImageProcessorConfig(file);
    await expect(err).rejects.toThrow(/bad\.json: invalid image processor config/);
    await expect(loadClipImageProcessorConfig(file)).rejects.toThrow(/image_mean/);
    const notJson = path.join(dir, "garbage.json");
    await writeFile(notJson, "{ nope");
    await expect(loadClipImageProcessorConfig(notJson)).rejects.toThrow(/garbage\.json: not valid JSON/);
    await expect(loadClipImageProcessorConfig(path.join(dir, "missing.json"))).rejects.toThrow(/missing\.json: cannot read.*no such file/);
  });
});
