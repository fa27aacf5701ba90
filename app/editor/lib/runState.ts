/**
 * What the editor knows about runs, folded from the server's event stream (runs.events): each
 * run's status and each node's live state (queued, running with steps and a preview, cached,
 * done with its time and outputs, error with its message and port).
 */
import type { SkippedNode } from "../../../nodes/core/nodeModes";
import type { RunError, RunEvent } from "../../../nodes/core/runEvents";

export interface ArtifactImage {
  id: string;
  url: string;
  width: number;
  height: number;
  kind: string;
}

/** What a node shows after it ran: images and a one-line text (see NodeResult.ui). */
export interface NodeUi {
  images?: ArtifactImage[];
  text?: string;
  /** Where the node's teaching trace is, when the run recorded one. */
  trace?: { id: string; url: string };
}

export type LiveNodeState =
  | { state: "queued" }
  | { state: "running"; step?: number; steps?: number; preview?: string }
  | { state: "cached"; ui?: NodeUi }
  | { state: "done"; ms: number; ui?: NodeUi }
  | { state: "error"; message: string; port?: string };

export type RunStatus = "queued" | "running" | "finished" | "failed" | "cancelled";

export interface RunView {
  runId: string;
  status: RunStatus;
  nodes: Record<string, LiveNodeState>;
  error?: RunError;
  ms?: number;
  /** Nodes the run skipped (bypassed, muted, or needing a muted node). */
  skipped?: SkippedNode[];
  /** A sweep's cells done of its total, and the grid once it is stored. */
  sweep?: { done: number; total: number; label?: string; grid?: ArtifactImage; gridNode?: string };
}

export interface RunsState {
  runs: Record<string, RunView>;
}

/** The first event of the stream: runs queued or running on the server right now. */
export interface SnapshotEvent {
  type: "snapshot";
  active: unknown[];
  current: string | null;
}

export type StreamEvent = RunEvent | SnapshotEvent;

const KEEP_RUNS = 30;

export function emptyRuns(): RunsState {
  return { runs: {} };
}

function asUi(ui: unknown): NodeUi | undefined {
  if (typeof ui !== "object" || ui === null) return undefined;
  const u = ui as Record<string, unknown>;
  const images = Array.isArray(u.images) ? (u.images as ArtifactImage[]).filter((i) => typeof i?.url === "string") : undefined;
  const trace =
    typeof u.trace === "object" && u.trace !== null && typeof (u.trace as { url?: unknown }).url === "string"
      ? (u.trace as { id: string; url: string })
      : undefined;
  return {
    ...(images?.length ? { images } : {}),
    ...(typeof u.text === "string" ? { text: u.text } : {}),
    ...(trace ? { trace: { id: trace.id, url: trace.url } } : {}),
  };
}

function isRunView(v: unknown): v is RunView {
  return typeof v === "object" && v !== null && typeof (v as RunView).runId === "string" && typeof (v as RunView).nodes === "object";
}

function withRun(s: RunsState, runId: string, change: (r: RunView) => RunView): RunsState {
  const prev = s.runs[runId] ?? { runId, status: "queued" as const, nodes: {} };
  const runs = { ...s.runs, [runId]: change(prev) };
  const ids = Object.keys(runs);
  // forget the oldest runs (object keys keep insertion order)
  for (const id of ids.slice(0, Math.max(0, ids.length - KEEP_RUNS))) delete runs[id];
  return { runs };
}

function setNode(r: RunView, nodeId: string, state: LiveNodeState): RunView {
  return { ...r, nodes: { ...r.nodes, [nodeId]: state } };
}

/** A run queued from this editor: its nodes show "queued" until the server reaches them. */
export function markQueued(s: RunsState, runId: string, nodeIds: readonly string[]): RunsState {
  // a run that was all cached can end before the request that queued it returns: nothing is left to wait for
  const status = s.runs[runId]?.status;
  if (status === "finished" || status === "failed" || status === "cancelled") return s;
  return withRun(s, runId, (r) => ({ ...r, nodes: { ...Object.fromEntries(nodeIds.map((id) => [id, { state: "queued" as const }])), ...r.nodes } }));
}

