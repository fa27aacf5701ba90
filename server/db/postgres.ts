/**
 * The PostgreSQL side of the database client: migrate, then a PrismaClient generated for the
 * "postgresql" provider (server/db/generated-postgresql, derived from the same schema by
 * scripts/db-generate.mjs) over the `pg` driver adapter.
 *
 * Both generated clients come from one schema, so their models and queries are the same; the
 * repositories are typed against the SQLite client and get this one under that type.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import type { PrismaClient } from "./generated/client";
import { PrismaClient as PostgresPrismaClient } from "./generated-postgresql/client";
import { migratePostgres } from "./migratePostgres";

/** Connections per process: a worker runs one run at a time, a web server serves a team. */
const POOL_SIZE = 10;

export async function openPostgresClient(connectionString: string): Promise<PrismaClient> {
  await migratePostgres(connectionString);
  const client = new PostgresPrismaClient({
    adapter: new PrismaPg({ connectionString, max: POOL_SIZE }),
    transactionOptions: { maxWait: 20_000, timeout: 30_000 },
  });
  return client as unknown as PrismaClient;
}
