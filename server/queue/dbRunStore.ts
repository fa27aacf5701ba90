/** The run queue's persistence on the database (server/db/runs.ts). */
import type { RunReport } from "../graph/executor";
import { parseWorkflow } from "../graph/workflow";
import * as runs from "../db/runs";
import type { RunStore } from "./runQueue";

export const dbRunStore: RunStore = {
  async enqueue({ workflowId, workflow, options }) {
    const r = await runs.enqueueRun({ workflowId: workflowId ?? null, snapshot: JSON.stringify(workflow), options: { previewEvery: options.previewEvery, trace: options.trace } });
    const pending = await runs.listPendingRuns();
    return { id: r.id, position: pending.findIndex((p) => p.id === r.id) };
  },
  async nextQueued() {
    const r = await runs.nextQueuedRun();
    return r ? { id: r.id, workflow: parseWorkflow(r.workflowSnapshot), options: { previewEvery: r.options.previewEvery, trace: r.options.trace } } : null;
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
  async cancelQueued(id) {
    const pending = await runs.listPendingRuns();
    if (!pending.some((p) => p.id === id)) return false;
    await runs.cancelQueuedRun(id);
    return true;
  },
  async clearQueued() {
    const ids = (await runs.listPendingRuns()).map((p) => p.id);
    await runs.clearQueuedRuns();
    return ids;
  },
  async moveToFront(id) {
    const pending = await runs.listPendingRuns();
    if (!pending.some((p) => p.id === id)) return false;
    await runs.moveRunToFront(id);
    return true;
  },
  markInterruptedOnStartup: () => runs.markInterruptedOnStartup(),
};
