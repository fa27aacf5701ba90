/** Progress events of runs, streamed to the editor (SSE) and the CLI. */
import type { SkippedNode } from "./nodeModes";

export interface RunError {
  code: string;
  message: string;
  nodeId?: string;
  port?: string;
  param?: string;
}

export type RunEvent =
  | { type: "run.queued"; runId: string; position: number }
  | { type: "run.started"; runId: string }
  | { type: "run.finished"; runId: string; ms: number; ran: string[]; cached: string[]; skipped?: SkippedNode[] }
  | { type: "run.failed"; runId: string; error: RunError; errors?: RunError[] }
  | { type: "run.cancelled"; runId: string }
  | { type: "node.started"; runId: string; nodeId: string }
  | { type: "node.cached"; runId: string; nodeId: string; ui?: unknown }
  | { type: "node.finished"; runId: string; nodeId: string; ms: number; ui?: unknown }
  | { type: "node.progress"; runId: string; nodeId: string; step: number; steps: number; timestep?: number; preview?: string }
  | { type: "node.error"; runId: string; nodeId: string; code: string; message: string; port?: string }
  /** A sweep's progress: `done` of `total` cells finished (0 when it starts); `label` names the cell just done. */
  | { type: "sweep.progress"; runId: string; done: number; total: number; label?: string }
  /** A sweep's labelled grid, stored as an image of `nodeId` (the output node whose images it shows). */
  | { type: "sweep.grid"; runId: string; nodeId: string; grid: unknown };

export type RunEventListener = (e: RunEvent) => void;
