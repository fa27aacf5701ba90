/**
 * Redis and PostgreSQL for tests (scripts/lib/localServices.ts starts them). Tests that need them
 * use `describeWithServices`, which skips, saying why, when the binaries are missing
 * (apt-get install redis-server postgresql).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { HAVE_POSTGRES, HAVE_REDIS, PG_BIN, startPostgres, startRedis, type TestPostgres, type TestRedis } from "../../scripts/lib/localServices";
import { closeDb } from "../../server/db/client";
import { resetEnv } from "../../server/env";
import { createServices, type Services } from "../../server/services";

export { freePort, HAVE_POSTGRES, HAVE_REDIS, startPostgres, startRedis, type TestPostgres, type TestRedis } from "../../scripts/lib/localServices";

/** `describe` that skips, with the reason, when Redis or PostgreSQL binaries are missing. */
export function describeWithServices(name: string, needs: { redis?: boolean; postgres?: boolean }, body: () => void): void {
  const missing = [
    needs.redis && !HAVE_REDIS ? "redis-server (apt-get install redis-server)" : null,
    needs.postgres && !HAVE_POSTGRES ? `PostgreSQL in ${PG_BIN} (apt-get install postgresql)` : null,
  ].filter(Boolean);
  if (missing.length === 0) describe(name, body);
  else describe.skip(`${name} [${missing.join(" and ")} not found: skipped]`, () => it("needs the services", () => {}));
}

const STACK_ENV = ["DATA_DIR", "DATABASE_URL", "MODELS_DIR", "REDIS_URL"] as const;

export interface WebStack {
  redis: TestRedis;
  postgres: TestPostgres;
  dataDir: string;
  /** What worker processes need to join: REDIS_URL, DATABASE_URL, DATA_DIR, MODELS_DIR. */
  env: Record<string, string>;
  /** This process as the web server: services over the queue in Redis, started. */
  web: Services;
}

/**
 * Inside a describe: before all tests, Redis, PostgreSQL (a fresh database `name`), a temp data
 * directory, the environment pointing at them, and this process's services as the web server;
 * afterwards everything stopped and the environment restored. Register worker clean-up after
 * calling this, so it runs first.
 */
export function useWebStack(name: string, modelsDir: () => string): () => WebStack {
  let stack: WebStack | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    for (const k of STACK_ENV) saved[k] = process.env[k];
    const redis = await startRedis();
    const postgres = await startPostgres();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `unclip-${name}-`));
    const env = { REDIS_URL: redis.url, DATABASE_URL: await postgres.createDatabase(name), DATA_DIR: dataDir, MODELS_DIR: modelsDir() };
    Object.assign(process.env, env);
    resetEnv();
    await closeDb();
    const web = createServices();
    await web.queue.start();
    stack = { redis, postgres, dataDir, env, web };
  });
  afterAll(async () => {
    await stack?.web.queue.stop();
    await closeDb();
    for (const k of STACK_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    resetEnv();
    await stack?.redis.stop();
    await stack?.postgres.stop();
    if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!stack) throw new Error("the web stack is not started");
    return stack;
  };
}
