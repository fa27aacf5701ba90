/**
 * Runs executed by worker processes: a worker claims a run with a lease (a fresh token and a time
 * it must renew before), renews it while it runs, and records the end only while it still holds
 * the token. The database is the source of truth; the queue in Redis only delivers run ids.
 *
 *   queued  ──claim──▶ running (attempt 1, token A)
 *   running, lease ran out ──claim──▶ running (attempt 2, token B)   the first worker died
 *   running, lease ran out, attempts used up ──claim──▶ failed ("worker_lost")
 *
 * Every step is one UPDATE guarded by the state it expects (status, token, attempt), so two
 * workers racing for a run cannot both win, and a worker that lost its lease cannot finish a
 * run that another worker has taken over.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "../env";
import { getDb } from "./client";
import type { Prisma } from "./generated/client";
import { getRun, type RunErrorInfo, type RunRecord, type RunResult, type RunStatus } from "./runs";

/** A run is started at most this many times: a run whose worker died is retried once. */
export const MAX_ATTEMPTS = 2;

export interface Lease {
  runId: string;
  token: string;
  attempt: number;
  until: Date;
}

export type ClaimResult =
  | { outcome: "claimed"; run: RunRecord; lease: Lease; retry: boolean }
  /** Another worker holds a live lease on it: look again after `until`. */
  | { outcome: "held"; until: Date }
  /** It has ended (or was never there): nothing to do. */
  | { outcome: "ended"; status: RunStatus | "missing" }
  /** Its worker died on the last allowed attempt: marked failed now. */
  | { outcome: "gave_up"; error: RunErrorInfo };

/** Take a queued run, or take over a running one whose lease ran out. */
export async function claimRun(runId: string, workerId: string, leaseMs: number): Promise<ClaimResult> {
  const db = await getDb();
  for (;;) {
    const token = randomUUID();
    const now = new Date();
    const until = new Date(now.getTime() + leaseMs);
    const fresh = await db.run.updateMany({
      where: { id: runId, status: "queued" },
      data: { status: "running", attempt: { increment: 1 }, leaseToken: token, leaseUntil: until, workerId, startedAt: now },
    });
    if (fresh.count === 1) return claimed(runId, token, until, false);

    const row = await db.run.findUnique({ where: { id: runId }, select: { status: true, attempt: true, leaseToken: true, leaseUntil: true } });
    if (!row) return { outcome: "ended", status: "missing" };
    if (row.status !== "running") return { outcome: "ended", status: row.status as RunStatus };
    if (row.leaseUntil && row.leaseUntil.getTime() > now.getTime()) return { outcome: "held", until: row.leaseUntil };

    // The worker that ran it stopped renewing: it died, or lost its connections.
    const sameHolder: Prisma.RunWhereInput = { id: runId, status: "running", attempt: row.attempt, leaseToken: row.leaseToken };
    if (row.attempt < MAX_ATTEMPTS) {
      const takeover = await db.run.updateMany({
        where: sameHolder,
        data: { attempt: { increment: 1 }, leaseToken: token, leaseUntil: until, workerId, startedAt: now },
      });
      if (takeover.count === 1) {
        // What the dead attempt saved (previews) would be mixed with this attempt's results.
        await discardArtifacts(runId);
        return claimed(runId, token, until, true);
      }
    } else {
      const error: RunErrorInfo = {
        code: "worker_lost",
        message: `the worker running it stopped responding (attempt ${row.attempt} of ${MAX_ATTEMPTS}); it was not finished`,
        kind: "runtime",
      };
      const gaveUp = await db.run.updateMany({
        where: sameHolder,
        data: { status: "failed", finishedAt: now, error: JSON.stringify(error), leaseToken: null, leaseUntil: null },
      });
      if (gaveUp.count === 1) return { outcome: "gave_up", error };
    }
    // someone else changed it between the read and the write: look again
  }
}

async function claimed(runId: string, token: string, until: Date, retry: boolean): Promise<ClaimResult> {
  const run = await getRun(runId);
  const { artifacts: _artifacts, ...record } = run;
  return { outcome: "claimed", run: record, lease: { runId, token, attempt: record.attempt, until }, retry };
}

/** Extend the lease; false when it is no longer ours (taken over, cancelled, ended). */
export async function renewLease(lease: Lease, leaseMs: number): Promise<boolean> {
  const db = await getDb();
  const until = new Date(Date.now() + leaseMs);
  const r = await db.run.updateMany({ where: { id: lease.runId, status: "running", leaseToken: lease.token }, data: { leaseUntil: until } });
  if (r.count === 1) lease.until = until;
  return r.count === 1;
}

/** Record the end of a leased run; false when the lease was lost (the result is not recorded). */
export async function endLeasedRun(
  lease: Lease,
  end: { status: "finished"; result: RunResult } | { status: "failed" | "cancelled"; error: RunErrorInfo; result?: RunResult },
): Promise<boolean> {
  const db = await getDb();
  const data: Prisma.RunUpdateManyMutationInput = { status: end.status, finishedAt: new Date(), leaseUntil: null };
  const result = end.result ?? {};
  if (result.ranNodes) data.ranNodes = JSON.stringify(result.ranNodes);
  if (result.cachedNodes) data.cachedNodes = JSON.stringify(result.cachedNodes);
  if (result.timings !== undefined) data.timings = result.timings === null ? null : JSON.stringify(result.timings);
  if (end.status !== "finished") data.error = JSON.stringify(end.error);
  const r = await db.run.updateMany({ where: { id: lease.runId, status: "running", leaseToken: lease.token }, data });
  return r.count === 1;
}

/** Whether the lease is still ours (checked before an artifact is recorded). */
export async function holdsLease(lease: Lease): Promise<boolean> {
  const db = await getDb();
  return (await db.run.count({ where: { id: lease.runId, status: "running", leaseToken: lease.token } })) === 1;
}

/** Ids of queued runs, in queue order. */
export async function queuedRunIds(): Promise<string[]> {
  const db = await getDb();
  const rows = await db.run.findMany({
    where: { status: "queued" },
    // the start order (fair round first, runs.ts): jobs put back are handed over in that order
    orderBy: [{ fairRank: "asc" }, { queuePosition: "asc" }, { createdAt: "asc" }, { id: "asc" }],
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** Ids of running runs whose lease ran out (or that never had one): their worker is gone. */
export async function runsWithLapsedLease(now = new Date()): Promise<string[]> {
  const db = await getDb();
  const rows = await db.run.findMany({
    where: { status: "running", OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** Remove a run's artifact files and records (left by an attempt that did not finish). */
async function discardArtifacts(runId: string): Promise<void> {
  const db = await getDb();
  const rows = await db.artifact.findMany({ where: { runId }, select: { id: true, path: true } });
  if (rows.length === 0) return;
  await db.artifact.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
  const dataDir = getEnv().dataDir;
  for (const r of rows) await rm(path.join(dataDir, ...r.path.split("/")), { force: true });
}
