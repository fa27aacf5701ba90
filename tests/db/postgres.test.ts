/**
 * PostgreSQL through DATABASE_URL: the migrator on a fresh and on an existing database (also with
 * several processes starting at once), the PostgreSQL client generated from the same schema, and
 * the run repositories (leases included) on a real server started for this file.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { closeDb, getDb } from "../../server/db/client";
import { migrationsDir, readMigrationFiles } from "../../server/db/migrate";
import { migratePostgres } from "../../server/db/migratePostgres";
import { claimRun, endLeasedRun, MAX_ATTEMPTS, renewLease } from "../../server/db/runLeases";
import { enqueueRun, getRun, listPendingRuns, moveRunToFront } from "../../server/db/runs";
import { createWorkflow, getWorkflow } from "../../server/db/workflows";
import { saveArtifact } from "../../server/db/artifacts";
import { resetEnv } from "../../server/env";
import { describeWithServices, startPostgres, type TestPostgres } from "../helpers/services";
import { REPO_ROOT, useTempDataDir } from "./helpers";

const dataDir = useTempDataDir({ prefix: "unclip-pg-test-" });
const committed = () => readMigrationFiles(migrationsDir("postgresql")).map((f) => f.name);
const PNG_1x1 = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC", "base64");

async function recorded(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ name: string }>('SELECT "name" FROM "_unclip_migrations" ORDER BY "name"')).rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

describeWithServices("PostgreSQL", { postgres: true }, () => {
  let server: TestPostgres;

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await closeDb();
    delete process.env.DATABASE_URL;
    resetEnv();
    await server?.stop();
  });

  it("migrations apply on a fresh database, once, with several processes starting together", async () => {
    const url = await server.createDatabase("fresh");
    const results = await Promise.all([1, 2, 3].map(() => migratePostgres(url)));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(committed());
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect(await recorded(url)).toEqual(committed());
    expect(await migratePostgres(url)).toEqual({ applied: [], alreadyApplied: committed().length });
  });

  it("migrations apply on an existing database, keeping its rows", async () => {
    const url = await server.createDatabase("existing");
    const first = mkdtempSync(path.join(os.tmpdir(), "unclip-pg-migrations-"));
    try {
      cpSync(migrationsDir("postgresql"), first, { recursive: true });
      for (const f of readdirSync(first)) if (f !== "0001_init.sql") rmSync(path.join(first, f));
      expect((await migratePostgres(url, { dir: first })).applied).toEqual(["0001_init"]);
    } finally {
      rmSync(first, { recursive: true, force: true });
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`INSERT INTO "Run" ("id","workflowSnapshot","status","queuePosition") VALUES ('old','{}','finished',1)`);
    await c.end();
    expect((await migratePostgres(url)).applied).toEqual(committed().slice(1));
    process.env.DATABASE_URL = url;
    resetEnv();
    await closeDb();
    expect(await getRun("old")).toMatchObject({ status: "finished", attempt: 0, workerId: null });
  });

  it("refuses a database with a migration this version does not know", async () => {
    const url = await server.createDatabase("newer");
    await migratePostgres(url);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`INSERT INTO "_unclip_migrations" VALUES ('9999_future', 'x', 'now')`);
    await c.end();
    await expect(migratePostgres(url)).rejects.toMatchObject({ code: "migration_unknown" });
  });

  it("the repositories work through the PostgreSQL client", async () => {
    process.env.DATABASE_URL = await server.createDatabase("repos");
    resetEnv();
    await closeDb();
    await getDb();
    const wf = await createWorkflow("On PostgreSQL", JSON.stringify({ version: 1, nodes: [], links: [] }), 1);
    expect((await getWorkflow(wf.id)).name).toBe("On PostgreSQL");
    const a = await enqueueRun({ workflowId: wf.id, snapshot: "{}" });
    const b = await enqueueRun({ snapshot: "{}" });
    await moveRunToFront(b.id);
    expect((await listPendingRuns()).map((r) => r.id)).toEqual([b.id, a.id]);
    const art = await saveArtifact({ runId: a.id, nodeId: "save", kind: "image", data: PNG_1x1 });
    expect((await getRun(a.id)).artifacts.map((x) => x.id)).toEqual([art.id]);
    expect(dataDir()).toBeTruthy();
  });

  it("leases: one claim wins, a lapsed lease is taken over once, then the run fails", async () => {
    const run = await enqueueRun({ snapshot: "{}" });
    const claims = await Promise.all([claimRun(run.id, "w1", 60_000), claimRun(run.id, "w2", 60_000)]);
    const won = claims.filter((c) => c.outcome === "claimed");
    expect(won).toHaveLength(1);
    expect(claims.filter((c) => c.outcome === "held")).toHaveLength(1);
    const first = won[0];
    if (first.outcome !== "claimed") throw new Error("unreachable");
    expect(first.lease.attempt).toBe(1);

    // its worker dies: the lease runs out
    expect(await renewLease(first.lease, -1)).toBe(true);
    const second = await claimRun(run.id, "w3", 60_000);
    expect(second).toMatchObject({ outcome: "claimed", retry: true, lease: { attempt: 2 } });
    // the first worker comes back: it may not record anything
    expect(await endLeasedRun(first.lease, { status: "finished", result: {} })).toBe(false);
    expect(await renewLease(first.lease, 60_000)).toBe(false);

    if (second.outcome !== "claimed") throw new Error("unreachable");
    expect(await renewLease(second.lease, -1)).toBe(true);
    const third = await claimRun(run.id, "w1", 60_000);
    expect(third).toMatchObject({ outcome: "gave_up", error: { code: "worker_lost" } });
    expect(MAX_ATTEMPTS).toBe(2);
    const failed = await getRun(run.id);
    expect(failed).toMatchObject({ status: "failed", attempt: 2, error: { code: "worker_lost" } });
    expect(await claimRun(run.id, "w1", 60_000)).toEqual({ outcome: "ended", status: "failed" });
  });

  it("both generated clients come from prisma/schema.prisma", () => {
    const r = spawnSync(process.execPath, ["scripts/db-generate.mjs", "check"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });
});
