import { refuseForeignRequest } from "../../../server/api/requestGuard";
import { isUnclipError } from "../../../server/errors";
import { readBodyLimited } from "../../../server/http/bodyLimit";
import { DISK_FULL_MESSAGE, isDiskFull } from "../../../server/http/diskFull";
import { limitMessage } from "../../../server/limitsConfig";
import { getServices } from "../../../server/services";
import { saveUpload } from "../../../server/uploads";
import { viewerOrUnauthorized } from "../../../server/auth/viewer";
import { repositoriesFor } from "../../../server/db/repositories";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// multipart framing around the file itself
const MULTIPART_OVERHEAD = 64 * 1024;

/** Upload an input image (multipart field "file", or the raw bytes). PNG, JPEG or WebP. */
export async function POST(req: Request) {
  const refused = refuseForeignRequest(req);
  if (refused) return refused;
  const { env } = await getServices();
  const viewer = await viewerOrUnauthorized(req);
  if (viewer instanceof Response) return viewer;
  const { limits } = env;
  let bytes: Uint8Array;
  let name = "upload";
  try {
    const body = await readBodyLimited(req, limits.maxUploadBytes + MULTIPART_OVERHEAD);
    if (!body.ok) return Response.json({ error: limitMessage("maxUploadBytes", body.size, limits, "the upload is too large: ") }, { status: 413 });
    const contentType = req.headers.get("content-type") ?? "";
    if (contentType.startsWith("multipart/form-data")) {
      const file = (await new Response(body.bytes, { headers: { "content-type": contentType } }).formData()).get("file");
      if (!(file instanceof File)) return Response.json({ error: 'form field "file" is missing' }, { status: 400 });
      name = file.name || name;
      bytes = new Uint8Array(await file.arrayBuffer());
    } else {
      name = req.headers.get("x-file-name") ?? name;
      bytes = body.bytes;
    }
  } catch {
    return Response.json({ error: "could not read the upload" }, { status: 400 });
  }
  if (bytes.length > limits.maxUploadBytes) {
    return Response.json({ error: limitMessage("maxUploadBytes", bytes.length, limits, "the upload is too large: ") }, { status: 413 });
  }
  try {
    const stored = await saveUpload(env, bytes, name);
    // the file is shared by content; the record says this person may use it in their runs
    await repositoriesFor(viewer).uploads.recordUpload(stored.name);
    return Response.json(stored);
  } catch (err) {
    if (isDiskFull(err)) return Response.json({ error: DISK_FULL_MESSAGE }, { status: 507 });
    if (isUnclipError(err) && err.kind === "bad_input") return Response.json({ error: err.message }, { status: 400 });
    throw err;
  }
}
