/**
 * Applies the committed PostgreSQL migrations (prisma/migrations/postgresql/NNNN_name.sql) at
 * startup, the counterpart of `migrateSqlite` with the same `_unclip_migrations` bookkeeping.
 *
 * Several processes (a web server and its workers) may start against the same database at once:
 * a session-level advisory lock makes them take turns, and each one reads the applied list again
 * once it holds the lock. Each file runs in its own transaction (PostgreSQL's DDL is
 * transactional), so a failing file leaves nothing half-applied.
 */
import pg from "pg";
import { MIGRATIONS_TABLE, type MigrateResult, MigrationError, migrationsDir, readMigrationFiles, verifyRecorded } from "./migrate";

/** Any fixed 64-bit number works; every process of this app must use the same one. */
const MIGRATION_LOCK_KEY = 7_318_042_611n;
const LOCK_TIMEOUT_MS = 120_000;

export async function migratePostgres(connectionString: string, options: { dir?: string; lockTimeoutMs?: number } = {}): Promise<MigrateResult> {
  const files = readMigrationFiles(options.dir ?? migrationsDir("postgresql"));
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
  } catch (e) {
    throw new MigrationError("db_unreachable", `cannot connect to the PostgreSQL database: ${(e as Error).message}`, { cause: e });
  }
  try {
    // A lock that is not free within the timeout fails the start instead of hanging forever.
    await client.query(`SET lock_timeout = ${Math.floor(options.lockTimeoutMs ?? LOCK_TIMEOUT_MS)}`);
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" ("name" TEXT NOT NULL PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TEXT NOT NULL)`,
      );
      const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT "name", "checksum" FROM "${MIGRATIONS_TABLE}" ORDER BY "name"`);
      verifyRecorded(rows, files);
      const done = new Set(rows.map((r) => r.name));
      const applied: string[] = [];
      for (const file of files.filter((f) => !done.has(f.name))) {
        try {
          await client.query("BEGIN");
          await client.query(file.sql);
          await client.query(`INSERT INTO "${MIGRATIONS_TABLE}" ("name", "checksum", "appliedAt") VALUES ($1, $2, $3)`, [
            file.name,
            file.checksum,
            new Date().toISOString(),
          ]);
          await client.query("COMMIT");
        } catch (e) {
          await client.query("ROLLBACK").catch(() => {});
          throw new MigrationError("migration_failed", `migration ${file.name} failed and was rolled back: ${(e as Error).message}`, { cause: e });
        }
        applied.push(file.name);
      }
      return { applied, alreadyApplied: rows.length };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
    }
  } catch (e) {
    if (e instanceof MigrationError) throw e;
    throw new MigrationError("migration_failed", `could not migrate the PostgreSQL database: ${(e as Error).message}`, { cause: e });
  } finally {
    await client.end().catch(() => {});
  }
}
