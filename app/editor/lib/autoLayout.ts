/** Auto-layout with dagre: left to right in the direction data flows, using measured node sizes; pinned nodes stay put. */
import dagre, { type GraphLabel, type NodeLabel } from "@dagrejs/dagre";
import type { GraphDoc } from "./types";

const DEFAULT_SIZE = { width: 280, height: 160 };

export function layoutGraph(doc: GraphDoc, options: { nodeGap?: number; rankGap?: number } = {}): GraphDoc {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, object>();
  g.setGraph({ rankdir: "LR", nodesep: options.nodeGap ?? 40, ranksep: options.rankGap ?? 60, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const size = (n: GraphDoc["nodes"][number]) => ({
    width: n.measured?.width ?? n.width ?? DEFAULT_SIZE.width,
    height: n.measured?.height ?? n.height ?? DEFAULT_SIZE.height,
  });
  for (const n of doc.nodes) g.setNode(n.id, size(n));
  for (const e of doc.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const nodes = doc.nodes.map((n) => {
    // a pinned node stays where it was put
    if (n.data.pinned) return n;
    const p: NodeLabel | undefined = g.node(n.id);
    const { width, height } = size(n);
    // dagre gives centres; React Flow positions are top-left corners
    return p ? { ...n, position: { x: Math.round((p.x ?? NaN) - width / 2), y: Math.round((p.y ?? NaN) - height / 2) } } : n;
  });
  return { ...doc, nodes };
}
