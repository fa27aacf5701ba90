import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createClient, type Value } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { closeDb, getDb } from "../../server/db/client";
import { MIGRATIONS_TABLE, MigrationError, migrateSqlite, migrationChecksum, migrationsDir, readMigrationFiles } from "../../server/db/migrate";
import { getEnv, readEnv, resetEnv } from "../../server/env";
import { parseLastLine, REPO_ROOT, runChildAsync, switchDataDir, useTempDataDir } from "./helpers";

const dataDir = useTempDataDir();

/** A column's value as text (these columns are TEXT; a BLOB would be decoded). */
function text(v: Value): string {
  return v instanceof ArrayBuffer ? new TextDecoder().decode(v) : String(v);
}

function fileUrl(p: string): string {
  return `file:${p}`;
}

async function tables(dbFile: string): Promise<string[]> {
  const c = createClient({ url: fileUrl(dbFile) });
  try {
    const rs = await c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    return rs.rows.map((r) => text(r.name));
  } finally {
    c.close();
  }
}

async function recorded(dbFile: string): Promise<{ name: string; checksum: string }[]> {
  const c = createClient({ url: fileUrl(dbFile) });
  try {
    const rs = await c.execute(`SELECT name, checksum FROM "${MIGRATIONS_TABLE}" ORDER BY name`);
    return rs.rows.map((r) => ({ name: text(r.name), checksum: text(r.checksum) }));
  } finally {
    c.close();
  }
}

/** The committed migrations' names, in order. */
const committed = () => readMigrationFiles(migrationsDir("sqlite")).map((f) => f.name);

/** A copy of the committed SQLite migrations that a test may change. */
function copyMigrations(name: string): string {
  const dir = path.join(dataDir(), "..", name);
  cpSync(migrationsDir("sqlite"), dir, { recursive: true });
  return dir;
}

