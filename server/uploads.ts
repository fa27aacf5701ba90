/**
 * Uploaded input images live under <DATA_DIR>/uploads, named by their content hash, checked
 * (format, bytes, size) before they are stored, and read back only by that generated name.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { readImageUpload } from "../nodes/loadImage/run";
import type { Env } from "./env";
import { InputError } from "./errors";
import { limitMessage } from "./limitsConfig";
import { sniffFormat } from "./unclip/imageProcessor";
import { isExampleValue } from "../nodes/core/examples";
import { readExample } from "./examples";

const UPLOAD_NAME = /^[0-9a-f]{64}\.(png|jpg|webp)$/;
const EXTENSIONS: Record<string, string> = { png: "png", jpeg: "jpg", webp: "webp" };

export function uploadsDir(env: Env): string {
  return path.join(env.dataDir, "uploads");
}

export interface StoredUpload {
  name: string;
  width: number;
  height: number;
  bytes: number;
}

/** Validate and store an image; the same content always gets the same name. */
export async function saveUpload(env: Env, bytes: Uint8Array, originalName: string): Promise<StoredUpload> {
  const image = await readImageUpload(bytes, originalName); // refuses anything but a sane PNG/JPEG/WebP
  if (image.width * image.height > env.limits.maxUploadPixels) {
    throw new InputError("upload_too_large", limitMessage("maxUploadPixels", image.width * image.height, env.limits, `${originalName}: `), {
      parameter: "file",
    });
  }
  const ext = EXTENSIONS[sniffFormat(bytes)];
  const name = `${createHash("sha256").update(bytes).digest("hex")}.${ext}`;
  const dir = uploadsDir(env);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${randomBytes(8).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path.join(dir, name));
  } catch (err) {
    // a full disk leaves a partial file behind: never keep it
    await rm(tmp, { force: true });
    throw err;
  }
  return { name, width: image.width, height: image.height, bytes: bytes.length };
}

/**
 * Read an uploaded file by its generated name, or a shipped example by `example:<file>`; anything
 * else is refused (no path traversal).
 */
export async function readUpload(env: Env, name: string): Promise<Uint8Array> {
  if (isExampleValue(name)) return readExample(env.rootDir, name);
  if (!UPLOAD_NAME.test(name)) throw new InputError("bad_upload_name", `"${name}" is not an uploaded image name`, { parameter: "image" });
  try {
    return await readFile(path.join(uploadsDir(env), name));
  } catch {
    throw new InputError("upload_not_found", `uploaded image ${name} not found`, { parameter: "image" });
  }
}
