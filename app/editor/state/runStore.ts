/**
 * Live run state from the event stream, and which run the canvas shows: the last one queued
 * from this editor (or, after a reload, the one the server is running). Node outputs (images,
 * text) stay on their nodes until a later run replaces them, and each node keeps its last few
 * pictures (`history`, newest first) to step back through; after a reload both come back from
 * the stored artifacts (actions/resultActions.ts).
 */
import { create } from "zustand";
import { applyRunEvent, emptyRuns, markQueued, type NodeUi, type RunsState, type StreamEvent } from "../lib/runState";
import { pushResult, RESULT_HISTORY } from "../lib/resultHistory";

interface RunStoreState extends RunsState {
  focusRunId: string | null;
  /** The latest outputs each node showed, across runs. */
  outputs: Record<string, NodeUi>;
  /** Each node's last pictures, newest first (at most RESULT_HISTORY). */
  history: Record<string, NodeUi[]>;
  /** Which of its history a node shows (0: the latest). */
  historyAt: Record<string, number>;
  /** Runs this tab queued: their results land on the nodes even when another run has the focus ("Run ×N"). */
  tracked: Record<string, true>;
  /** Bumped on every event that changes the queue, so queue lists know to refetch. */
  queueVersion: number;
  apply(e: StreamEvent): void;
  queued(runId: string, nodeIds: string[]): void;
  clearOutputs(): void;
  /** Results read back from the server after a reload: fills nodes that show nothing yet. */
  restoreHistory(h: Record<string, NodeUi[]>): void;
  /** Show an older (+1) or newer (−1) result on a node. */
  stepHistory(nodeId: string, delta: number): void;
}

const shows = (ui: NodeUi | undefined): ui is NodeUi => Boolean(ui && (ui.images?.length || ui.text || ui.trace));

export const useRuns = create<RunStoreState>()((set) => ({
  ...emptyRuns(),
  focusRunId: null,
  outputs: {},
  history: {},
  historyAt: {},
  tracked: {},
  queueVersion: 0,

  apply(e) {
    set((s) => {
      const next: Partial<RunStoreState> = applyRunEvent(s, e);
      if (e.type === "snapshot" && !s.focusRunId && e.current) next.focusRunId = e.current;
      // the canvas follows this tab's runs as they start (the runs of a batch one after another)
      if (e.type === "run.started" && s.tracked[e.runId]) next.focusRunId = e.runId;
      if ((e.type === "node.finished" || e.type === "node.cached") && (e.runId === s.focusRunId || s.tracked[e.runId])) {
        const ui = next.runs![e.runId]?.nodes[e.nodeId];
        if (ui && (ui.state === "done" || ui.state === "cached") && shows(ui.ui)) {
          next.outputs = { ...s.outputs, [e.nodeId]: ui.ui };
          if (ui.ui.images?.length) {
            next.history = { ...s.history, [e.nodeId]: pushResult(s.history[e.nodeId], ui.ui) };
            next.historyAt = { ...s.historyAt, [e.nodeId]: 0 };
          }
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
      const history = { ...s.history };
      const historyAt = { ...s.historyAt };
      for (const [id, n] of Object.entries(next.runs[runId]?.nodes ?? {})) {
        if ((n.state === "done" || n.state === "cached") && shows(n.ui)) {
          outputs[id] = n.ui;
          if (n.ui.images?.length) {
            history[id] = pushResult(history[id], n.ui);
            historyAt[id] = 0;
          }
        }
      }
      const tracked = Object.fromEntries([...Object.keys(s.tracked).slice(-(RESULT_HISTORY * 4)), runId].map((id) => [id, true as const]));
      return { ...next, focusRunId: runId, outputs, history, historyAt, tracked };
    });
  },

  clearOutputs() {
    set({ outputs: {}, history: {}, historyAt: {}, focusRunId: null });
  },

  restoreHistory(h) {
    set((s) => {
      const outputs = { ...s.outputs };
      const history = { ...s.history };
      for (const [nodeId, list] of Object.entries(h)) {
        if (!list.length || history[nodeId]?.length) continue; // a result of this session wins
        history[nodeId] = list.slice(0, RESULT_HISTORY);
        if (!shows(outputs[nodeId])) outputs[nodeId] = list[0];
      }
      return { outputs, history };
    });
  },

  stepHistory(nodeId, delta) {
    set((s) => {
      const n = s.history[nodeId]?.length ?? 0;
      if (!n) return {};
      const at = Math.min(n - 1, Math.max(0, (s.historyAt[nodeId] ?? 0) + delta));
      return { historyAt: { ...s.historyAt, [nodeId]: at } };
    });
  },
}));
