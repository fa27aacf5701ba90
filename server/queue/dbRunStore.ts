/** The run queue's persistence on the database (server/db/runs.ts). */
import { isUnclipError } from "../errors";
import type { RunReport } from "../graph/executor";
import { parseWorkflow, WorkflowFormatError } from "../../nodes/core/workflow";
import * as runs from "../db/runs";
import type { QueuedRun, RunStore } from "./types";

/** Run a guarded transition; false when the run is not in a state that allows it (or unknown). */
async function ifAllowed(action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (err) {
    // the repository refuses with an InputError (run_state, run_not_found, bad id); the state may
    // have changed since the caller looked, e.g. the queue started the run a moment ago
    if (isUnclipError(err) && err.kind === "bad_input") return false;
    throw err;
  }
}

export const dbRunStore: RunStore = {
  async enqueue({ workflowId, workflow, options, ownerId, label }) {
    const r = await runs.enqueueRun({
      workflowId: workflowId ?? null,
      ownerId,
      batchId: label?.batchId ?? null,
      summary: label?.summary,
      snapshot: JSON.stringify(workflow),
      options: { previewEvery: options.previewEvery, trace: options.trace },
    });
    const pending = await runs.listPendingRuns();
    return { id: r.id, position: pending.findIndex((p) => p.id === r.id), fairRank: r.fairRank };
  },
  async nextQueued(): Promise<QueuedRun | null> {
    for (;;) {
      const r = await runs.nextQueuedRun();
      if (!r) return null;
      try {
        return { id: r.id, workflow: parseWorkflow(r.workflowSnapshot), options: { previewEvery: r.options.previewEvery, trace: r.options.trace } };
      } catch (err) {
        if (!(err instanceof WorkflowFormatError)) throw err;
        // A snapshot this version cannot read (written by a newer app, or damaged) would stay at
        // the head of the queue and block it: fail that run and look at the next one.
        await ifAllowed(() =>
          runs.markFailed(r.id, { code: "bad_workflow", message: `the queued workflow cannot be read: ${err.message}`, kind: "bad_input" }),
        );
      }
    }
  },
  async markRunning(id) {
    await runs.markRunning(id);
  },
  async markFinished(id, report: RunReport) {
    await runs.markFinished(id, { ranNodes: report.ran, cachedNodes: report.cached, timings: { totalMs: report.ms, nodeMs: report.nodeMs } });
  },
  async markFailed(id, error) {
    await runs.markFailed(id, { ...error });
  },
  async markCancelled(id) {
    await runs.markCancelled(id);
  },
  cancelQueued: (id) => ifAllowed(() => runs.cancelQueuedRun(id)),
  async clearQueued() {
    // one guarded transition per run, so the ids returned are exactly the runs this call cancelled
    const cleared: string[] = [];
    for (const p of await runs.listPendingRuns()) {
      if (await ifAllowed(() => runs.cancelQueuedRun(p.id))) cleared.push(p.id);
    }
    return cleared;
  },
  moveToFront: (id, viewer) => ifAllowed(() => runs.moveRunToFront(id, viewer)),
  markInterruptedOnStartup: () => runs.markInterruptedOnStartup(),
};