export function applyRunEvent(s: RunsState, e: StreamEvent): RunsState {
  switch (e.type) {
    case "snapshot": {
      let next = s;
      for (const a of e.active) {
        if (!isRunView(a)) continue;
        next = withRun(next, a.runId, (r) => ({ ...r, status: a.status, nodes: { ...r.nodes, ...a.nodes } }));
      }
      return next;
    }
    case "run.queued":
      return withRun(s, e.runId, (r) => ({ ...r, status: "queued" }));
    case "run.started":
      return withRun(s, e.runId, (r) => ({ ...r, status: "running" }));
    case "run.finished":
      return withRun(s, e.runId, (r) => ({
        ...r,
        status: "finished",
        ms: e.ms,
        nodes: settleQueued(r.nodes),
        ...(e.skipped?.length ? { skipped: e.skipped } : {}),
      }));
    case "run.failed":
      return withRun(s, e.runId, (r) => {
        const failed = { ...r, status: "failed" as const, error: e.error, nodes: settleQueued(r.nodes) };
        // a failure that names a node (e.g. validation at run time) shows on that node
        for (const err of e.errors?.length ? e.errors : [e.error]) {
          if (err.nodeId && failed.nodes[err.nodeId]?.state !== "error") {
            failed.nodes = { ...failed.nodes, [err.nodeId]: { state: "error", message: err.message, port: err.port } };
          }
        }
        return failed;
      });
    case "run.cancelled":
      return withRun(s, e.runId, (r) => ({ ...r, status: "cancelled", nodes: settleQueued(r.nodes) }));
    case "node.started":
      return withRun(s, e.runId, (r) => setNode(r, e.nodeId, { state: "running" }));
    case "node.progress":
      return withRun(s, e.runId, (r) => {
        const prev = r.nodes[e.nodeId];
        const preview = e.preview ?? (prev?.state === "running" ? prev.preview : undefined);
        return setNode(r, e.nodeId, { state: "running", step: e.step, steps: e.steps, preview });
      });
    case "node.cached":
      return withRun(s, e.runId, (r) => setNode(r, e.nodeId, { state: "cached", ui: asUi(e.ui) }));
    case "node.finished":
      return withRun(s, e.runId, (r) => setNode(r, e.nodeId, { state: "done", ms: e.ms, ui: asUi(e.ui) }));
    case "node.error":
      return withRun(s, e.runId, (r) => setNode(r, e.nodeId, { state: "error", message: e.message, port: e.port }));
    case "sweep.progress":
      return withRun(s, e.runId, (r) => ({ ...r, sweep: { ...r.sweep, done: e.done, total: e.total, label: e.label } }));
    case "sweep.grid": {
      const grid = asUi({ images: [e.grid] })?.images?.[0];
      if (!grid) return s;
      return withRun(s, e.runId, (r) => {
        const withGrid = { ...r, sweep: { done: r.sweep?.done ?? 0, total: r.sweep?.total ?? 0, ...r.sweep, grid, gridNode: e.nodeId } };
        // the output node shows the grid instead of the last cell's images
        const n = r.nodes[e.nodeId];
        return n?.state === "done" || n?.state === "cached" ? setNode(withGrid, e.nodeId, { ...n, ui: { ...n.ui, images: [grid] } }) : withGrid;
      });
    }
    default:
      return s;
  }
}

/** Nodes still "queued" or "running" when a run ends never ran: clear them. */
function settleQueued(nodes: RunView["nodes"]): RunView["nodes"] {
  return Object.fromEntries(Object.entries(nodes).filter(([, n]) => n.state !== "queued" && n.state !== "running"));
}

export function isActive(r: RunView | undefined): boolean {
  return r?.status === "queued" || r?.status === "running";
}
