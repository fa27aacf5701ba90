import { isUnclipError } from "../../../server/errors";
import { getServices } from "../../../server/services";
import { saveUpload } from "../../../server/uploads";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const MAX_BODY = 20 * 1024 * 1024 + 1024 * 1024;

/** Upload an input image (multipart field "file", or the raw bytes). PNG, JPEG or WebP. */
export async function POST(req: Request) {
  const { env } = await getServices();
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY) return Response.json({ error: "the upload is larger than 20 MB" }, { status: 413 });
  let bytes: Uint8Array;
  let name = "upload";
  try {
    if ((req.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
      const file = (await req.formData()).get("file");
      if (!(file instanceof File)) return Response.json({ error: 'form field "file" is missing' }, { status: 400 });
      name = file.name || name;
      bytes = new Uint8Array(await file.arrayBuffer());
    } else {
      name = req.headers.get("x-file-name") ?? name;
      bytes = new Uint8Array(await req.arrayBuffer());
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
