/**
 * SQLite connections through libSQL, shared by the migrator and the Prisma client.
 *
 * libSQL opens connections with no busy timeout, so a second process writing at the same moment
 * fails at once with SQLITE_BUSY. Its client also hands its connection to every transaction and
 * opens a fresh one afterwards, which loses per-connection settings; the wrapper below sets the
 * timeout again on each new connection.
 */
import { createClient, type Client, type Config } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";

/** How long a statement waits for another process's write lock before failing. */
export const BUSY_TIMEOUT_MS = 15_000;

/** A libSQL client whose every connection waits `busyTimeoutMs` on a locked database. */
export function createSqliteClient(config: Config, busyTimeoutMs = BUSY_TIMEOUT_MS): Client {
  const inner = createClient(config);
  const timeout = Math.max(0, Math.floor(busyTimeoutMs));
  let fresh = true;
  const ensure = async () => {
    if (!fresh) return;
    await inner.execute(`PRAGMA busy_timeout = ${timeout}`);
    fresh = false;
  };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "execute" || prop === "batch" || prop === "executeMultiple") {
        return async (...args: unknown[]) => {
          await ensure();
          return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (prop === "transaction") {
        return async (...args: unknown[]) => {
          await ensure();
          const tx = await (target.transaction as (...a: unknown[]) => unknown).apply(target, args);
          // The transaction took the connection; the next call opens a new one.
          fresh = true;
          return tx;
        };
      }
      const value = Reflect.get(target, prop, target);
      // The client keeps its state in private fields: methods must run on the real object.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Prisma's libSQL adapter, with connections from `createSqliteClient`. */
export class SqliteAdapterFactory extends PrismaLibSQL {
  override createClient(config: Config): Client {
    return createSqliteClient(config);
  }
}
