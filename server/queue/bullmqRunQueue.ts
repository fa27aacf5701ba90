/**
 * The run queue when REDIS_URL is set: the web server records runs in the database and hands
 * them to worker processes (`unclip worker`) through a BullMQ queue in Redis; the workers'
 * events come back over Redis pub/sub into this process's EventHub. The API and the editor see
 * the same RunQueueBackend and the same events as with the in-process queue.
 *
 * The database decides; Redis only delivers. A periodic pass puts back jobs Redis lost, and
 * brings the hub in line with the database for runs whose last events were lost on the way.
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { getRun, listPendingRuns, listRuns } from "../db/runs";
import type { RunEvent } from "../../nodes/core/runEvents";
import type { NodeRegistry } from "../graph/registry";
import type { Workflow } from "../../nodes/core/workflow";
import { dbRunStore } from "./dbRunStore";
import type { EventHub } from "./eventHub";
import { EventRelay } from "./eventRelay";
import { reconcileQueue } from "./reconcile";
import { bullConnection, openRedis, RUN_QUEUE_NAME } from "./redis";
import { addRunJob, jobPriority, type RunJobQueue, runJob } from "./runJobs";
import type { Viewer } from "../db/ownership";
import type { RunLabel, RunOptions, RunQueueBackend, RunStore, WorkerInfo } from "./types";
import { listWorkers } from "./workerRegistry";

export interface BullmqRunQueueOptions {
  redisUrl: string;
  hub: EventHub;
  registry: NodeRegistry;
  store?: RunStore;
  /** How often Redis and the hub are brought in line with the database. */
  reconcileEveryMs?: number;
}

/** A run that ended this long ago without its last event reaching the hub gets it from here. */
const END_EVENT_GRACE_MS = 1_000;

