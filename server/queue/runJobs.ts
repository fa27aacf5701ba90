/**
 * The jobs in Redis: one per run, its job id the run id, so adding a run twice (after a
 * reconnect, from two reconcilers) is a no-op. A job carries only what the workers need before
 * they read the run from the database: its id and the model packages it loads.
 */
import type { JobsOptions, Queue } from "bullmq";
import { getRun } from "../db/runs";
import type { NodeRegistry } from "../graph/registry";
import { parseWorkflow, type Workflow } from "../../nodes/core/workflow";
import { packagesOf } from "./modelAffinity";

export interface RunJob {
  runId: string;
  packages: string[];
  /** Times a worker without the packages handed it back for one that has them. */
  handedBack?: number;
  /** The run's fair-queue round (runs.ts): the job's priority, so users take turns. */
  fairRank?: number;
}

/** BullMQ priorities run from 1 (first) to 2^21; a job without one goes before all of them. */
export function jobPriority(fairRank: number): number {
  return Math.min(Math.max(Math.trunc(fairRank), 0), 2_097_150) + 1;
}

export type RunJobQueue = Queue<RunJob, void, string>;

/** Finished jobs are removed so that a run's id can be added again if it ever needs to be. */
export function runJobOptions(runId: string, fairRank?: number): JobsOptions {
  return { jobId: runId, removeOnComplete: true, removeOnFail: true, attempts: 1, ...(fairRank === undefined ? {} : { priority: jobPriority(fairRank) }) };
}

export function runJob(runId: string, workflow: Workflow, registry: NodeRegistry, fairRank?: number): RunJob {
  return { runId, packages: packagesOf(workflow, registry), fairRank };
}

/** The job for a run as stored in the database (its packages read from the snapshot). */
export async function runJobFromDatabase(runId: string, registry: NodeRegistry): Promise<RunJob> {
  const run = await getRun(runId);
  try {
    return runJob(runId, parseWorkflow(run.workflowSnapshot), registry, run.fairRank);
  } catch {
    // unreadable: the worker that takes it records why; no package to prefer
    return { runId, packages: [], fairRank: run.fairRank };
  }
}

export async function addRunJob(queue: RunJobQueue, job: RunJob): Promise<void> {
  await queue.add("run", job, runJobOptions(job.runId, job.fairRank));
}
