/**
 * Better Auth's endpoints (sign-in, sign-out, session) under /api/auth, class mode only; in
 * personal mode there is nobody to sign in and this answers 404.
 */
import { toNextJsHandler } from "better-auth/next-js";
import { refuseForeignRequest } from "../../../../server/api/requestGuard";
import { getAuth } from "../../../../server/auth/auth";
import { getEnv } from "../../../../server/env";
import { readBodyLimited } from "../../../../server/http/bodyLimit";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A sign-in body is a username and a password: a few hundred bytes. */
const MAX_AUTH_BODY = 16 * 1024;

async function handler(req: Request): Promise<Response> {
  const refused = refuseForeignRequest(req);
  if (refused) return refused;
  if (getEnv().authMode === "personal") return Response.json({ error: "no sign-in in personal mode" }, { status: 404 });
  let request = req;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const body = await readBodyLimited(req, MAX_AUTH_BODY);
    if (!body.ok) return Response.json({ error: `request body too large (at most ${MAX_AUTH_BODY} bytes)` }, { status: 413 });
    request = new Request(req.url, { method: req.method, headers: req.headers, body: body.bytes });
  }
  const { GET, POST } = toNextJsHandler(await getAuth());
  return request.method === "GET" ? GET(request) : POST(request);
}

export { handler as GET, handler as POST };
