/**
 * Runs before every request (Next's proxy, formerly middleware): security headers on every
 * response, and for pages a per-request CSP nonce that Next applies to its scripts while
 * rendering (server/http/securityHeaders.ts says why each header is there). Cross-site checks
 * for the API are in the route handlers (server/api/requestGuard.ts); here, pages refuse being
 * loaded by another site except as a top-level navigation (following a link to the editor).
 */
import { type NextRequest, NextResponse } from "next/server";
import { getSessionCookie } from "better-auth/cookies";
import { COOKIE_PREFIX } from "./server/auth/cookie";
import { getEnv } from "./server/env";
import { COMMON_SECURITY_HEADERS, DATA_CSP, isPagePath, makeNonce, pageCsp } from "./server/http/securityHeaders";

function withHeaders(res: NextResponse, csp: string): NextResponse {
  res.headers.set("Content-Security-Policy", csp);
  for (const [k, v] of Object.entries(COMMON_SECURITY_HEADERS)) res.headers.set(k, v);
  return res;
}

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const crossSite = request.headers.get("sec-fetch-site")?.toLowerCase() === "cross-site";
  const navigation = request.headers.get("sec-fetch-mode") === "navigate" && request.method === "GET";
  if (crossSite && !navigation && !pathname.startsWith("/api/")) {
    return withHeaders(NextResponse.json({ error: "refused: a request made by another site (Sec-Fetch-Site: cross-site)" }, { status: 403 }), DATA_CSP);
  }
  if (!isPagePath(pathname)) return withHeaders(NextResponse.next(), DATA_CSP);
  // Class mode: a page asked for without a session cookie goes to the sign-in page. Only the
  // cookie's presence is looked at here; whether the session is valid is decided by every API
  // call (401 → the editor comes back to /login), so a page never shows anyone's data by itself.
  if (pathname !== "/login" && getEnv().authMode === "class" && !getSessionCookie(request, { cookiePrefix: COOKIE_PREFIX })) {
    const to = new URL("/login", request.url);
    if (pathname !== "/") to.searchParams.set("next", pathname);
    return withHeaders(NextResponse.redirect(to), DATA_CSP);
  }
  const nonce = makeNonce();
  const csp = pageCsp(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  return withHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp);
}

// Not the API: Next buffers a request body for the proxy and cuts it at 10 MB, which would hand
// the upload route a silently truncated file. API routes check cross-site requests themselves;
// their headers come from next.config.ts.
export const config = { matcher: ["/((?!api/).*)"] };
