/**
 * The server's configuration, read from the environment once and validated. Relative paths are
 * resolved against the repository root (not the working directory), so the same settings work
 * from the CLI, tests and the Next.js server alike.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { InputError } from "./errors";
import { type Limits, LimitsEnvSchema, limitsFromEnv } from "./limitsConfig";

export interface Env {
  /** The repository root that relative paths are resolved against. */
  rootDir: string;
  /** Absolute: the database (by default), artifacts and other state live here. */
  dataDir: string;
  /** Absolute: where model packages are looked up. */
  modelsDir: string;
  /** A `file:` URL with an absolute path for SQLite; other schemes are passed through as given. */
  databaseUrl: string;
  /** The database file for `file:` URLs, otherwise null. */
  databasePath: string | null;
  /** Which database DATABASE_URL names: a SQLite file or a PostgreSQL server. */
  databaseProvider: "sqlite" | "postgresql";
  /**
   * REDIS_URL: when set, runs go through a shared queue in Redis and are executed by worker
   * processes (`unclip worker`); when null, the web server runs them itself, one at a time.
   */
  redisUrl: string | null;
  host: string;
  port: number;
  /**
   * "personal": loopback HOST and UNCLIP_AUTH unset — no sign-in, one implicit owner.
   * "class": sign-in required (a non-loopback HOST, or UNCLIP_AUTH=on).
   */
  authMode: "personal" | "class";
  /** UNCLIP_AUTH_SECRET, or null: then server/auth/secret.ts keeps one in DATA_DIR. */
  authSecret: string | null;
  /** The address browsers use (Better Auth's base URL; default http://HOST:PORT). */
  publicUrl: string | null;
  /** Work and request limits (see server/limits.ts and the README's configuration table). */
  limits: Limits;
}

// Empty variables count as unset: `DATA_DIR= npm run dev` should mean "default", not "the root".
const optionalText = z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().trim().optional());

const EnvSchema = z.object({
  DATA_DIR: optionalText,
  MODELS_DIR: optionalText,
  DATABASE_URL: optionalText.refine((v) => v === undefined || /^[a-z][a-z0-9+.-]*:/i.test(v), {
    message: "must be a URL such as file:./data/unclip.db or postgresql://user@host/db",
  }),
  REDIS_URL: optionalText.refine((v) => v === undefined || /^rediss?:\/\/[^\s]+$/i.test(v), {
    message: "must be a URL such as redis://127.0.0.1:6379",
  }),
  HOST: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9.:[\]-]+$/.test(v), {
    message: "must be a host name or IP address",
  }),
  PORT: optionalText
    .refine((v) => v === undefined || /^\d{1,5}$/.test(v), { message: "must be a port number" })
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .refine((v) => v === undefined || (v >= 1 && v <= 65535), { message: "must be between 1 and 65535" }),
  UNCLIP_AUTH: optionalText.pipe(z.enum(["on", "off"], { message: 'must be "on" or "off"' }).optional()),
  UNCLIP_AUTH_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, { message: "must be at least 32 characters" }),
  UNCLIP_PUBLIC_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/i.test(v), {
    message: "must be a URL such as https://studio.example.com",
  }),
  ...LimitsEnvSchema.shape,
});

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Whether HOST keeps the server on this machine (127.0.0.0/8, localhost, ::1). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Sign-in is required whenever the server can be reached from other machines; switching it off
 * there would hand every workflow, run and image to anyone on the network, so it is refused.
 */
function authModeOf(auth: "on" | "off" | undefined, host: string): "personal" | "class" {
  const loopback = isLoopbackHost(host);
  if (auth === "off" && !loopback) {
    throw new InputError(
      "bad_env",
      `environment variable UNCLIP_AUTH=off is refused with HOST=${host}: anyone on the network could use and delete everything; use HOST=127.0.0.1 or drop UNCLIP_AUTH`,
      { parameter: "UNCLIP_AUTH" },
    );
  }
  return auth === "on" || !loopback ? "class" : "personal";
}

