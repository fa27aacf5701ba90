"use client";
/** Run the graph and cancel runs. */
import { isExecutable, type ValidationError } from "../../../nodes/core/graphRules";
import { resolveModes } from "../../../nodes/core/nodeModes";
import { paramPortType } from "../../../nodes/core/paramInputs";
import type { CatalogNode } from "../../../nodes/core/types";
import { errorMessage, validationErrorsOf } from "../../trpc/client";
import { isActive } from "../lib/runState";
import { useGraph } from "../state/graphStore";
import { useRuns } from "../state/runStore";
import { useUi } from "../state/uiStore";
import { announceEnd } from "../useRunEvents";
import { runToHere } from "../lib/runToHere";
import type { ActionContext } from "./context";
import { rememberRun } from "./resultActions";

/** Send a preview of the predicted image every this many steps. */
const PREVIEW_EVERY = 5;

function showProblems(problems: ValidationError[], notify: ActionContext["notify"]): void {
  useUi.getState().setProblems(problems);
  useUi.getState().setSideTab("problems");
  notify(`The workflow has ${problems.length} problem${problems.length > 1 ? "s" : ""}: see Problems.`, "error");
}

export function runActions({ client, notify }: ActionContext) {
  /** Queue `count` runs of the open workflow (successive seeds when more than one); with `to`, only what those nodes need. */
  async function queue(count: number, to?: string[]) {
    const g = useGraph.getState();
    if (!g.nodes.length) return notify("The canvas is empty: add nodes or open a template first.", "error");
    g.drawRandomSeeds();
    let wf = useGraph.getState().toWorkflow();
    if (to) {
      const partial = runToHere(wf, to, g.catalog);
      if (!partial) return notify("Run to here: select an output node, or a node that feeds one directly.", "error");
      // running to a node is one run, whatever sweep the workflow declares
      const { sweep: _sweep, ...single } = partial.workflow;
      wf = single;
    }
    useUi.getState().setProblems([]);
    try {
      // asked first, so that problems come back as an answer rather than a refused request
      const problems = await client.runs.check.mutate({ workflow: wf });
      if (problems.length) return showProblems(problems, notify);
      const request = { workflow: wf, workflowId: g.workflow.id, options: { previewEvery: PREVIEW_EVERY, trace: useUi.getState().traceRuns } };
      const queued = count > 1 ? (await client.runs.enqueueBatch.mutate({ ...request, count })).runs : [await client.runs.enqueue.mutate(request)];
      const skipped = new Set(resolveModes<CatalogNode>(wf, (type) => g.catalog.get(type), paramPortType).skipped.map((s) => s.nodeId));
      const runnable = wf.nodes.filter((n) => isExecutable(g.catalog.get(n.type)) && !skipped.has(n.id)).map((n) => n.id);
      // the first run of a batch has the focus; the canvas follows the others as they start
      for (const { runId } of [...queued].reverse()) {
        useRuns.getState().queued(runId, runnable);
        rememberRun(runId);
      }
      const { runId, position } = queued[0];
      const status = useRuns.getState().runs[runId]?.status;
      // a fully cached run may have ended already, before this request came back
      if (status === "finished" || status === "failed" || status === "cancelled") announceEnd(runId);
      else useUi.getState().runNotice(runId, position > 1 ? `Queued (position ${position})` : "Running…");
      if (count > 1) notify(`Queued ${count} runs with seeds following each other (one group in the queue).`, "success");
    } catch (err) {
      const problems = validationErrorsOf(err);
      if (problems) {
        showProblems(problems, notify);
      } else {
        notify(errorMessage(err), "error");
      }
    }
  }

  return {
    /** Run the workflow; with `to`, only what those nodes need ("Run to here", see lib/runToHere.ts). */
    run: (to?: string[]) => queue(1, to),

    /** "Run ×N": N runs with successive seeds, one group in the queue (nodes/core/batchSeeds.ts). */
    runBatch: (count: number) => queue(count),

    async cancel(runId?: string) {
      const id = runId ?? useRuns.getState().focusRunId;
      if (!id) return;
      try {
        const { result } = await client.runs.cancel.mutate({ id });
        if (result === "not_found") notify("That run has already ended.");
        else notify(result === "stopping" ? "Stopping the run…" : "Removed from the queue.");
      } catch (err) {
        notify(errorMessage(err), "error");
      }
    },

    canCancel(): boolean {
      const s = useRuns.getState();
      return Boolean(s.focusRunId && isActive(s.runs[s.focusRunId]));
    },
  };
}
