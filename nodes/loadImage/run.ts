import sharp from "sharp";
import { InputError } from "../../server/errors";
import { decodeImage, sniffFormat } from "../../server/unclip/imageProcessor";
import { imageFromRgb8 } from "../engine/images";
import { LOAD_IMAGE_LIMITS, loadImageNode } from "./node";
import { defineRunner } from "../engine/runContext";

const ACCEPTED = new Set(["png", "jpeg", "webp"]);

function refuse(name: string, reason: string): InputError {
  return new InputError("bad_image", `${name}: ${reason}`, { parameter: "image", file: name });
}

/**
 * Every check runs before any pixel is decoded: size in bytes, format by signature, then the
 * dimensions from the header, so an oversized or foreign file is refused without decoding it.
 */
export async function readImageUpload(bytes: Uint8Array, name: string) {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (bytes.length > LOAD_IMAGE_LIMITS.maxBytes) {
    throw refuse(name, `the file is ${mb(bytes.length)}; images may be at most ${mb(LOAD_IMAGE_LIMITS.maxBytes)}`);
  }
  const format = sniffFormat(bytes);
  if (!ACCEPTED.has(format)) {
    const what = format === "unknown" ? "not a recognised image" : `a ${format.toUpperCase()} image`;
    throw refuse(name, `${what}; use a PNG, JPEG or WebP file`);
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes, { pages: 1 }).metadata());
  } catch (err) {
    throw refuse(name, `cannot read the ${format.toUpperCase()} header (${(err as Error).message.split("\n")[0]})`);
  }
  if (!width || !height) throw refuse(name, `the ${format.toUpperCase()} header gives no image size`);
  const side = LOAD_IMAGE_LIMITS.maxSide;
  if (width > side || height > side) throw refuse(name, `the image is ${width}×${height} px; at most ${side} px a side is accepted`);
  try {
    return await decodeImage(bytes, name);
  } catch (err) {
    throw new InputError("bad_image", (err as Error).message, { parameter: "image", file: name });
  }
}

export const loadImageRunner = defineRunner(loadImageNode, async (ctx, _inputs, p) => {
  if (!p.image) throw new InputError("missing_image", "image: choose an uploaded image (or an example, e.g. example:red-ring.png)", { parameter: "image" });
  const bytes = await ctx.readUpload(p.image);
  const rgb = await readImageUpload(bytes, p.image);
  return { outputs: { image: imageFromRgb8([rgb]) }, ui: { text: `${rgb.width}×${rgb.height}` } };
});
