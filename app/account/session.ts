/** Signing in and out from the browser: Better Auth's endpoints under /api/auth (class mode). */

/** Sign in with a username and password; null on success, else the sentence to show. */
export async function signIn(username: string, password: string): Promise<string | null> {
  const res = await fetch("/api/auth/sign-in/username", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: username.trim(), password }),
  });
  if (res.ok) return null;
  if (res.status === 429) return "Too many sign-in attempts: wait a minute and try again.";
  if (res.status === 401 || res.status === 400) return "Wrong username or password.";
  return `Sign-in failed (${res.status}).`;
}

export async function signOut(): Promise<void> {
  await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
  window.location.assign("/login");
}

/** Where to go after signing in: a path on this site only (never another site). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}
