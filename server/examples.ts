/**
 * Reading the example images (nodes/core/examples.ts) from public/examples: the same files Next
 * serves at /examples/<file>. Readable by everyone in every mode (they belong to the app, not to
 * a user), and only by a name on the fixed list, so a value cannot reach any other file.
 */
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { EXAMPLE_IMAGES, exampleFileOf } from "../nodes/core/examples";
import { InputError } from "./errors";

export function examplesDir(rootDir: string): string {
  return path.join(rootDir, "public", "examples");
}

function unknownExample(value: string): InputError {
  const names = EXAMPLE_IMAGES.map((e) => `example:${e.file}`).join(", ");
  return new InputError("bad_example_name", `"${value}" is not an example image (the examples are ${names})`, { parameter: "image" });
}

/** Whether `value` names a shipped example whose file is present (validation's check). */
export function exampleExists(rootDir: string, value: string): boolean {
  const file = exampleFileOf(value);
  if (!file) return false;
  try {
    return statSync(path.join(examplesDir(rootDir), file)).isFile();
  } catch {
    return false;
  }
}

/** The bytes of an example image named `example:<file>`; anything not on the list is refused. */
export async function readExample(rootDir: string, value: string): Promise<Uint8Array> {
  const file = exampleFileOf(value);
  if (!file) throw unknownExample(value);
  try {
    return await readFile(path.join(examplesDir(rootDir), file));
  } catch {
    throw new InputError("upload_not_found", `example image ${file} is missing from public/examples`, { parameter: "image", file });
  }
}