describe("migrations", () => {
  it("apply on a fresh database and are a no-op the second time", async () => {
    const dbFile = path.join(dataDir(), "..", "fresh.db");
    const first = await migrateSqlite(fileUrl(dbFile));
    expect(first).toEqual({ applied: committed(), alreadyApplied: 0 });
    expect(await tables(dbFile)).toEqual(expect.arrayContaining(["Workflow", "Run", "Artifact", MIGRATIONS_TABLE]));
    const files = readMigrationFiles(migrationsDir("sqlite"));
    expect(await recorded(dbFile)).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));

    const second = await migrateSqlite(fileUrl(dbFile));
    expect(second).toEqual({ applied: [], alreadyApplied: committed().length });
  });

  it("getDb creates the data directory and migrates on first use, once", async () => {
    await switchDataDir(path.join(dataDir(), "..", "nested", "deeper", "data"));
    expect(existsSync(getEnv().dataDir)).toBe(false);
    const db = await getDb();
    expect(await getDb()).toBe(db);
    expect(existsSync(path.join(getEnv().dataDir, "unclip.db"))).toBe(true);
    expect(await db.workflow.count()).toBe(0);
    await switchDataDir(dataDir());
  });

  it("refuses to run when an applied migration file changed", async () => {
    const dir = copyMigrations("changed-migrations");
    const dbFile = path.join(dataDir(), "..", "changed.db");
    await migrateSqlite(fileUrl(dbFile), { dir });
    const file = path.join(dir, "0001_init.sql");
    writeFileSync(file, readFileSync(file, "utf8") + "\n-- edited afterwards\n");
    await expect(migrateSqlite(fileUrl(dbFile), { dir })).rejects.toThrow(MigrationError);
    await expect(migrateSqlite(fileUrl(dbFile), { dir })).rejects.toMatchObject({
      code: "migration_changed",
      message: expect.stringContaining("0001_init was changed after it was applied") as unknown,
    });
  });

  it("treats CRLF line endings as the same file", () => {
    expect(migrationChecksum("a;\r\nb;\r\n")).toBe(migrationChecksum("a;\nb;\n"));
  });

  it("refuses a database that has a migration this version does not know", async () => {
    const dir = copyMigrations("newer-migrations");
    writeFileSync(path.join(dir, "0099_extra.sql"), 'CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n');
    const dbFile = path.join(dataDir(), "..", "newer.db");
    expect((await migrateSqlite(fileUrl(dbFile), { dir })).applied).toEqual([...committed(), "0099_extra"]);
    await expect(migrateSqlite(fileUrl(dbFile))).rejects.toMatchObject({ code: "migration_unknown" });
  });

  it("rolls back a failing migration completely and records nothing", async () => {
    const dir = copyMigrations("failing-migrations");
    writeFileSync(path.join(dir, "0099_broken.sql"), 'CREATE TABLE "Half" ("id" TEXT NOT NULL PRIMARY KEY);\nINSERT INTO "NoSuchTable" VALUES (1);\n');
    const dbFile = path.join(dataDir(), "..", "failing.db");
    await expect(migrateSqlite(fileUrl(dbFile), { dir })).rejects.toMatchObject({
      code: "migration_failed",
      message: expect.stringContaining("0099_broken failed and was rolled back") as unknown,
    });
    expect(await tables(dbFile)).not.toContain("Half");
    expect((await recorded(dbFile)).map((r) => r.name)).toEqual(committed());
  });

  it("keeps child rows when a later migration rebuilds a parent table", async () => {
    // The way Prisma alters SQLite columns: copy, drop, rename. With foreign keys enforced the
    // DROP would cascade into Artifact.
    const dir = copyMigrations("rebuild-migrations");
    // only the first migration, so that the rebuild below copies the Run table it made
    for (const f of readdirSync(dir)) if (f !== "0001_init.sql") rmSync(path.join(dir, f));
    const dbFile = path.join(dataDir(), "..", "rebuild.db");
    await migrateSqlite(fileUrl(dbFile), { dir });
    const c = createClient({ url: fileUrl(dbFile) });
    const now = new Date().toISOString();
    await c.execute({
      sql: `INSERT INTO "Run" ("id","workflowSnapshot","status","queuePosition","createdAt") VALUES ('r1','{}','finished',1,?)`,
      args: [now],
    });
    await c.execute({
      sql: `INSERT INTO "Artifact" ("id","runId","nodeId","kind","path","contentHash","bytes","createdAt") VALUES ('a1','r1','n','image','p','h',1,?)`,
      args: [now],
    });
    c.close();
    const init = readFileSync(path.join(dir, "0001_init.sql"), "utf8");
    const runTable = /CREATE TABLE "Run" \([\s\S]*?\n\);/.exec(init)![0].replace('"Run"', '"new_Run"');
    writeFileSync(
      path.join(dir, "0002_rebuild_run.sql"),
      [
        "PRAGMA defer_foreign_keys=ON;",
        "PRAGMA foreign_keys=OFF;",
        runTable,
        'INSERT INTO "new_Run" SELECT * FROM "Run";',
        'DROP TABLE "Run";',
        'ALTER TABLE "new_Run" RENAME TO "Run";',
        "PRAGMA foreign_keys=ON;",
        "PRAGMA defer_foreign_keys=OFF;",
      ].join("\n"),
    );
    await migrateSqlite(fileUrl(dbFile), { dir });
    const c2 = createClient({ url: fileUrl(dbFile) });
    const rs = await c2.execute('SELECT COUNT(*) AS n FROM "Artifact"');
    c2.close();
    expect(Number(rs.rows[0].n)).toBe(1);
  });

  it("refuses misnamed migration files", () => {
    const dir = copyMigrations("misnamed-migrations");
    writeFileSync(path.join(dir, "2_Oops.sql"), "SELECT 1;");
    expect(() => readMigrationFiles(dir)).toThrow(/2_Oops\.sql is misnamed/);
  });

  it("is safe when several processes start on a fresh database at once", async () => {
    const shared = path.join(dataDir(), "..", "concurrent");
    const results = await Promise.all([1, 2, 3].map(() => runChildAsync(shared, "migrate")));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(parseLastLine(r.stdout)).toEqual({ ok: true });
    }
    expect((await recorded(path.join(shared, "unclip.db"))).map((r) => r.name)).toEqual(committed());
  });

  it("has the same migration files for SQLite and PostgreSQL", () => {
    const sqlite = readdirSync(migrationsDir("sqlite")).sort();
    const pg = readdirSync(migrationsDir("postgresql")).sort();
    expect(pg).toEqual(sqlite);
    const pgInit = readFileSync(path.join(migrationsDir("postgresql"), "0001_init.sql"), "utf8");
    expect(pgInit).toMatch(/TIMESTAMP\(3\)/);
    expect(pgInit).toMatch(/ON DELETE CASCADE/);
  });

  it("match prisma/schema.prisma (a model change needs a new migration)", () => {
    const r = spawnSync(process.execPath, ["scripts/db-migration.mjs", "check"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 110_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe("environment", () => {
  it("resolves defaults and relative paths against the repository root", () => {
    const env = readEnv({});
    expect(env.rootDir).toBe(REPO_ROOT);
    expect(env.dataDir).toBe(path.join(REPO_ROOT, "data"));
    expect(env.modelsDir).toBe(path.join(REPO_ROOT, "models"));
    expect(env.databasePath).toBe(path.join(REPO_ROOT, "data", "unclip.db"));
    expect(env.databaseUrl).toBe(`file:${path.join(REPO_ROOT, "data", "unclip.db")}`);
    expect(env.host).toBe("127.0.0.1");
    expect(env.port).toBe(3000);

    const custom = readEnv({ DATA_DIR: "var/x", DATABASE_URL: "file:./db/my app.db", PORT: "8080", HOST: "0.0.0.0" });
    expect(custom.dataDir).toBe(path.join(REPO_ROOT, "var", "x"));
    expect(custom.databasePath).toBe(path.join(REPO_ROOT, "db", "my app.db"));
    expect(custom.databaseUrl).toBe(`file:${path.join(REPO_ROOT, "db", "my%20app.db")}`);
    expect(custom.port).toBe(8080);
    expect(readEnv({ DATABASE_URL: "file:///srv/unclip.db" }).databasePath).toBe("/srv/unclip.db");
    expect(readEnv({ DATA_DIR: "  " }).dataDir).toBe(path.join(REPO_ROOT, "data"));
  });

  it("rejects bad values with the variable's name", () => {
    expect(() => readEnv({ PORT: "http" })).toThrow(/PORT must be a port number/);
    expect(() => readEnv({ PORT: "70000" })).toThrow(/PORT must be between 1 and 65535/);
    expect(() => readEnv({ DATABASE_URL: "unclip.db" })).toThrow(/DATABASE_URL must be a URL/);
    expect(() => readEnv({ DATABASE_URL: "file://example.com/x.db" })).toThrow(/remote host/);
  });

  it("getDb explains which databases are supported", async () => {
    await closeDb();
    process.env.DATABASE_URL = "mysql://localhost/unclip";
    resetEnv();
    try {
      await expect(getDb()).rejects.toMatchObject({ code: "db_unsupported", message: expect.stringContaining("mysql:") as unknown });
    } finally {
      await switchDataDir(dataDir());
    }
  });
});
