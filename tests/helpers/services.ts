/**
 * Redis and PostgreSQL for tests (scripts/lib/localServices.ts starts them). Tests that need them
 * use `describeWithServices`, which skips, saying why, when the binaries are missing
 * (apt-get install redis-server postgresql).
 */
import { describe, it } from "vitest";
import { HAVE_POSTGRES, HAVE_REDIS, PG_BIN } from "../../scripts/lib/localServices";

export { freePort, HAVE_POSTGRES, HAVE_REDIS, startPostgres, startRedis, type TestPostgres, type TestRedis } from "../../scripts/lib/localServices";

/** `describe` that skips, with the reason, when Redis or PostgreSQL binaries are missing. */
export function describeWithServices(name: string, needs: { redis?: boolean; postgres?: boolean }, body: () => void): void {
  const missing = [needs.redis && !HAVE_REDIS ? "redis-server (apt-get install redis-server)" : null, needs.postgres && !HAVE_POSTGRES ? `PostgreSQL in ${PG_BIN} (apt-get install postgresql)` : null].filter(Boolean);
  if (missing.length === 0) describe(name, body);
  else describe.skip(`${name} [${missing.join(" and ")} not found: skipped]`, () => it("needs the services", () => {}));
}
