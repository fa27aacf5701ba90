"use client";
/**
 * The wire while it is being dragged: in the colour of the port it starts from, turning red and
 * dashed with the reason over a port that refuses it.
 */
import { getBezierPath, useStore, type ConnectionLineComponentProps } from "@xyflow/react";
import { checkConnection } from "./lib/connection";
import { findPort, portColor } from "./lib/ports";
import type { CanvasNode } from "./lib/groups";
import { useGraph } from "./state/graphStore";

export function ConnectionLine({
  fromX,
  fromY,
  toX,
  toY,
  fromPosition,
  toPosition,
  fromNode,
  fromHandle,
  toNode,
  toHandle,
  connectionStatus,
}: ConnectionLineComponentProps<CanvasNode>) {
  const catalog = useGraph((s) => s.catalog);
  // the label is drawn in canvas coordinates: undo the zoom so it reads the same at any zoom
  const zoom = useStore((s) => s.transform[2]);
  // wires start only at node ports (a frame's handles take no connections), so a frame here has no type
  const fromData = "type" in fromNode.data ? fromNode.data : null;
  const fromType = fromData
    ? findPort(catalog, fromData.type, fromHandle.type === "source" ? "output" : "input", fromHandle.id, fromData.paramInputs)?.type
    : undefined;
  const [path] = getBezierPath({ sourceX: fromX, sourceY: fromY, sourcePosition: fromPosition, targetX: toX, targetY: toY, targetPosition: toPosition });
  let reason: string | null = null;
  if (connectionStatus === "invalid" && toNode && toHandle) {
    const s = useGraph.getState();
    const forward = fromHandle.type === "source";
    const verdict = checkConnection(
      forward
        ? { source: fromNode.id, sourceHandle: fromHandle.id, target: toNode.id, targetHandle: toHandle.id }
        : { source: toNode.id, sourceHandle: toHandle.id, target: fromNode.id, targetHandle: fromHandle.id },
      s,
      s.catalog,
    );
    reason = verdict.ok ? null : verdict.reason;
  }
  const invalid = connectionStatus === "invalid";
  return (
    <g className={invalid ? "studio-connection-invalid" : "studio-connection"}>
      <path d={path} fill="none" stroke={invalid ? "#ef4444" : portColor(fromType)} strokeWidth={2.5} strokeDasharray={invalid ? "6 4" : undefined} />
      {invalid && (
        <foreignObject x={toX + 12 / zoom} y={toY - 40 / zoom} width={1} height={1} style={{ overflow: "visible" }}>
          <div
            className="w-max max-w-[260px] rounded border border-red-500 bg-red-950 px-2 py-1 text-xs leading-snug text-red-100 shadow-lg"
            style={{ transform: `scale(${1 / zoom})`, transformOrigin: "0 0" }}
            role="status"
            data-testid="connection-refused"
          >
            {reason ?? "Cannot connect here"}
          </div>
        </foreignObject>
      )}
    </g>
  );
}
