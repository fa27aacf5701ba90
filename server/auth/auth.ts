/**
 * Accounts and sessions (class mode) through Better Auth: username + password sign-in, sessions
 * stored in the project's database (tables from our own migrations, prisma/schema.prisma), and
 * Better Auth's built-in limit on sign-in attempts. Personal mode never creates it.
 */
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { username } from "better-auth/plugins/username";
import { getDb } from "../db/client";
import { getEnv, type Env } from "../env";
import { COOKIE_PREFIX } from "./cookie";
import { authSecret } from "./secret";

/** Sign-in attempts allowed per client address in one window (Better Auth counts them). */
export const SIGN_IN_LIMIT = { window: 60, max: 10 } as const;
export const ROLES = ["teacher", "student"] as const;
export type Role = (typeof ROLES)[number];

function createAuth(env: Env, db: Awaited<ReturnType<typeof getDb>>) {
  const listenHost = env.host === "0.0.0.0" || env.host === "::" ? "127.0.0.1" : env.host;
  const baseURL = env.publicUrl ?? `http://${listenHost.includes(":") ? `[${listenHost}]` : listenHost}:${env.port}`;
  return betterAuth({
    appName: "unCLIP Studio",
    baseURL,
    basePath: "/api/auth",
    secret: authSecret(env),
    database: prismaAdapter(db, { provider: env.databaseProvider }),
    telemetry: { enabled: false },
    // accounts are made by a teacher (CLI or Class page), never by signing up over HTTP
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8, maxPasswordLength: 128 },
    plugins: [username({ minUsernameLength: 2, maxUsernameLength: 32 })],
    user: { additionalFields: { role: { type: "string", required: false, defaultValue: "student", input: false } } },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    // every request reads the session from the database, so removing a user ends it at once
    rateLimit: { enabled: true, storage: "memory", customRules: { "/sign-in/*": SIGN_IN_LIMIT } },
    // The server may be reached under any LAN address; requestGuard.ts has already refused other
    // sites, so the page's own origin (the Host it addressed) is the one to trust.
    trustedOrigins: (request) => {
      const host = request?.headers.get("host");
      return host ? [`http://${host}`, `https://${host}`] : [baseURL];
    },
    advanced: {
      cookiePrefix: COOKIE_PREFIX,
      useSecureCookies: baseURL.startsWith("https:"),
      ipAddress: { ipAddressHeaders: ["x-forwarded-for", "x-real-ip"] },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

const KEY = Symbol.for("unclip-studio.auth");
const slot = globalThis as unknown as { [KEY]?: Promise<Auth> };

/** The process's Better Auth instance (class mode), on the migrated database. */
export function getAuth(): Promise<Auth> {
  slot[KEY] ??= (async () => createAuth(getEnv(), await getDb()))().catch((err: unknown) => {
    slot[KEY] = undefined;
    throw err;
  });
  return slot[KEY];
}

/** Forget the instance (tests that switch databases). */
export function resetAuth(): void {
  slot[KEY] = undefined;
}
