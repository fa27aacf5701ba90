/**
 * Requests from other sites. The server listens on loopback, but a web page the user visits
 * can still reach it: by posting a form cross-site (no CORS preflight for multipart or raw
 * bodies), or by DNS rebinding (its own host name pointed at 127.0.0.1, so the browser treats
 * the API as same-origin). So the Host header must name this machine's loopback (or the
 * configured HOST, or one listed in UNCLIP_ALLOWED_HOSTS), and a request that says where it
 * comes from (Origin) must come from that same host — GETs included, since a GET can start work
 * too (an `<img src>` pointing at the API). Browsers also say outright when a request was made
 * by another site (`Sec-Fetch-Site: cross-site`); such requests are refused whatever the method.
 */
import { getEnv } from "../env";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function allowedHostnames(): Set<string> {
  const allowed = new Set(LOOPBACK);
  const host = getEnv().host.toLowerCase();
  if (host !== "0.0.0.0" && host !== "::" && host !== "[::]") allowed.add(host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);
  for (const h of (process.env.UNCLIP_ALLOWED_HOSTS ?? "").split(",")) if (h.trim()) allowed.add(h.trim().toLowerCase());
  return allowed;
}

/** The host name of a Host header value ("127.0.0.1:3000" → "127.0.0.1", "[::1]:3000" → "[::1]"). */
function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

/** A 403 response when the request must not be served, otherwise null. */
export function refuseForeignRequest(req: Request): Response | null {
  const host = req.headers.get("host");
  if (host !== null && !allowedHostnames().has(hostnameOf(host))) {
    return Response.json(
      {
        error: `refused: this server answers only requests addressed to localhost or 127.0.0.1 (Host: ${host}); set UNCLIP_ALLOWED_HOSTS to allow another name`,
      },
      { status: 403 },
    );
  }
  if (req.headers.get("sec-fetch-site")?.toLowerCase() === "cross-site") {
    return Response.json({ error: "refused: a request made by another site (Sec-Fetch-Site: cross-site)" }, { status: 403 });
  }
  const origin = req.headers.get("origin");
  if (origin !== null) {
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      // "null" (sandboxed pages, file: URLs) or garbage: never this server's own page
    }
    if (originHost === null || host === null || originHost !== host.trim().toLowerCase()) {
      return Response.json({ error: `refused: a request from another site (Origin: ${origin})` }, { status: 403 });
    }
  }
  return null;
}
