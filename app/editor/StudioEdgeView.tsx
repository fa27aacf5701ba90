"use client";
/**
 * A wire. Without reroute points it is React Flow's usual curve; with them (lib/reroute.ts) it
 * is drawn through each point, and each point is a handle: drag it to move it, double-click it
 * to remove it. Double-clicking the wire itself adds a point (Canvas.tsx).
 */
import { BaseEdge, BezierEdge, useReactFlow, useStore, type EdgeProps } from "@xyflow/react";
import { memo, useRef } from "react";
import { reroutePath } from "./lib/reroute";
import type { StudioEdge } from "./lib/types";
import { useGraph } from "./state/graphStore";

function StudioEdgeViewInner(props: EdgeProps<StudioEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, data, style, markerEnd, interactionWidth, selected } = props;
  const flow = useReactFlow();
  /** The point being dragged, and whether the drag has recorded its undo step yet. */
  const drag = useRef<{ index: number; recorded: boolean } | null>(null);
  // a point stays big enough to grab when zoomed out (about 6 screen pixels at least)
  const radius = useStore((s) => Math.min(20, Math.max(6, 6 / s.transform[2])));
  const points = data?.points;
  if (!points?.length) return <BezierEdge {...props} />;
  const stroke = typeof style?.stroke === "string" ? style.stroke : "#94a3b8";
  return (
    <>
      <BaseEdge
        id={id}
        path={reroutePath({ x: sourceX, y: sourceY }, points, { x: targetX, y: targetY })}
        style={style}
        markerEnd={markerEnd}
        interactionWidth={interactionWidth}
      />
      {points.map((p, i) => (
        <circle
          key={i}
          cx={p.x}
          cy={p.y}
          r={selected ? radius * 1.2 : radius}
          fill={stroke}
          stroke="#0f172a"
          strokeWidth={2}
          className="studio-reroute nopan nodrag"
          style={{ cursor: "move", pointerEvents: "all" }}
          data-testid={`reroute-${id}-${i}`}
          aria-label="Reroute point (drag to move, double-click to remove)"
          onPointerDown={(e) => {
            e.stopPropagation();
            e.currentTarget.setPointerCapture(e.pointerId);
            drag.current = { index: i, recorded: false };
          }}
          onPointerMove={(e) => {
            const d = drag.current;
            if (!d) return;
            const g = useGraph.getState();
            // the undo step is recorded on the first move, so a plain click leaves no empty step
            if (!d.recorded) {
              g.beginDrag();
              d.recorded = true;
            }
            g.moveLinkPoint(id, d.index, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
          }}
          onPointerUp={(e) => {
            drag.current = null;
            e.currentTarget.releasePointerCapture(e.pointerId);
          }}
          onDoubleClick={(e) => {
            e.stopPropagation();
            useGraph.getState().removeLinkPoint(id, i);
          }}
        />
      ))}
    </>
  );
}

export const StudioEdgeView = memo(StudioEdgeViewInner);
