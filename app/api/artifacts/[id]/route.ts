import { readFile } from "node:fs/promises";
import { refuseForeignRequest } from "../../../../server/api/requestGuard";
import { resolveArtifactPath } from "../../../../server/db/artifacts";
import { isUnclipError } from "../../../../server/errors";
import { getServices } from "../../../../server/services";
import { viewerOrUnauthorized } from "../../../../server/auth/viewer";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function contentDisposition(id: string, contentType: string): string {
  const ext = contentType === "image/png" ? "png" : contentType === "application/json" ? "json" : "bin";
  return `${contentType.startsWith("image/") ? "inline" : "attachment"}; filename="${id.replace(/[^A-Za-z0-9_-]/g, "_")}.${ext}"`;
}

/** Serves a stored artifact by id; ids are validated (no path traversal) before any file is touched. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseForeignRequest(req);
  if (refused) return refused;
  const { id } = await params;
  await getServices();
  const viewer = await viewerOrUnauthorized(req);
  if (viewer instanceof Response) return viewer;
  try {
    // someone else's artifact is "not found" (404), like an unknown id
    const a = await resolveArtifactPath(id, viewer);
    const body = await readFile(a.path);
    return new Response(new Uint8Array(body), {
      headers: {
        "content-type": a.contentType,
        "content-length": String(body.length),
        "cache-control": "private, max-age=31536000, immutable",
        etag: `"${a.contentHash}"`,
        // images are shown in place; anything else (traces) is a download, never a document
        "content-disposition": contentDisposition(id, a.contentType),
      },
    });
  } catch (err) {
    if (isUnclipError(err) && err.kind === "bad_input") {
      // a record whose file is gone is as absent as an unknown id
      const status = err.code.endsWith("not_found") || err.code === "artifact_missing" ? 404 : 400;
      return Response.json({ error: err.message }, { status });
    }
    return Response.json({ error: "artifact not found" }, { status: 404 });
  }
}
