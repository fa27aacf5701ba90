/**
 * Who is asking: the signed-in user (class mode, from the session cookie, checked against the
 * session table on every request so a removed user or a reset password takes effect at once),
 * or the one implicit owner (personal mode).
 */
import { PERSONAL_VIEWER, type Viewer } from "../db/ownership";
import { getEnv } from "../env";
import { getAuth } from "./auth";

export async function viewerOf(headers: Headers): Promise<Viewer | null> {
  if (getEnv().authMode === "personal") return PERSONAL_VIEWER;
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const u = session.user as typeof session.user & { username?: string | null; role?: string };
  return { id: u.id, name: u.username ?? u.name, role: u.role === "teacher" ? "teacher" : "student" };
}

/** For route handlers: the viewer, or the 401 to answer with. */
export async function viewerOrUnauthorized(req: Request): Promise<Viewer | Response> {
  const viewer = await viewerOf(req.headers);
  return viewer ?? Response.json({ error: "sign in first (/login)" }, { status: 401 });
}
