// Prisma CLI configuration. The JavaScript schema engine (driver adapter) lets `prisma generate`
// and `prisma migrate diff` run offline: the classic engine downloads a binary first.
// The application applies migrations itself (server/db/migrate.ts), never through this CLI.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaLibSQL } from "@prisma/adapter-libsql";

// The schema's datasource reads DATABASE_URL; without it Prisma cannot read the schema's generator
// settings and falls back to downloading the classic query engine. Its value does not matter to
// `generate` or `migrate diff`: the application passes the real URL to its driver adapter.
process.env.DATABASE_URL ??= "file:./data/unclip.db";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  adapter() {
    return Promise.resolve(new PrismaLibSQL({ url: process.env.DATABASE_URL! }));
  },
});
