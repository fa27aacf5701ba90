/**
 * Accounts and sessions on a real database through Better Auth's own request handler (the one
 * mounted at /api/auth): sign-in by username, the session cookie resolving to the viewer, the
 * sign-in rate limit, sessions surviving a restart (a new auth instance over the same database
 * and secret), and a removed user's or reset password's sessions ending at once. Also the modes.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAuth, resetAuth, SIGN_IN_LIMIT } from "../../server/auth/auth";
import { SECRET_FILE } from "../../server/auth/secret";
import { addUser, listUsers, removeUser, setPassword } from "../../server/auth/users";
import { viewerOf } from "../../server/auth/viewer";
import { closeDb } from "../../server/db/client";
import { readEnv, resetEnv } from "../../server/env";
import { useTempDataDir } from "../db/helpers";

const BASE = "http://127.0.0.1:3000/api/auth";

async function signIn(username: string, password: string, ip = "10.0.0.1"): Promise<{ status: number; cookie: string | null; ms: number }> {
  const auth = await getAuth();
  const started = performance.now();
  const res = await auth.handler(
    new Request(`${BASE}/sign-in/username`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ip },
      body: JSON.stringify({ username, password }),
    }),
  );
  const ms = performance.now() - started;
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  return { status: res.status, cookie: cookies.length ? cookies.join("; ") : null, ms };
}

const headersWith = (cookie: string) => new Headers({ cookie });

describe("modes (server/env.ts)", () => {
  it("personal on loopback, class on a network address or with UNCLIP_AUTH=on", () => {
    expect(readEnv({}).authMode).toBe("personal");
    expect(readEnv({ HOST: "127.0.0.1" }).authMode).toBe("personal");
    expect(readEnv({ HOST: "0.0.0.0" }).authMode).toBe("class");
    expect(readEnv({ HOST: "192.168.1.20" }).authMode).toBe("class");
    expect(readEnv({ UNCLIP_AUTH: "on" }).authMode).toBe("class");
    expect(readEnv({ UNCLIP_AUTH: "off" }).authMode).toBe("personal");
  });

  it("refuses UNCLIP_AUTH=off on a network address with one line", () => {
    expect(() => readEnv({ HOST: "0.0.0.0", UNCLIP_AUTH: "off" })).toThrow(
      "environment variable UNCLIP_AUTH=off is refused with HOST=0.0.0.0: anyone on the network could use and delete everything; use HOST=127.0.0.1 or drop UNCLIP_AUTH",
    );
    expect(() => readEnv({ UNCLIP_AUTH: "maybe" })).toThrow(/UNCLIP_AUTH must be "on" or "off"/);
    expect(() => readEnv({ UNCLIP_AUTH_SECRET: "short" })).toThrow(/UNCLIP_AUTH_SECRET must be at least 32 characters/);
  });
});

describe("sign-in and sessions (Better Auth, class mode)", () => {
  const dataDir = useTempDataDir({ prefix: "unclip-signin-" });
  const latencies: number[] = [];

  beforeAll(async () => {
    process.env.UNCLIP_AUTH = "on";
    resetEnv();
    resetAuth();
    await addUser("Teacher1", "teacher", "teacher-password");
    await addUser("ann", "student", "ann-password");
  });
  afterAll(() => {
    delete process.env.UNCLIP_AUTH;
    resetEnv();
    resetAuth();
    if (latencies.length) {
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(
        `sign-in latency over ${sorted.length} sign-ins: median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
      );
    }
  });

  it("keeps the generated session secret in DATA_DIR, readable by the owner only", () => {
    expect(statSync(path.join(dataDir(), SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  it("signs in by username (case-insensitive) and the cookie names the viewer and role", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await signIn("teacher1", "teacher-password", `10.0.1.${i}`);
      expect(r.status).toBe(200);
      latencies.push(r.ms);
    }
    const t = await signIn("TEACHER1", "teacher-password", "10.0.1.9");
    expect(t.status).toBe(200);
    expect(await viewerOf(headersWith(t.cookie!))).toMatchObject({ name: "teacher1", role: "teacher" });
    const s = await signIn("ann", "ann-password");
    expect(await viewerOf(headersWith(s.cookie!))).toMatchObject({ name: "ann", role: "student" });
    expect(await viewerOf(new Headers())).toBeNull();
    expect(await viewerOf(headersWith("unclip.session_token=forged.value"))).toBeNull();
  });

  it("refuses a wrong password and an unknown user alike", async () => {
    expect((await signIn("ann", "wrong-password", "10.0.2.1")).status).toBe(401);
    expect((await signIn("nobody", "whatever-pass", "10.0.2.2")).status).toBe(401);
  });

  it("refuses signing up over HTTP: accounts are made by a teacher", async () => {
    const auth = await getAuth();
    const res = await auth.handler(
      new Request(`${BASE}/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "10.0.3.1" },
        body: JSON.stringify({ email: "x@example.com", password: "long-enough-1", name: "x", username: "mallory" }),
      }),
    );
    expect(res.status).toBe(400);
    expect((await listUsers()).map((u) => u.username)).not.toContain("mallory");
  });

  it(`limits sign-in attempts: ${SIGN_IN_LIMIT.max} per ${SIGN_IN_LIMIT.window} s from one address, then 429`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= SIGN_IN_LIMIT.max; i++) statuses.push((await signIn("ann", `guess-${i}-xxxx`, "10.9.9.9")).status);
    expect(statuses.slice(0, SIGN_IN_LIMIT.max).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // even the right password waits out the window from that address; another address is not held up
    expect((await signIn("ann", "ann-password", "10.9.9.9")).status).toBe(429);
    expect((await signIn("ann", "ann-password", "10.9.9.10")).status).toBe(200);
  });

  it("keeps sessions across a restart (same database and secret, a new process's auth)", async () => {
    const s = await signIn("ann", "ann-password", "10.0.4.1");
    resetAuth();
    await closeDb();
    resetEnv();
    expect(await viewerOf(headersWith(s.cookie!))).toMatchObject({ name: "ann" });
  });

  it("ends a user's sessions when their password is reset, and when they are removed", async () => {
    await addUser("bob", "student", "bob-password");
    const before = await signIn("bob", "bob-password", "10.0.5.1");
    expect(await viewerOf(headersWith(before.cookie!))).toMatchObject({ name: "bob" });
    await setPassword("bob", "bob-new-password");
    expect(await viewerOf(headersWith(before.cookie!))).toBeNull();
    expect((await signIn("bob", "bob-password", "10.0.5.2")).status).toBe(401);
    const after = await signIn("bob", "bob-new-password", "10.0.5.3");
    expect(await viewerOf(headersWith(after.cookie!))).toMatchObject({ name: "bob" });
    await removeUser("bob");
    expect(await viewerOf(headersWith(after.cookie!))).toBeNull();
    expect((await signIn("bob", "bob-new-password", "10.0.5.4")).status).toBe(401);
    await expect(removeUser("bob")).rejects.toThrow("user bob not found");
  });

  it("refuses bad account input with a sentence naming it", async () => {
    await expect(addUser("ann", "student", "another-password")).rejects.toThrow(/user ann already exists/);
    await expect(addUser("a b", "student", "long-enough")).rejects.toThrow("username must be 2–32 letters, digits, '_' or '.'");
    await expect(addUser("carl", "student", "short")).rejects.toThrow("password must be at least 8 characters");
    await expect(addUser("carl", "admin" as "student", "long-enough")).rejects.toThrow(/role/);
  });
});
