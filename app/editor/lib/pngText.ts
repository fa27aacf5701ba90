/**
 * A small PNG chunk reader for the browser: finds the tEXt chunks (keyword NUL text) that saved
 * images carry, so dropping an image made by the app restores the workflow inside it.
 */
import { WORKFLOW_PNG_KEYWORD } from "../../../nodes/saveImage/node";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** keyword → text of every tEXt chunk; text is decoded as UTF-8 (how the server writes it). */
export function readPngTextChunks(bytes: Uint8Array): Record<string, string> {
  if (!isPng(bytes)) throw new Error("not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8");
  const out: Record<string, string> = {};
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = latin1.decode(bytes.subarray(pos + 4, pos + 8));
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) break; // truncated file: keep what was read
    if (type === "tEXt") {
      const data = bytes.subarray(dataStart, dataEnd);
      const zero = data.indexOf(0);
      if (zero > 0) out[latin1.decode(data.subarray(0, zero))] = utf8.decode(data.subarray(zero + 1));
    }
    if (type === "IEND") break;
    pos = dataEnd + 4;
  }
  return out;
}

/** The PNG tEXt keyword under which saved images carry their workflow. */
export const WORKFLOW_KEYWORD = WORKFLOW_PNG_KEYWORD;

export function workflowTextFromPng(bytes: Uint8Array): string | null {
  return readPngTextChunks(bytes)[WORKFLOW_KEYWORD] ?? null;
}
