/**
 * Request bodies read with a ceiling: a client may declare or stream any size, and reading it
 * all before looking would let one request take the server's memory. Used by the API route
 * (UNCLIP_MAX_BODY_BYTES) and the upload route (UNCLIP_MAX_UPLOAD_BYTES).
 */

// After refusing, the rest of the body is read and thrown away (up to these limits) before the
// answer goes out: closing a connection the client is still writing to resets it, and the client
// would see a broken connection instead of the 413 and its message.
const DISCARD_MAX = 256 * 1024 * 1024;
const DISCARD_MS = 5_000;

export async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead = 0): Promise<void> {
  const deadline = Date.now() + DISCARD_MS;
  let total = alreadyRead;
  let timer: NodeJS.Timeout | undefined;
  try {
    while (total <= DISCARD_MAX) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left)));
      const r = await Promise.race([reader.read(), timeout]);
      clearTimeout(timer);
      if (!r || r.done) return;
      total += r.value.byteLength;
    }
  } catch {
    return;
  }
  await reader.cancel().catch(() => {});
}

export type LimitedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false; size: number };

/**
 * The body, or `{ ok: false, size }` as soon as it passes `max` bytes (size: the declared length,
 * or what had arrived when reading stopped). Reading stops there, so a chunked body without a
 * content-length cannot make the server buffer more than `max`.
 */
export async function readBodyLimited(req: Request, max: number): Promise<LimitedBody> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > max) {
    if (req.body && declared <= DISCARD_MAX) await discardRest(req.body.getReader());
    return { ok: false, size: declared };
  }
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await discardRest(reader, total);
      return { ok: false, size: total };
    }
    chunks.push(value);
  }
  return { ok: true, bytes: new Uint8Array(Buffer.concat(chunks)) };
}
