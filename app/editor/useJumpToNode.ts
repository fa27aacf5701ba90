"use client";
/** Select a node and bring it into view (from the Problems list and the info panel's links). */
import { useReactFlow } from "@xyflow/react";
import { useGraph } from "./state/graphStore";

export function useJumpToNode() {
  const flow = useReactFlow();
  return (nodeId: string) => {
    if (!useGraph.getState().nodes.some((n) => n.id === nodeId)) return;
    useGraph.getState().selectOnly(nodeId);
    void flow.fitView({ nodes: [{ id: nodeId }], duration: 300, maxZoom: 1.1, padding: 0.4 });
  };
}
