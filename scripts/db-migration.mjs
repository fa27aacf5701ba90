#!/usr/bin/env node
// Generates the SQL migrations that server/db/migrate.ts applies at startup, for SQLite and
// PostgreSQL alike, with `prisma migrate diff` (offline through the JavaScript schema engine).
//
//   node scripts/db-migration.mjs new <name>   write prisma/migrations/{sqlite,postgresql}/NNNN_<name>.sql
//   node scripts/db-migration.mjs check        fail if prisma/schema.prisma changed without a migration
//
// prisma/migrations/schema.snapshot is the schema the existing migrations produce; each new
// migration is the difference between it and prisma/schema.prisma, and then becomes the snapshot.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schemaFile = path.join(root, "prisma", "schema.prisma");
const migrationsRoot = path.join(root, "prisma", "migrations");
const snapshotFile = path.join(migrationsRoot, "schema.snapshot");
const PROVIDERS = ["sqlite", "postgresql"];
const prismaCli = path.join(root, "node_modules", "prisma", "build", "index.js");

class Failure extends Error {}
function fail(message) {
  throw new Failure(message);
}

/** The schema text with the datasource provider replaced. */
function withProvider(text, provider) {
  const re = /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*")[^"]*(")/;
  if (!re.test(text)) fail("no datasource provider found in the schema");
  return text.replace(re, `$1${provider}$2`);
}

/** Runs `prisma migrate diff` from the snapshot (or empty) to the current schema for a provider. */
function diff(tmp, provider, { exitCode = false } = {}) {
  const to = path.join(tmp, `to.${provider}.prisma`);
  writeFileSync(to, withProvider(readFileSync(schemaFile, "utf8"), provider));
  const from = ["--from-empty"];
  if (existsSync(snapshotFile)) {
    const fromFile = path.join(tmp, `from.${provider}.prisma`);
    writeFileSync(fromFile, withProvider(readFileSync(snapshotFile, "utf8"), provider));
    from.splice(0, 1, "--from-schema-datamodel", fromFile);
  }
  const args = [prismaCli, "migrate", "diff", ...from, "--to-schema-datamodel", to, "--script"];
  if (exitCode) args.push("--exit-code");
  // The CLI opens its driver adapter even for a schema-to-schema diff: give it a scratch file so
  // nothing is created in the repository.
  const env = { ...process.env, DATABASE_URL: `file:${path.join(tmp, "cli.db")}`, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
  if (r.status !== 0 && !(exitCode && r.status === 2)) {
    fail(`prisma migrate diff (${provider}) failed:\n${r.stdout}${r.stderr}`);
  }
  return { sql: r.stdout, changed: exitCode ? r.status === 2 : !isEmpty(r.stdout) };
}

function isEmpty(sql) {
  return sql.split("\n").every((line) => line.trim() === "" || line.trim().startsWith("--"));
}

function existingNames(provider) {
  const dir = path.join(migrationsRoot, provider);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort()
    : [];
}

function checkFoldersAgree() {
  const [a, b] = PROVIDERS.map(existingNames);
  if (a.join("\n") !== b.join("\n")) {
    fail(`prisma/migrations/sqlite and prisma/migrations/postgresql hold different files:\n  ${a.join(", ")}\n  ${b.join(", ")}`);
  }
  return a;
}

const [command, name] = process.argv.slice(2);
const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-db-migration-"));
try {
  if (command === "check") {
    checkFoldersAgree();
    if (!existsSync(snapshotFile)) fail("prisma/migrations/schema.snapshot is missing: run `npm run db:migration -- init`");
    // SQLite alone is enough to notice a model change; it keeps the check to one CLI run.
    const { changed, sql } = diff(tmp, "sqlite", { exitCode: true });
    if (changed) {
      fail(`prisma/schema.prisma changed without a migration; run \`npm run db:migration -- <name>\`. Pending SQL:\n${sql}`);
    }
    console.log("db-migration: migrations match prisma/schema.prisma");
  } else if (command === "new") {
    if (!name || !/^[a-z0-9_]+$/.test(name)) fail("usage: db-migration.mjs new <lowercase_name>");
    const existing = checkFoldersAgree();
    const number = existing.length === 0 ? 1 : Number(existing.at(-1).slice(0, 4)) + 1;
    const fileName = `${String(number).padStart(4, "0")}_${name}.sql`;
    const results = PROVIDERS.map((provider) => ({ provider, ...diff(tmp, provider) }));
    if (results.every((r) => !r.changed)) {
      console.log("db-migration: prisma/schema.prisma matches the migrations; nothing to write");
    } else {
      for (const { provider, sql } of results) {
        const dir = path.join(migrationsRoot, provider);
        mkdirSync(dir, { recursive: true });
        const header =
          `-- ${fileName} (${provider}), generated by \`npm run db:migration -- ${name}\` from prisma/schema.prisma.\n` +
          "-- Applied at startup by server/db/migrate.ts. Never edit it once applied anywhere: add a new migration.\n\n";
        writeFileSync(path.join(dir, fileName), header + sql.trim() + "\n");
        console.log(`db-migration: wrote prisma/migrations/${provider}/${fileName}`);
      }
      copyFileSync(schemaFile, snapshotFile);
    }
  } else {
    fail("usage: db-migration.mjs new <name> | check");
  }
} catch (e) {
  if (!(e instanceof Failure)) throw e;
  console.error(`db-migration: ${e.message}`);
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
