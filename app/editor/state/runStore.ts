/**
 * Live run state from the event stream, and which run the canvas shows: the last one queued
 * from this editor (or, after a reload, the one the server is running). Node outputs (images,
 * text) stay on their nodes until a later run replaces them.
 */
import { create } from "zustand";
import { applyRunEvent, emptyRuns, markQueued, type NodeUi, type RunsState, type StreamEvent } from "../lib/runState";

interface RunStoreState extends RunsState {
  focusRunId: string | null;
  /** The latest outputs each node showed, across runs. */
  outputs: Record<string, NodeUi>;
  /** Bumped on every event that changes the queue, so queue lists know to refetch. */
  queueVersion: number;
  apply(e: StreamEvent): void;
  queued(runId: string, nodeIds: string[]): void;
  clearOutputs(): void;
}

export const useRuns = create<RunStoreState>()((set) => ({
  ...emptyRuns(),
  focusRunId: null,
  outputs: {},
  queueVersion: 0,

  apply(e) {
    set((s) => {
      const next: Partial<RunStoreState> = applyRunEvent(s, e);
      if (e.type === "snapshot" && !s.focusRunId && e.current) next.focusRunId = e.current;
      if ((e.type === "node.finished" || e.type === "node.cached") && e.runId === s.focusRunId) {
        const ui = next.runs![e.runId]?.nodes[e.nodeId];
        if (ui && (ui.state === "done" || ui.state === "cached") && ui.ui && (ui.ui.images?.length || ui.ui.text || ui.ui.trace)) {
          next.outputs = { ...s.outputs, [e.nodeId]: ui.ui };
        }
      }
      // a sweep's grid replaces the last cell's image on the output node that made it
      if (e.type === "sweep.grid" && e.runId === s.focusRunId) {
        const grid = next.runs![e.runId]?.sweep?.grid;
        if (grid) next.outputs = { ...(next.outputs ?? s.outputs), [e.nodeId]: { images: [grid] } };
      }
      if (e.type === "snapshot" || e.type.startsWith("run.")) next.queueVersion = s.queueVersion + 1;
      return next;
    });
  },

  queued(runId, nodeIds) {
    set((s) => {
      const next = markQueued(s, runId, nodeIds);
      // a quick run (all cached) can finish before its enqueue call returns: the node results
      // that arrived while another run had the focus are this run's outputs all the same
      const outputs = { ...s.outputs };
      for (const [id, n] of Object.entries(next.runs[runId]?.nodes ?? {})) {
        if ((n.state === "done" || n.state === "cached") && n.ui && (n.ui.images?.length || n.ui.text || n.ui.trace)) outputs[id] = n.ui;
      }
      return { ...next, focusRunId: runId, outputs };
    });
  },

  clearOutputs() {
    set({ outputs: {}, focusRunId: null });
  },
}));