export class BullmqRunQueue implements RunQueueBackend {
  readonly hub: EventHub;
  private readonly store: RunStore;
  private readonly id = `web-${randomUUID().slice(0, 8)}`;
  private queue: RunJobQueue | null = null;
  private relay: EventRelay | null = null;
  private redis: Redis | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: BullmqRunQueueOptions) {
    this.hub = o.hub;
    this.store = o.store ?? dbRunStore;
  }

  /** Nothing is marked interrupted here: runs marked running may be running on workers now. */
  async start(): Promise<{ interrupted: number }> {
    this.queue = new Queue(RUN_QUEUE_NAME, { connection: bullConnection(this.o.redisUrl, "producer") });
    this.queue.on("error", () => {}); // Redis restarting: the reconcile pass catches up afterwards
    this.redis = openRedis(this.o.redisUrl, `unclip-${this.id}`);
    this.relay = new EventRelay(this.o.redisUrl, this.id);
    await this.relay.listen({ onEvent: (e) => this.hub.emit(e) });
    await this.seedHub();
    await this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.o.reconcileEveryMs ?? 2_000);
    this.timer.unref();
    return { interrupted: 0 };
  }

  async enqueue(
    workflow: Workflow,
    options: RunOptions = {},
    workflowId?: string | null,
    ownerId?: string,
    label?: RunLabel,
  ): Promise<{ runId: string; position: number }> {
    const { id, position, fairRank } = await this.store.enqueue({ workflowId, workflow, options, ownerId, label });
    this.announce({ type: "run.queued", runId: id, position });
    if (this.queue) {
      // Recorded already: if Redis is away now, the reconcile pass adds the job later.
      await addRunJob(this.queue, runJob(id, workflow, this.o.registry, fairRank)).catch((err: Error) => {
        console.error(`run ${id}: queued in the database; handing it to the workers failed (${err.message}), will retry`);
      });
    }
    return { runId: id, position };
  }

  async cancel(runId: string): Promise<"cancelled" | "stopping" | "not_found"> {
    if (await this.store.cancelQueued(runId)) {
      await this.removeJob(runId);
      this.announce({ type: "run.cancelled", runId });
      return "cancelled";
    }
    const status = await getRun(runId).then(
      (r) => r.status,
      () => null,
    );
    if (status !== "running") return "not_found";
    // the worker running it stops within one denoising step and records it cancelled
    this.relay?.publishControl({ type: "cancel", runId });
    return "stopping";
  }

  async clear(): Promise<number> {
    const ids = await this.store.clearQueued();
    for (const runId of ids) {
      await this.removeJob(runId);
      this.announce({ type: "run.cancelled", runId });
    }
    return ids.length;
  }

  async moveToFront(runId: string, viewer?: Viewer): Promise<boolean> {
    if (!(await this.store.moveToFront(runId, viewer))) return false;
    // Workers take jobs in Redis order: put this one at the head of the waiting list too.
    const job = await this.queue?.getJob(runId).catch(() => undefined);
    // A teacher's move: no priority (BullMQ takes those before prioritised jobs), at the head. A
    // student's: the fair round the database gave it, which is their earliest waiting run's.
    const state = job ? await job.getState().catch(() => "unknown") : "unknown";
    if (job && (state === "waiting" || state === "prioritized")) {
      const moved = viewer && viewer.role === "student" ? await getRun(runId).catch(() => null) : null;
      await job.changePriority(moved ? { priority: jobPriority(moved.fairRank) } : { lifo: true }).catch(() => {});
    }
    return true;
  }

  get current(): string | null {
    return this.hub.active().find((s) => s.status === "running")?.runId ?? null;
  }

  async workers(): Promise<WorkerInfo[]> {
    return this.redis ? listWorkers(this.redis) : [];
  }

  async idle(): Promise<void> {
    for (;;) {
      const busy = (await listRuns({ status: "queued", limit: 1 })).length + (await listRuns({ status: "running", limit: 1 })).length;
      if (busy === 0 && this.hub.active().length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.reconciling;
    await this.queue?.close().catch(() => {});
    await this.relay?.close();
    this.redis?.disconnect();
    this.queue = null;
    this.relay = null;
    this.redis = null;
  }

  /** Emit here and tell the other web servers. */
  private announce(e: RunEvent): void {
    this.hub.emit(e);
    this.relay?.publishEvent(e);
  }

  private async removeJob(runId: string): Promise<void> {
    // a worker that gets it anyway finds it cancelled in the database and skips it
    await this.queue?.remove(runId).catch(() => 0);
  }

  /** A (re)started web server shows what is queued and running on the workers now. */
  private async seedHub(): Promise<void> {
    const pending = await listPendingRuns();
    pending.forEach((r, position) => this.hub.emit({ type: "run.queued", runId: r.id, position }));
    for (const r of await listRuns({ status: "running", limit: 500 })) {
      this.hub.emit({ type: "run.queued", runId: r.id, position: 0 });
      this.hub.emit({ type: "run.started", runId: r.id });
    }
  }

  private reconcile(): Promise<void> {
    if (this.stopped || !this.queue) return Promise.resolve();
    this.reconciling ??= (async () => {
      try {
        await reconcileQueue(this.queue!, this.o.registry);
        await this.settleHub();
      } catch {
        // Redis or the database is away: the next pass tries again
      } finally {
        this.reconciling = null;
      }
    })();
    return this.reconciling;
  }

  /** Runs the hub still shows as queued or running whose end the database already has. */
  private async settleHub(): Promise<void> {
    for (const state of this.hub.active()) {
      const run = await getRun(state.runId).catch(() => null);
      if (!run) continue;
      if (run.status === "queued" || run.status === "running") continue;
      if (run.finishedAt && Date.now() - run.finishedAt.getTime() < END_EVENT_GRACE_MS) continue;
      if (this.hub.state(run.id)?.status !== state.status) continue; // the real event arrived meanwhile
      if (run.status === "finished") {
        const ms = Number((run.timings as { totalMs?: number } | null)?.totalMs ?? 0);
        this.hub.emit({ type: "run.finished", runId: run.id, ms, ran: run.ranNodes, cached: run.cachedNodes });
      } else if (run.status === "cancelled") {
        this.hub.emit({ type: "run.cancelled", runId: run.id });
      } else {
        const error = run.error ?? { code: run.status, message: `run ${run.status}` };
        this.hub.emit({ type: "run.failed", runId: run.id, error: { ...error } });
      }
    }
  }
}
