/**
 * SQLite connections through libSQL, shared by the migrator and the Prisma client.
 *
 * Two things about libSQL's client need correcting here:
 * - connections open with no busy timeout, so a second process writing at the same moment fails at
 *   once with SQLITE_BUSY;
 * - `transaction()` hands the client's connection to the transaction and opens a fresh one for the
 *   next call. The old one is only closed when garbage collected, so every transaction (Prisma
 *   opens one for each updateMany, interactive transaction, ...) leaks file descriptors for a
 *   while, and the new connection has lost the busy timeout.
 */
import { createClient, type Client, type Config, type InStatement, type ResultSet, type Transaction } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";

/** How long a statement waits for another process's write lock before failing. */
export const BUSY_TIMEOUT_MS = 15_000;

export interface SqliteClientOptions {
  /** Wait this long on a database locked by another connection (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
  /**
   * Run transactions on the client's own connection (BEGIN IMMEDIATE … COMMIT) instead of handing
   * it over. Only for a caller that never issues other statements while a transaction is open,
   * as Prisma's adapter guarantees with its lock. Such transactions cannot `executeMultiple`.
   */
  inlineTransactions?: boolean;
}

/** A libSQL client whose connections wait on a locked database. */
export function createSqliteClient(config: Config, options: SqliteClientOptions = {}): Client {
  const inner = createClient(config);
  const timeout = Math.max(0, Math.floor(options.busyTimeoutMs ?? BUSY_TIMEOUT_MS));
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
          if (options.inlineTransactions) return InlineTransaction.begin(target);
          const tx = await (target.transaction as (...a: unknown[]) => unknown).apply(target, args);
          // The transaction took the connection; the next call opens a new one.
          fresh = true;
          return tx;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      // The client keeps its state in private fields: methods must run on the real object.
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A transaction on the client's own connection. It always begins IMMEDIATE: taking the write lock
 * up front means a transaction that reads before it writes cannot fail halfway with SQLITE_BUSY
 * (a lock upgrade that another process blocks); the busy timeout covers the wait at BEGIN.
 */
class InlineTransaction implements Transaction {
  #client: Client;
  #open = true;

  private constructor(client: Client) {
    this.#client = client;
  }

  static async begin(client: Client): Promise<InlineTransaction> {
    await client.execute("BEGIN IMMEDIATE");
    return new InlineTransaction(client);
  }

  get closed(): boolean {
    return !this.#open;
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    this.#check();
    return this.#client.execute(stmt);
  }

  async batch(stmts: InStatement[]): Promise<ResultSet[]> {
    const out: ResultSet[] = [];
    for (const s of stmts) out.push(await this.execute(s));
    return out;
  }

  executeMultiple(): Promise<void> {
    // libSQL's executeMultiple rolls back any open transaction on its connection.
    return Promise.reject(new Error("executeMultiple is not available in an inline transaction"));
  }

  async commit(): Promise<void> {
    this.#check();
    this.#open = false;
    try {
      await this.#client.execute("COMMIT");
    } catch (e) {
      // A failed COMMIT leaves the transaction open on the shared connection: end it.
      await this.#client.execute("ROLLBACK").catch(() => {});
      throw e;
    }
  }

  async rollback(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#client.execute("ROLLBACK");
  }

  close(): void {
    // The statements run synchronously inside the driver, so the rollback completes here.
    if (this.#open) void this.rollback().catch(() => {});
  }

  #check(): void {
    if (!this.#open) throw new Error("the transaction is closed");
  }
}

/** Prisma's libSQL adapter, with connections from `createSqliteClient`. */
export class SqliteAdapterFactory extends PrismaLibSQL {
  override createClient(config: Config): Client {
    return createSqliteClient(config, { inlineTransactions: true });
  }
}
