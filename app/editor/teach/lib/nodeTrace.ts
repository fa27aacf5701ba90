/** The JSON a traced node leaves behind (one artifact per node and run), as the views read it. */
import type { PortSummary } from "../../../../nodes/core/portSummary";
import type { FramesTrace, StageTrace } from "../../../../nodes/core/traceFormat";

export type { FramesTrace, PortSummary, StageTrace };

export interface NodeTrace {
  format: "unclip-studio/node-trace";
  version: 1;
  runId: string;
  nodeId: string;
  /** Time the node took, tracing included. */
  ms: number;
  ports: Record<string, PortSummary | null>;
  stage?: StageTrace;
  frames?: FramesTrace;
}

export function isNodeTrace(v: unknown): v is NodeTrace {
  return typeof v === "object" && v !== null && (v as { format?: unknown }).format === "unclip-studio/node-trace";
}
