"use client";
/** Select a node and bring it into view (from the Problems list, the info panel's links and the results strip). */
import { useReactFlow } from "@xyflow/react";
import { useGraph } from "./state/graphStore";

export function useJumpToNode() {
  const flow = useReactFlow();
  return (nodeId: string) => {
    const g = useGraph.getState();
    if (!g.nodes.some((n) => n.id === nodeId)) return;
    // a node hidden in a collapsed frame is shown: its frame opens
    const folded = g.groups.find((x) => x.collapsed && x.nodes.includes(nodeId));
    if (folded) g.setGroup(folded.id, { collapsed: false });
    useGraph.getState().selectOnly(nodeId);
    const fit = () => void flow.fitView({ nodes: [{ id: nodeId }], duration: 300, maxZoom: 1.1, padding: 0.4 });
    // a node just shown is measured two frames later (as the canvas's own fit waits for)
    if (folded) requestAnimationFrame(() => requestAnimationFrame(fit));
    else fit();
  };
}
