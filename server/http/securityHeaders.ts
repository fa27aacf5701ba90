/**
 * The security headers every response carries (pages, API, artifacts, static files), set in
 * proxy.ts. Pages get a Content-Security-Policy with a fresh nonce per request: Next reads the
 * nonce from the request's CSP header while rendering and puts it on its own scripts, so no
 * inline script runs without it ('strict-dynamic' lets those scripts load the app's chunks).
 * Everything else is data, never a document to run: its policy allows nothing at all.
 *
 * Styles keep 'unsafe-inline': React Flow positions nodes and edges with style attributes, which
 * a nonce cannot cover; styles cannot run code. Edge-free as a module (no node: imports) so it
 * can run wherever Next runs the proxy.
 */
import constantHeaders from "./securityHeaders.json";

/** A fresh, unguessable nonce (128 bits, base64). */
export function makeNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    // React's dev build uses eval for its error overlays; production never does
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    // previews arrive as data: URLs; dropped files are read through blob: URLs
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * For API answers and artifacts: nothing may load, run or frame it. These constant headers live in
 * securityHeaders.json so that next.config.js (plain JavaScript) reads the very same values.
 */
export const DATA_CSP: string = constantHeaders.dataCsp;

/** The headers besides the CSP, the same on every response (why each: securityHeaders.json's "why"). */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = constantHeaders.common;

/** Is this path a page (a document the editor runs in), rather than data or a static file? */
export function isPagePath(pathname: string): boolean {
  return !pathname.startsWith("/api/") && !pathname.startsWith("/_next/") && !/\.[a-z0-9]+$/i.test(pathname);
}
