/**
 * The run queue's types. What the API needs from a run queue, whichever executes the runs: the in-process RunQueue
 * (one run at a time inside the web server) or the queue in Redis (BullmqRunQueue, runs executed
 * by `unclip worker` processes). Both keep the database as the record of every run and feed the
 * same EventHub, so the editor cannot tell them apart.
 */
import type { Workflow } from "../../nodes/core/workflow";
import type { EventHub } from "./eventHub";
import type { RunError } from "../../nodes/core/runEvents";
import type { RunReport } from "../graph/executor";
import type { Viewer } from "../db/ownership";
import type { RunSummary } from "../../nodes/core/runSummary";

export interface RunOptions {
  previewEvery?: number;
  trace?: boolean;
}

/** What the queue lists show of a run: its "Run ×N" group, prompt and key parameters. */
export interface RunLabel {
  batchId?: string;
  summary?: RunSummary;
}

export interface QueuedRun {
  id: string;
  workflow: Workflow;
  options: RunOptions;
}

/** Persistence the queue needs; the database repository implements it. */
export interface RunStore {
  /** Records a queued run; `fairRank` is its fair-queue round (BullMQ's job priority). */
  enqueue(input: {
    workflowId?: string | null;
    workflow: Workflow;
    options: RunOptions;
    ownerId?: string;
    label?: RunLabel;
  }): Promise<{ id: string; position: number; fairRank: number }>;
  nextQueued(): Promise<QueuedRun | null>;
  markRunning(id: string): Promise<void>;
  markFinished(id: string, report: RunReport): Promise<void>;
  markFailed(id: string, error: RunError): Promise<void>;
  markCancelled(id: string): Promise<void>;
  /** Cancel a run that is still queued; false when it is not queued. */
  cancelQueued(id: string): Promise<boolean>;
  clearQueued(): Promise<string[]>;
  /** First in the queue (a teacher), or first among the owner's own runs (a student). */
  moveToFront(id: string, viewer?: Viewer): Promise<boolean>;
  markInterruptedOnStartup(): Promise<number>;
}

/** A process that executes runs, as it describes itself. */
export interface WorkerInfo {
  id: string;
  /** The execution device it asked for ("auto", "cpu", "cuda") and what it resolved to. */
  device: string;
  /** Model packages it holds loaded (folder names inside the models directory). */
  packages: string[];
  /** The run it is executing, if any. */
  runId: string | null;
  /** Host name and process id, for operators. */
  host: string;
  pid: number;
  /** When it last said it is alive (ms since the epoch). */
  seenAt: number;
}

export interface RunQueueBackend {
  readonly hub: EventHub;
  /** Recover from a previous process and start delivering work. */
  start(): Promise<{ interrupted: number }>;
  /** `ownerId`: who queues it (default: the personal owner); runs start round-robin across owners. */
  enqueue(
    workflow: Workflow,
    options?: RunOptions,
    workflowId?: string | null,
    ownerId?: string,
    label?: RunLabel,
  ): Promise<{ runId: string; position: number }>;
  /** Cancel a queued run, or ask the process running it to stop within one denoising step. */
  cancel(runId: string): Promise<"cancelled" | "stopping" | "not_found">;
  clear(): Promise<number>;
  moveToFront(runId: string, viewer?: Viewer): Promise<boolean>;
  /** A run being executed now (the oldest, when several workers run at once), or null. */
  readonly current: string | null;
  /** The processes executing runs. */
  workers(): Promise<WorkerInfo[]>;
  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}
