/**
 * The process's one database client. The first `getDb()` creates the data directory, applies
 * pending migrations and connects; later calls share that client.
 *
 * The generated client (server/db/generated, written by `prisma generate`) runs Prisma's query
 * compiler in WebAssembly over the libSQL driver adapter: no engine binary is downloaded. A
 * `postgresql:` DATABASE_URL gets the PostgreSQL client instead (server/db/postgres.ts).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { UnclipError } from "../errors";
import { getEnv } from "../env";
import { PrismaClient } from "./generated/client";
import { migrateSqlite } from "./migrate";
import { openPostgresClient } from "./postgres";
import { BUSY_TIMEOUT_MS, SqliteAdapterFactory } from "./sqlite";

export type Db = PrismaClient;

interface Holder {
  url: string;
  promise: Promise<PrismaClient>;
}

// Kept on globalThis so that Next.js development reloads, which re-evaluate this module, reuse
// the open client instead of opening another each time.
const KEY = Symbol.for("unclip-studio.db");
const slot = globalThis as unknown as { [KEY]?: Holder };

/** The shared PrismaClient, migrated and connected. */
export function getDb(): Promise<PrismaClient> {
  const env = getEnv();
  const held = slot[KEY];
  if (held) {
    if (held.url !== env.databaseUrl) {
      throw new UnclipError("runtime", "db_url_changed", `the database client is open on ${held.url}, not ${env.databaseUrl}: call closeDb() first`);
    }
    return held.promise;
  }
  const holder: Holder = { url: env.databaseUrl, promise: open() };
  slot[KEY] = holder;
  // A failed start (e.g. a refused migration) is not cached: the next call tries again.
  holder.promise.catch(() => {
    if (slot[KEY] === holder) delete slot[KEY];
  });
  return holder.promise;
}

/** Disconnect and forget the client (tests, shutdown). The next getDb() opens a new one. */
export async function closeDb(): Promise<void> {
  const held = slot[KEY];
  if (!held) return;
  delete slot[KEY];
  const client = await held.promise.catch(() => null);
  await client?.$disconnect();
}

async function open(): Promise<PrismaClient> {
  const env = getEnv();
  if (/^postgres(ql)?:/i.test(env.databaseUrl)) return openPostgresClient(env.databaseUrl);
  if (!env.databaseUrl.startsWith("file:") || !env.databasePath) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(env.databaseUrl)?.[1] ?? env.databaseUrl;
    throw new UnclipError(
      "runtime",
      "db_unsupported",
      `DATABASE_URL uses ${scheme}:, which is not supported; use a SQLite file URL such as file:./data/unclip.db or a PostgreSQL URL (postgresql://user:password@host:5432/db)`,
      { parameter: "DATABASE_URL" },
    );
  }
  mkdirSync(env.dataDir, { recursive: true });
  mkdirSync(path.dirname(env.databasePath), { recursive: true });
  await migrateSqlite(env.databaseUrl);
  return new PrismaClient({
    adapter: new SqliteAdapterFactory({ url: env.databaseUrl }),
    // Prisma's defaults (2 s to start, 5 s to finish) are shorter than a wait for another
    // process's write lock (BUSY_TIMEOUT_MS).
    transactionOptions: { maxWait: BUSY_TIMEOUT_MS + 5_000, timeout: BUSY_TIMEOUT_MS + 15_000 },
  });
}
