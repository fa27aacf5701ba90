/**
 * The in-process run queue: FIFO per user and round-robin across users (runs.ts, enqueueRun), persisted through a RunStore (the database), one run at a
 * time (GPU work is serial), with cancel, clear and move-to-front. Runs left queued when the
 * process stopped are picked up again at start; runs left running are marked interrupted.
 */
import { CancelledError, isUnclipError } from "../errors";
import type { RunError } from "../../nodes/core/runEvents";
import type { RunReport } from "../graph/executor";
import { toRunError } from "../graph/executor";
import type { Workflow } from "../../nodes/core/workflow";
import type { QueuedRun, RunLabel, RunOptions, RunQueueBackend, RunStore, WorkerInfo } from "./types";
import type { EventHub } from "./eventHub";
import type { Viewer } from "../db/ownership";

export type Execute = (run: QueuedRun, signal: AbortSignal, onEvent: EventHub["emit"]) => Promise<RunReport>;

export class RunQueue implements RunQueueBackend {
  private running: { id: string; controller: AbortController } | null = null;
  private pumping: Promise<void> | null = null;
  /** Set when work may have arrived while the pump was busy, so it looks again before resting. */
  private again = false;
  private started = false;
  private stopped = false;

  constructor(
    private readonly store: RunStore,
    /** Public so that a worker process executes runs exactly as the web server does. */
    readonly execute: Execute,
    readonly hub: EventHub,
  ) {}

  /**
   * Recover from a previous process, then start working through what is queued. Runs enqueued
   * before this are only stored: starting one earlier could see it marked interrupted here.
   */
  async start(): Promise<{ interrupted: number }> {
    const interrupted = await this.store.markInterruptedOnStartup();
    this.started = true;
    this.kick();
    return { interrupted };
  }

  async enqueue(
    workflow: Workflow,
    options: RunOptions = {},
    workflowId?: string | null,
    ownerId?: string,
    label?: RunLabel,
  ): Promise<{ runId: string; position: number }> {
    const { id, position } = await this.store.enqueue({ workflowId, workflow, options, ownerId, label });
    this.hub.emit({ type: "run.queued", runId: id, position });
    this.kick();
    return { runId: id, position };
  }

  /** Cancel a queued run, or stop the running one within one denoising step. */
  async cancel(runId: string): Promise<"cancelled" | "stopping" | "not_found"> {
    if (this.running?.id === runId) {
      this.running.controller.abort();
      return "stopping";
    }
    if (await this.store.cancelQueued(runId)) {
      this.hub.emit({ type: "run.cancelled", runId });
      return "cancelled";
    }
    return "not_found";
  }

  async clear(): Promise<number> {
    const ids = await this.store.clearQueued();
    for (const runId of ids) this.hub.emit({ type: "run.cancelled", runId });
    return ids.length;
  }

  moveToFront(runId: string, viewer?: Viewer): Promise<boolean> {
    return this.store.moveToFront(runId, viewer);
  }

  get current(): string | null {
    return this.running?.id ?? null;
  }

  /** Runs execute inside this process: there are no separate workers to list. */
  workers(): Promise<WorkerInfo[]> {
    return Promise.resolve([]);
  }

  /** Resolves when the queue has nothing left to do (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running?.controller.abort();
    await this.idle();
  }

  private kick(): void {
    if (!this.started || this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.again = false;
    this.pumping = this.pump()
      .catch((err: unknown) => {
        // the store failed (database gone?): stop for now; the next enqueue or start tries again
        console.error(`run queue: ${(err as Error)?.message ?? String(err)}`);
      })
      .finally(() => {
        this.pumping = null;
        if (this.again) this.kick();
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      this.again = false;
      const run = await this.store.nextQueued();
      if (!run) {
        // an enqueue that landed while the query ran may not be in its answer
        if (this.again) continue;
        return;
      }
      const controller = new AbortController();
      this.running = { id: run.id, controller };
      try {
        try {
          await this.store.markRunning(run.id);
        } catch (err) {
          // cancelled or cleared between being picked and being started: skip it
          if (isUnclipError(err) && err.kind === "bad_input") continue;
          throw err;
        }
        this.hub.emit({ type: "run.started", runId: run.id });
        await this.runOne(run, controller);
      } finally {
        this.running = null;
      }
    }
  }

  private async runOne(run: QueuedRun, controller: AbortController): Promise<void> {
    try {
      // cancel() may have been called between picking the run and marking it running
      if (controller.signal.aborted) throw new CancelledError();
      const report = await this.execute(run, controller.signal, (e) => this.hub.emit(e));
      await this.store.markFinished(run.id, report);
      this.hub.emit({ type: "run.finished", runId: run.id, ms: report.ms, ran: report.ran, cached: report.cached, skipped: report.skipped });
    } catch (err) {
      // a failed or cancelled run leaves the queue ready for the next one
      try {
        if (err instanceof CancelledError || controller.signal.aborted) {
          await this.store.markCancelled(run.id);
          this.hub.emit({ type: "run.cancelled", runId: run.id });
        } else {
          const error = toRunError(err);
          await this.store.markFailed(run.id, error);
          const errors = (err as { errors?: RunError[] }).errors;
          this.hub.emit({ type: "run.failed", runId: run.id, error, errors: errors?.map((e) => ({ ...e })) });
        }
      } catch (storeErr) {
        console.error(`run ${run.id}: could not record its end: ${(storeErr as Error).message}`);
      }
    }
  }
}
