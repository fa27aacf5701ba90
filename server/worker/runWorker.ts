/**
 * A worker process's loop: take run ids from the BullMQ queue, claim each run in the database
 * with a lease, execute it with the same executor as the web server, publish its events, and
 * record its end only while the lease is still this worker's. One run at a time: a worker is one
 * GPU's worth of work, so deploy one worker per GPU.
 *
 * Failures and their outcome:
 * - this process dies mid-run: its lease runs out; BullMQ hands the job to another worker (or the
 *   web server puts it back), which retries the run once or records it failed (runLeases.ts);
 * - Redis goes away: the run in progress goes on and is recorded in the database; BullMQ's
 *   bookkeeping for it is lost with Redis and the web server re-adds whatever is still queued;
 * - the lease is lost anyway (e.g. the database was unreachable for longer than the lease):
 *   the run is stopped and nothing more is recorded for it by this worker.
 */
import os from "node:os";
import { DelayedError, type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { claimRun, endLeasedRun, holdsLease, type Lease, renewLease } from "../db/runLeases";
import { CancelledError } from "../errors";
import type { RunError, RunEvent } from "../../nodes/core/runEvents";
import type { ExecutorServices, RunReport } from "../graph/executor";
import { toRunError } from "../graph/executor";
import { parseWorkflow } from "../../nodes/core/workflow";
import { providerCandidates } from "../runtime/device";
import type { WorkerInfo } from "../queue/types";
import { EventRelay } from "../queue/eventRelay";
import { idleHolder, packageNames } from "../queue/modelAffinity";
import { bullConnection, openRedis, RUN_QUEUE_NAME } from "../queue/redis";
import type { RunJob } from "../queue/runJobs";
import type { Execute } from "../queue/runQueue";
import type { QueuedRun } from "../queue/types";
import { announceWorker, listWorkers, withdrawWorker } from "../queue/workerRegistry";

export interface RunWorkerOptions {
  redisUrl: string;
  /** How this worker names itself (in the database's workerId and the worker list). */
  id: string;
  /** The executor services the runs use (models, cache, artifact store). */
  executor: ExecutorServices;
  /** Executes one run: the web server's in-process queue uses the same function. */
  execute: Execute;
  /** A run's lease; the worker renews it every third of this. */
  leaseMs?: number;
  /** How long a run without its packages waits for an idle worker that holds them. */
  handBackMs?: number;
}

const DEFAULT_LEASE_MS = 15_000;
const PRESENCE_EVERY_MS = 2_000;
/** A run is handed back at most this often (each costs handBackMs) before any worker runs it. */
const MAX_HAND_BACKS = 3;

export class RunWorker {
  private worker: Worker<RunJob, void, string> | null = null;
  private relay: EventRelay | null = null;
  private redis: Redis | null = null;
  private presence: NodeJS.Timeout | null = null;
  private running: { runId: string; controller: AbortController; lease: Lease } | null = null;
  private readonly leaseMs: number;

  constructor(private readonly o: RunWorkerOptions) {
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.guardArtifacts();
  }

  get id(): string {
    return this.o.id;
  }

  async start(): Promise<void> {
    this.redis = openRedis(this.o.redisUrl, `unclip-${this.o.id}`);
    this.relay = new EventRelay(this.o.redisUrl, this.o.id);
    await this.relay.listen({
      onControl: (m) => {
        if (m.type === "cancel" && this.running?.runId === m.runId) this.running.controller.abort();
      },
    });
    await this.announce();
    this.presence = setInterval(() => void this.announce(), PRESENCE_EVERY_MS);
    this.worker = new Worker<RunJob, void, string>(RUN_QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: bullConnection(this.o.redisUrl, "worker"),
      concurrency: 1,
      // BullMQ's lock is how it notices a dead worker; the database lease decides what happens.
      lockDuration: this.leaseMs,
      stalledInterval: Math.max(1_000, Math.floor(this.leaseMs / 2)),
      // never let BullMQ give up on a run by itself: the database lease counts attempts
      maxStalledCount: 100,
    });
    this.worker.on("error", () => {}); // Redis restarting; the worker reconnects by itself
  }

  /** Stop taking runs; the run in progress is finished first unless `abort` is set. */
  async stop(o: { abort?: boolean } = {}): Promise<void> {
    if (o.abort) this.running?.controller.abort();
    await this.worker?.close();
    if (this.presence) clearInterval(this.presence);
    if (this.redis) await withdrawWorker(this.redis, this.o.id).catch(() => {});
    await this.relay?.close();
    this.redis?.disconnect();
    this.worker = null;
  }

  describe(): WorkerInfo {
    const models = this.o.executor.models;
    return {
      id: this.o.id,
      device: `${models.pool.device} (${providerCandidates(models.pool.device)[0]})`,
      packages: packageNames(this.o.executor.modelsDir, models.loaded()),
      runId: this.running?.runId ?? null,
      host: os.hostname(),
      pid: process.pid,
      seenAt: Date.now(),
    };
  }

  private async announce(): Promise<void> {
    if (this.redis) await announceWorker(this.redis, this.describe()).catch(() => {});
  }

  private async process(job: Job<RunJob, void, string>, token?: string): Promise<void> {
    const { runId, packages } = job.data;
    if (await this.shouldHandBack(job)) {
      const wait = this.o.handBackMs ?? 200;
      await job.updateData({ ...job.data, handedBack: (job.data.handedBack ?? 0) + 1 });
      await job.moveToDelayed(Date.now() + wait, token);
      // stay out of the way while the run becomes available again, so the holder is the one to take it
      await new Promise((r) => setTimeout(r, wait * 3));
      throw new DelayedError();
    }
    const claim = await claimRun(runId, this.o.id, this.leaseMs);
    switch (claim.outcome) {
      case "ended":
        return; // cancelled, finished elsewhere, or a duplicate delivery
      case "gave_up":
        this.publish({ type: "run.failed", runId, error: { code: claim.error.code, message: claim.error.message } });
        return;
      case "held":
        // another worker holds a live lease: look again once it would have run out
        await job.moveToDelayed(claim.until.getTime() + 500, token);
        throw new DelayedError();
      case "claimed":
        await this.runClaimed(claim.run.id, claim.run.workflowSnapshot, claim.run.options, claim.lease, packages);
    }
  }

  /** Hand a run back (a few times at most) when this worker lacks its packages and an idle one holds them. */
  private async shouldHandBack(job: Job<RunJob, void, string>): Promise<boolean> {
    const { packages, handedBack = 0 } = job.data;
    if (handedBack >= MAX_HAND_BACKS || packages.length === 0 || !this.redis) return false;
    const mine = this.describe().packages;
    if (packages.every((p) => mine.includes(p))) return false;
    const workers = await listWorkers(this.redis).catch(() => []);
    return idleHolder(workers, this.o.id, packages) !== null;
  }

  private async runClaimed(runId: string, snapshot: string, options: QueuedRun["options"], lease: Lease, _packages: string[]): Promise<void> {
    const controller = new AbortController();
    this.running = { runId, controller, lease };
    let leaseLost = false;
    const renew = setInterval(
      () => {
        renewLease(lease, this.leaseMs).then(
          (held) => {
            if (!held && !controller.signal.aborted) {
              leaseLost = true;
              controller.abort();
            }
          },
          () => {}, // the database is briefly away: the next renewal tries again
        );
      },
      Math.max(200, Math.floor(this.leaseMs / 3)),
    );
    await this.announce();
    try {
      let run: QueuedRun;
      try {
        run = { id: runId, workflow: parseWorkflow(snapshot), options };
      } catch (err) {
        const error = { code: "bad_workflow", message: `the queued workflow cannot be read: ${(err as Error).message}` };
        if (await endLeasedRun(lease, { status: "failed", error: { ...error, kind: "bad_input" } })) this.publish({ type: "run.failed", runId, error });
        return;
      }
      this.publish({ type: "run.started", runId });
      let report: RunReport;
      try {
        if (controller.signal.aborted) throw new CancelledError();
        report = await this.o.execute(run, controller.signal, (e) => this.publish(e));
      } catch (err) {
        await this.idle();
        if (leaseLost) {
          console.error(`run ${runId}: this worker lost its lease; another worker has it now`);
          return;
        }
        if (err instanceof CancelledError || controller.signal.aborted) {
          const error = { code: "cancelled", message: "run cancelled", kind: "cancelled" };
          if (await endLeasedRun(lease, { status: "cancelled", error })) this.publish({ type: "run.cancelled", runId });
          return;
        }
        const error = toRunError(err);
        if (await endLeasedRun(lease, { status: "failed", error: { ...error } })) {
          const errors = (err as { errors?: RunError[] }).errors;
          this.publish({ type: "run.failed", runId, error, errors: errors?.map((e) => ({ ...e })) });
        }
        return;
      }
      await this.idle();
      const result = { ranNodes: report.ran, cachedNodes: report.cached, timings: { totalMs: report.ms, nodeMs: report.nodeMs } };
      if (await endLeasedRun(lease, { status: "finished", result })) {
        this.publish({ type: "run.finished", runId, ms: report.ms, ran: report.ran, cached: report.cached, skipped: report.skipped });
      } else {
        console.error(`run ${runId}: finished, but this worker no longer holds its lease; the result was not recorded`);
      }
    } finally {
      clearInterval(renew);
      this.running = null;
      await this.announce();
    }
  }

  /**
   * Say "idle" as soon as the work is done, before the end is recorded: whoever sees the run end
   * and queues the next one must already see this worker free, or a cold worker takes it.
   */
  private async idle(): Promise<void> {
    this.running = null;
    await this.announce();
  }

  private publish(e: RunEvent): void {
    this.relay?.publishEvent(e);
  }

  /** Artifacts are recorded only while this worker still holds the run's lease. */
  private guardArtifacts(): void {
    const executor = this.o.executor;
    const check = async (runId: string) => {
      const lease = this.running?.runId === runId ? this.running.lease : null;
      if (lease && !(await holdsLease(lease))) throw new CancelledError("this worker no longer holds the run's lease");
    };
    const saveImage = executor.saveImage.bind(executor);
    executor.saveImage = async (runId, nodeId, png, info) => {
      await check(runId);
      return saveImage(runId, nodeId, png, info);
    };
    const saveTrace = executor.saveTrace?.bind(executor);
    if (saveTrace) {
      executor.saveTrace = async (runId, nodeId, json) => {
        await check(runId);
        return saveTrace(runId, nodeId, json);
      };
    }
  }
}
