#!/usr/bin/env node
// Generates the two Prisma clients from the one schema, prisma/schema.prisma:
//   server/db/generated/             provider "sqlite"      (the schema as written)
//   server/db/generated-postgresql/  provider "postgresql"  (a copy with the provider swapped)
// A client built with driver adapters is specific to its provider, so PostgreSQL needs its own.
// The copy is derived here every time and never edited or committed: the schema stays the one
// source of truth.
//
//   node scripts/db-generate.mjs           generate both clients (npm run db:generate, postinstall)
//   node scripts/db-generate.mjs check     fail if a generated client is missing or was built
//                                          from another schema than prisma/schema.prisma
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schemaFile = path.join(root, "prisma", "schema.prisma");
const prismaCli = path.join(root, "node_modules", "prisma", "build", "index.js");

export const CLIENTS = [
  { provider: "sqlite", output: path.join(root, "server", "db", "generated") },
  { provider: "postgresql", output: path.join(root, "server", "db", "generated-postgresql") },
];

/** The schema text for one provider, generating into that provider's client folder. */
export function schemaFor(text, provider, output) {
  const providerRe = /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*")[^"]*(")/;
  const outputRe = /(generator\s+client\s*\{[^}]*?output\s*=\s*")[^"]*(")/;
  if (!providerRe.test(text) || !outputRe.test(text)) throw new Error("prisma/schema.prisma: no datasource provider or generator output found");
  return text.replace(providerRe, `$1${provider}$2`).replace(outputRe, `$1${output.replaceAll("\\", "/")}$2`);
}

/** The schema a generated client was built from (Prisma embeds it), or null. */
function embeddedSchema(output) {
  const file = path.join(output, "internal", "class.ts");
  if (!existsSync(file)) return null;
  const m = /"inlineSchema":\s*("(?:[^"\\]|\\.)*")/.exec(readFileSync(file, "utf8"));
  return m ? JSON.parse(m[1]) : null;
}

/** Models and datasource of a schema, ignoring comments and the generator's output path. */
function essence(text) {
  return text
    .replace(/(generator\s+client\s*\{[^}]*?output\s*=\s*")[^"]*(")/, "$1$2")
    .split("\n")
    .map((l) =>
      l
        .replace(/\s*\/\/.*$/, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter(Boolean)
    .join("\n");
}

function generate() {
  const source = readFileSync(schemaFile, "utf8");
  const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-db-generate-"));
  try {
    for (const { provider, output } of CLIENTS) {
      const file = path.join(tmp, `schema.${provider}.prisma`);
      writeFileSync(file, schemaFor(source, provider, output));
      // generate reads only the schema; the URL is never opened, but must suit the provider
      const url = provider === "sqlite" ? `file:${path.join(tmp, "unused.db")}` : "postgresql://unused@127.0.0.1:1/unused";
      const r = spawnSync(process.execPath, [prismaCli, "generate", "--schema", file], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`prisma generate (${provider}) failed:\n${r.stdout}${r.stderr}`);
      console.log(`db-generate: ${provider} client in ${path.relative(root, output)}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function check() {
  const source = readFileSync(schemaFile, "utf8");
  const problems = [];
  for (const { provider, output } of CLIENTS) {
    const embedded = embeddedSchema(output);
    if (embedded === null) problems.push(`${path.relative(root, output)} is missing`);
    else if (essence(embedded) !== essence(schemaFor(source, provider, output))) {
      problems.push(`${path.relative(root, output)} was generated from another schema`);
    }
  }
  if (problems.length) throw new Error(`${problems.join("; ")}: run \`npm run db:generate\``);
  console.log("db-generate: both clients match prisma/schema.prisma");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv[2] === "check") check();
    else if (process.argv[2] === undefined) generate();
    else throw new Error("usage: db-generate.mjs [check]");
  } catch (e) {
    console.error(`db-generate: ${e.message}`);
    process.exitCode = 1;
  }
}
