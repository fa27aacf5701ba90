/**
 * Applies the committed SQL migrations (prisma/migrations/<provider>/NNNN_name.sql) at startup.
 *
 * Prisma's own `migrate deploy` needs a schema engine that is not available offline and does not
 * run on PostgreSQL through the JavaScript engine, so the SQL is generated at development time
 * (scripts/db-migration.mjs) and applied here. Every applied file is recorded with its checksum in
 * `_unclip_migrations`; a recorded file that changed, or a recorded file this version does not
 * have, stops startup rather than guessing.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Client, Transaction } from "@libsql/client";
import { UnclipError } from "../errors";
import { getEnv } from "../env";
import { createSqliteClient } from "./sqlite";

export type MigrationProvider = "sqlite" | "postgresql";

export interface MigrationFile {
  /** File name without `.sql`, e.g. `0001_init`. */
  name: string;
  sql: string;
  /** sha256 hex of the file with line endings normalised (a CRLF checkout is the same file). */
  checksum: string;
}

export interface MigrateResult {
  /** Names applied by this call, in order. */
  applied: string[];
  /** How many were already recorded before this call. */
  alreadyApplied: number;
}

export class MigrationError extends UnclipError {
  constructor(code: string, message: string, options?: { cause?: unknown; file?: string }) {
    super("runtime", code, message, options?.file ? { file: options.file } : {}, options);
    this.name = "MigrationError";
  }
}

export const MIGRATIONS_TABLE = "_unclip_migrations";
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Migrations can take a while; a second process starting meanwhile waits this long. */
const MIGRATION_LOCK_TIMEOUT_MS = 120_000;

/** The committed migrations folder for a provider. */
export function migrationsDir(provider: MigrationProvider = "sqlite"): string {
  return path.join(getEnv().rootDir, "prisma", "migrations", provider);
}

export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n"), "utf8").digest("hex");
}

/** The migration files in `dir`, in order. Misnamed `.sql` files and duplicate numbers are errors. */
export function readMigrationFiles(dir: string): MigrationFile[] {
  if (!existsSync(dir)) {
    throw new MigrationError("migrations_missing", `migrations folder ${dir} not found`, { file: dir });
  }
  const files: MigrationFile[] = [];
  const numbers = new Map<string, string>();
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith(".sql")) continue;
    const m = FILE_RE.exec(entry);
    if (!m) {
      throw new MigrationError("migration_name", `migration file ${entry} is misnamed: expected NNNN_lowercase_name.sql`, { file: path.join(dir, entry) });
    }
    const other = numbers.get(m[1]);
    if (other) {
      throw new MigrationError("migration_name", `migrations ${other} and ${entry} share the number ${m[1]}`, {
        file: path.join(dir, entry),
      });
    }
    numbers.set(m[1], entry);
    const sql = readFileSync(path.join(dir, entry), "utf8");
    files.push({ name: entry.slice(0, -".sql".length), sql, checksum: migrationChecksum(sql) });
  }
  return files;
}

/**
 * Bring the SQLite database at `url` (a `file:` URL) up to date. Safe to call from several
 * processes at once: each file is applied inside BEGIN IMMEDIATE, which one process at a time
 * holds, and the list of applied files is read again under that lock.
 */
export async function migrateSqlite(url: string, options: { dir?: string; lockTimeoutMs?: number } = {}): Promise<MigrateResult> {
  const files = readMigrationFiles(options.dir ?? migrationsDir("sqlite"));
  const client = createSqliteClient({ url }, { busyTimeoutMs: options.lockTimeoutMs ?? MIGRATION_LOCK_TIMEOUT_MS });
  try {
    // WAL lets readers continue while another process writes. The setting is stored in the file.
    await client.execute("PRAGMA journal_mode = WAL");
    const applied: string[] = [];
    let alreadyApplied = -1;
    for (;;) {
      const next = await applyNextSqlite(client, files);
      if (alreadyApplied < 0) alreadyApplied = next.recorded;
      if (!next.applied) break;
      applied.push(next.applied);
    }
    return { applied, alreadyApplied };
  } finally {
    client.close();
  }
}

/** Under the write lock: check what is recorded, apply the first pending file if any. */
async function applyNextSqlite(client: Client, files: MigrationFile[]): Promise<{ applied: string | null; recorded: number }> {
  // Table rebuilds in a migration drop tables; with foreign keys enforced that would cascade
  // into child rows. SQLite only honours this outside a transaction, hence before BEGIN; the
  // result is verified with foreign_key_check before commit. The connection is not reused.
  await client.execute("PRAGMA foreign_keys = OFF");
  const tx = await client.transaction("write");
  let current: MigrationFile | undefined;
  try {
    await tx.execute(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" ("name" TEXT NOT NULL PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TEXT NOT NULL)`,
    );
    const rows = await recordedMigrations(tx);
    verifyRecorded(rows, files);
    const done = new Set(rows.map((r) => r.name));
    current = files.find((f) => !done.has(f.name));
    if (!current) {
      await tx.commit();
      return { applied: null, recorded: rows.length };
    }
    await tx.executeMultiple(current.sql);
    const violations = await tx.execute("PRAGMA foreign_key_check");
    if (violations.rows.length > 0) {
      throw new Error(`it leaves ${violations.rows.length} rows violating foreign keys`);
    }
    await tx.execute({
      sql: `INSERT INTO "${MIGRATIONS_TABLE}" ("name", "checksum", "appliedAt") VALUES (?, ?, ?)`,
      args: [current.name, current.checksum, new Date().toISOString()],
    });
    await tx.commit();
    return { applied: current.name, recorded: rows.length };
  } catch (e) {
    await tx.rollback().catch(() => {});
    if (e instanceof MigrationError) throw e;
    const what = current ? `migration ${current.name} failed and was rolled back` : "could not read applied migrations";
    throw new MigrationError("migration_failed", `${what}: ${(e as Error).message}`, { cause: e });
  } finally {
    tx.close();
  }
}

async function recordedMigrations(tx: Transaction): Promise<{ name: string; checksum: string }[]> {
  const rs = await tx.execute(`SELECT "name", "checksum" FROM "${MIGRATIONS_TABLE}" ORDER BY "name"`);
  // both columns are TEXT NOT NULL (the CREATE TABLE above)
  return rs.rows.map((r) => ({ name: r.name as string, checksum: r.checksum as string }));
}

/** Refuse a database whose recorded history disagrees with the files. */
export function verifyRecorded(rows: { name: string; checksum: string }[], files: MigrationFile[]): void {
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of rows) {
    const file = byName.get(row.name);
    if (!file) {
      throw new MigrationError(
        "migration_unknown",
        `the database has migration ${row.name} applied, which this version does not have (was it made by a newer version?); refusing to start`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        "migration_changed",
        `migration ${row.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… on disk); restore the file and add a new migration instead`,
      );
    }
  }
}
