/**
 * Auto-layout with dagre: left to right in the direction data flows, using measured node sizes;
 * pinned nodes stay put. Members of a frame are laid out together (a dagre cluster per frame),
 * so frames, whose boxes follow their members, do not end up across each other; each member
 * gets room above it for its frame's title bar.
 */
import dagre, { type GraphLabel, type NodeLabel } from "@dagrejs/dagre";
import { FRAME_PADDING, FRAME_TITLE_HEIGHT } from "./groups";
import type { GraphDoc } from "./types";

const DEFAULT_SIZE = { width: 280, height: 160 };

export function layoutGraph(doc: GraphDoc, options: { nodeGap?: number; rankGap?: number } = {}): GraphDoc {
  const groups = doc.groups ?? [];
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, object>({ compound: groups.length > 0 });
  // frames need their padding on both sides and a title bar between neighbours
  const frameRoom = groups.length ? 2 * FRAME_PADDING + FRAME_TITLE_HEIGHT : 0;
  g.setGraph({
    rankdir: "LR",
    nodesep: (options.nodeGap ?? 40) + frameRoom,
    ranksep: (options.rankGap ?? 60) + 2 * (groups.length ? FRAME_PADDING : 0),
    marginx: 0,
    marginy: 0,
  });
  g.setDefaultEdgeLabel(() => ({}));
  const size = (n: GraphDoc["nodes"][number]) => ({
    width: n.measured?.width ?? n.width ?? DEFAULT_SIZE.width,
    height: n.measured?.height ?? n.height ?? DEFAULT_SIZE.height,
  });
  for (const n of doc.nodes) g.setNode(n.id, size(n));
  const present = new Set(doc.nodes.map((n) => n.id));
  for (const grp of groups) {
    const cluster = `\u0000group:${grp.id}`;
    g.setNode(cluster, { width: 0, height: 0 });
    for (const id of grp.nodes) if (present.has(id)) g.setParent(id, cluster);
  }
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
