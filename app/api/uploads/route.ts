import { refuseForeignRequest } from "../../../server/api/requestGuard";
import { isUnclipError } from "../../../server/errors";
import { getServices } from "../../../server/services";
import { saveUpload } from "../../../server/uploads";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const MAX_BODY = 20 * 1024 * 1024 + 1024 * 1024;
const TOO_LARGE = "the upload is larger than 20 MB";
// After refusing, the rest of the body is read and thrown away (up to these limits) before the
// answer goes out: closing a connection the client is still writing to resets it, and the client
// would see a broken connection instead of the 413 and its message.
const DISCARD_MAX = 256 * 1024 * 1024;
const DISCARD_MS = 5_000;

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead = 0): Promise<void> {
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

function tooLarge(): Response {
  return Response.json({ error: TOO_LARGE }, { status: 413 });
}

/**
 * The request body, or null as soon as it passes `max` bytes: reading stops there, so a body
 * sent without a content-length (chunked) cannot make the server buffer more than that.
 */
async function readLimited(req: Request, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await discardRest(reader, total);
      return null;
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Upload an input image (multipart field "file", or the raw bytes). PNG, JPEG or WebP. */
export async function POST(req: Request) {
  const refused = refuseForeignRequest(req);
  if (refused) return refused;
  const { env } = await getServices();
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY) {
    if (req.body && declared <= DISCARD_MAX) await discardRest(req.body.getReader());
    return tooLarge();
  }
  let bytes: Uint8Array;
  let name = "upload";
  try {
    const body = await readLimited(req, MAX_BODY);
    if (!body) return tooLarge();
    const contentType = req.headers.get("content-type") ?? "";
    if (contentType.startsWith("multipart/form-data")) {
      const file = (await new Response(body, { headers: { "content-type": contentType } }).formData()).get("file");
      if (!(file instanceof File)) return Response.json({ error: 'form field "file" is missing' }, { status: 400 });
      name = file.name || name;
      bytes = new Uint8Array(await file.arrayBuffer());
    } else {
      name = req.headers.get("x-file-name") ?? name;
      bytes = body;
    }
  } catch {
    return Response.json({ error: "could not read the upload" }, { status: 400 });
  }
  try {
    return Response.json(await saveUpload(env, bytes, name));
  } catch (err) {
    if (isUnclipError(err) && err.kind === "bad_input") return Response.json({ error: err.message }, { status: 400 });
    throw err;
  }
}
