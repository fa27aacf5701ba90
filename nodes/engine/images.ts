/**
 * IMAGE values: building them from decoded 8-bit pixels or from a stage's [-1, 1] output, and
 * getting 8-bit RGB back (the decoded bytes when present, else diffusers' rounding), as PNG too.
 */
import sharp from "sharp";
import { InputError } from "../../server/errors";
import type { RgbImage } from "../../server/unclip/imageProcessor";
import { addPngTextChunks, toRgb8 } from "../../server/unclip/imageOutput";
import { toImageArray } from "../../server/unclip/superResStage";
import { float32, type Float32NdArray, shapeString, sliceBatch } from "../../server/unclip/tensor";
import type { ImageValue } from "./values";

/** Decoded 8-bit images (all the same size) → an IMAGE holding both the floats and the bytes. */
export function imageFromRgb8(images: RgbImage[]): ImageValue {
  const { width, height } = images[0];
  const plane = width * height;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((img, b) => {
    if (img.width !== width || img.height !== height) throw new Error("imageFromRgb8: images of different sizes");
    for (let c = 0; c < 3; c++) {
      const o = (b * 3 + c) * plane;
      for (let i = 0; i < plane; i++) data[o + i] = img.rgb[i * 3 + c] / 127.5 - 1;
    }
  });
  return { kind: "image", pixels: float32([images.length, 3, height, width], data), width, height, rgb8: images };
}

/** A stage's NCHW output in [-1, 1] → an IMAGE. */
export function imageFromPixels(pixels: Float32NdArray): ImageValue {
  if (pixels.shape.length !== 4) throw new Error(`an image batch must be NCHW, got ${shapeString(pixels.shape)}`);
  return { kind: "image", pixels, width: pixels.shape[3], height: pixels.shape[2] };
}

export function imageCount(image: ImageValue): number {
  return image.pixels.shape[0];
}

/** Image `index` as 8-bit RGB: the decoded bytes when the image came from a file, else round((x/2 + 1/2)·255). */
export function imageRgb8(image: ImageValue, index: number): RgbImage {
  const kept = image.rgb8?.[index];
  if (kept) return kept;
  if (image.pixels.shape[1] !== 3) {
    throw new InputError("bad_image", `image: expected 3 colour channels, got shape ${shapeString(image.pixels.shape)}`, { port: "image" });
  }
  return toRgb8(toImageArray(sliceBatch(image.pixels, index, index + 1)), 0);
}

export async function encodeRgbPng(img: RgbImage, text?: Record<string, string>): Promise<Buffer> {
  const png = await sharp(Buffer.from(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return text && Object.keys(text).length ? addPngTextChunks(png, text) : png;
}