let cached: Env | undefined;

/** The validated configuration (read once; `resetEnv()` makes the next call read it again). */
export function getEnv(): Env {
  cached ??= readEnv(process.env);
  return cached;
}

/** Forget the cached configuration, e.g. after a test changed process.env. */
export function resetEnv(): void {
  cached = undefined;
}

/** Parse a given environment without caching (throws InputError naming the bad variable). */
export function readEnv(source: Record<string, string | undefined>): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? "environment");
    throw new InputError("bad_env", `environment variable ${name} ${issue.message}`, { parameter: name });
  }
  const e = parsed.data;
  const rootDir = findRepoRoot();
  const dataDir = path.resolve(rootDir, e.DATA_DIR ?? "data");
  const modelsDir = path.resolve(rootDir, e.MODELS_DIR ?? "models");
  const { url, filePath } = resolveDatabaseUrl(e.DATABASE_URL, rootDir, dataDir);
  return {
    rootDir,
    dataDir,
    modelsDir,
    databaseUrl: url,
    databasePath: filePath,
    databaseProvider: /^postgres(ql)?:/i.test(url) ? "postgresql" : "sqlite",
    redisUrl: e.REDIS_URL ?? null,
    host: e.HOST ?? "127.0.0.1",
    port: e.PORT ?? 3000,
    authMode: authModeOf(e.UNCLIP_AUTH, e.HOST ?? "127.0.0.1"),
    authSecret: e.UNCLIP_AUTH_SECRET ?? null,
    publicUrl: e.UNCLIP_PUBLIC_URL ?? null,
    limits: limitsFromEnv(e),
  };
}

/** `file:` URLs get an absolute path; the default is `<dataDir>/unclip.db`. */
function resolveDatabaseUrl(given: string | undefined, rootDir: string, dataDir: string): { url: string; filePath: string | null } {
  if (given === undefined) {
    const filePath = path.join(dataDir, "unclip.db");
    return { url: fileUrl(filePath), filePath };
  }
  if (!/^file:/i.test(given)) return { url: given, filePath: null };
  // Query parameters are not passed on: the SQLite driver here takes none we rely on.
  let rest = given.slice("file:".length).split(/[?#]/, 1)[0];
  if (rest.startsWith("//")) {
    // file://host/path: only the empty host and localhost are local files.
    const m = /^\/\/([^/]*)(\/.*)?$/.exec(rest);
    const host = m?.[1] ?? "";
    if (host !== "" && host !== "localhost") {
      throw new InputError("bad_env", `environment variable DATABASE_URL names a remote host (${host}) in a file: URL`, {
        parameter: "DATABASE_URL",
      });
    }
    rest = m?.[2] ?? "";
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw new InputError("bad_env", "environment variable DATABASE_URL has invalid percent-encoding", {
      parameter: "DATABASE_URL",
    });
  }
  if (decoded === "" || decoded.includes("\0") || decoded === ":memory:") {
    throw new InputError("bad_env", "environment variable DATABASE_URL must name a database file (file:PATH)", {
      parameter: "DATABASE_URL",
    });
  }
  const filePath = path.resolve(rootDir, decoded);
  return { url: fileUrl(filePath), filePath };
}

/** `file:` + the absolute path, percent-encoded where the SQLite driver's URL parser needs it. */
function fileUrl(absPath: string): string {
  return `file:${pathToFileURL(absPath).pathname}`;
}

/**
 * The directory holding this project's package.json, found from this module's location (also
 * inside a Next.js build under `.next/`), falling back to the working directory.
 */
function findRepoRoot(): string {
  let dir: string;
  try {
    dir = path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return process.cwd();
  }
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown } | null)?.name === "unclip-studio") return dir;
      } catch {
        // An unreadable package.json is not ours; keep looking upwards.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}
