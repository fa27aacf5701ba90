/**
 * Frames (groups) around nodes. Membership is explicit (node ids, as saved in the workflow's
 * `groups`), and a frame's box is computed from its members every time it is drawn: it always
 * hugs them, whatever moved them (a drag, auto-layout, undo). A collapsed frame is drawn as its
 * title bar at the top left of that box; its members are hidden, the wires between them too,
 * and wires that cross its border are drawn to the collapsed frame's side (so what feeds the
 * frame and what it feeds stay visible). Pure functions; the graph store applies them.
 */
import { Position, type Node } from "@xyflow/react";
import type { Box } from "./fit";
import type { GraphDoc, Point, StudioEdge, StudioGroup, StudioNode } from "./types";

/** Space between a frame's border and its members (flow pixels). */
export const FRAME_PADDING = 16;
/** Height of a frame's title bar, above its members. */
export const FRAME_TITLE_HEIGHT = 34;
/** Width of a collapsed frame (title bar only). */
export const COLLAPSED_FRAME_WIDTH = 240;
/** Handle ids of a collapsed frame: wires into its members end at "in", wires out of them start at "out". */
export const FRAME_IN = "in";
export const FRAME_OUT = "out";
/** React Flow node ids of frames; a prefix no generated node id has (ids.ts makes letters and digits only). */
const FRAME_PREFIX = "frame:";

const FALLBACK = { width: 280, height: 160 };

export type FrameNodeData = { group: StudioGroup; members: number };
export type FrameNode = Node<FrameNodeData, "frame">;
/** What the canvas draws: frames (behind) and nodes. */
export type CanvasNode = StudioNode | FrameNode;

export const frameNodeId = (groupId: string): string => FRAME_PREFIX + groupId;
/** The group a frame node stands for, or null for an ordinary node. */
export const frameGroupId = (nodeId: string): string | null => (nodeId.startsWith(FRAME_PREFIX) ? nodeId.slice(FRAME_PREFIX.length) : null);
export const isFrameNode = (n: { type?: string }): n is FrameNode => n.type === "frame";

function rectOf(n: StudioNode): Box {
  return {
    x: n.position.x,
    y: n.position.y,
    width: n.measured?.width ?? n.width ?? FALLBACK.width,
    height: n.measured?.height ?? n.height ?? FALLBACK.height,
  };
}

/** The box a frame is drawn in (expanded), or null when none of its members is in the graph. */
export function groupBox(group: StudioGroup, byId: ReadonlyMap<string, StudioNode>): Box | null {
  const rects = group.nodes.flatMap((id) => {
    const n = byId.get(id);
    return n ? [rectOf(n)] : [];
  });
  if (!rects.length) return null;
  const x = Math.min(...rects.map((r) => r.x)) - FRAME_PADDING;
  const y = Math.min(...rects.map((r) => r.y)) - FRAME_PADDING - FRAME_TITLE_HEIGHT;
  const right = Math.max(...rects.map((r) => r.x + r.width)) + FRAME_PADDING;
  const bottom = Math.max(...rects.map((r) => r.y + r.height)) + FRAME_PADDING;
  return { x, y, width: right - x, height: bottom - y };
}

/** The box a frame takes on the canvas as drawn: its title bar only when collapsed. */
export function frameBox(group: StudioGroup, byId: ReadonlyMap<string, StudioNode>): Box | null {
  const box = groupBox(group, byId);
  if (!box || !group.collapsed) return box;
  return { x: box.x, y: box.y, width: COLLAPSED_FRAME_WIDTH, height: FRAME_TITLE_HEIGHT };
}

/** Which frame each node is in. */
export function memberships(groups: readonly StudioGroup[]): Map<string, StudioGroup> {
  const of = new Map<string, StudioGroup>();
  for (const g of groups) for (const id of g.nodes) of.set(id, g);
  return of;
}

/**
 * The nodes and wires the canvas draws: a frame node per group (behind the nodes; only its title
 * bar takes the pointer), members of collapsed frames hidden, and their wires hidden or moved to
 * the collapsed frame's side.
 */
export function displayGraph(doc: GraphDoc): { nodes: CanvasNode[]; edges: StudioEdge[] } {
  const groups = doc.groups ?? [];
  if (!groups.length) return { nodes: doc.nodes, edges: doc.edges };
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const frames: FrameNode[] = [];
  for (const g of groups) {
    const box = frameBox(g, byId);
    if (!box) continue;
    frames.push({
      id: frameNodeId(g.id),
      type: "frame",
      position: { x: box.x, y: box.y },
      width: box.width,
      height: box.height,
      // the size is known, not measured: without it React Flow counts the graph as not yet measured
      // every time this node is rebuilt, and a queued fitView (jump to a node) would never run
      measured: { width: box.width, height: box.height },
      // below nodes and wires; a selected frame (+1000 in React Flow) still stays under unselected nodes' level
      zIndex: -1000,
      selected: Boolean(g.selected),
      dragHandle: ".studio-frame-drag",
      // the frame's body lets clicks through to the canvas and wires under it; its title bar takes them
      style: { pointerEvents: "none" },
      connectable: false,
      // where a collapsed frame's wires end, given rather than measured: React Flow forgets measured
      // handles whenever the node object is new, and this one is rebuilt on every change
      handles: [
        { id: FRAME_IN, type: "target", position: Position.Left, x: 0, y: FRAME_TITLE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
        { id: FRAME_OUT, type: "source", position: Position.Right, x: box.width - 1, y: FRAME_TITLE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
      ],
      data: { group: g, members: g.nodes.length },
    });
  }
  const hiddenIn = new Map<string, string>();
  for (const g of groups) if (g.collapsed) for (const id of g.nodes) hiddenIn.set(id, frameNodeId(g.id));
  if (!hiddenIn.size) return { nodes: [...frames, ...doc.nodes], edges: doc.edges };
  const nodes = doc.nodes.map((n) => (hiddenIn.has(n.id) ? { ...n, hidden: true, selected: false } : n));
  const edges = doc.edges.map((e): StudioEdge => {
    const from = hiddenIn.get(e.source);
    const to = hiddenIn.get(e.target);
    if (!from && !to) return e;
    if (from && from === to) return { ...e, hidden: true };
    // a wire crossing a collapsed frame's border: drawn to the frame, without its reroute points
    return {
      ...e,
      ...(from ? { source: from, sourceHandle: FRAME_OUT } : {}),
      ...(to ? { target: to, targetHandle: FRAME_IN } : {}),
      data: { portType: e.data?.portType ?? "*" },
      selectable: false,
    };
  });
  return { nodes: [...frames, ...nodes], edges };
}

/** Drop members that are no longer nodes of the graph, and frames left empty. */
export function pruneGroups(groups: readonly StudioGroup[], nodeIds: ReadonlySet<string>): StudioGroup[] {
  const out: StudioGroup[] = [];
  let changed = false;
  for (const g of groups) {
    const nodes = g.nodes.filter((id) => nodeIds.has(id));
    if (nodes.length !== g.nodes.length || !nodes.length) changed = true;
    if (nodes.length) out.push(nodes.length === g.nodes.length ? g : { ...g, nodes });
  }
  return changed ? out : (groups as StudioGroup[]);
}

/** A frame id not yet taken: group1, group2, … */
export function nextGroupId(taken: ReadonlySet<string>): string {
  let i = 1;
  while (taken.has(`group${i}`)) i++;
  return `group${i}`;
}

/**
 * A new frame around `ids` (a node is in one frame at most: it leaves its old frame, and a frame
 * left empty goes). The new frame comes selected, everything else unselected.
 */
export function groupNodes(doc: GraphDoc, ids: ReadonlySet<string>, title = "Group"): GraphDoc {
  const members = doc.nodes.filter((n) => ids.has(n.id)).map((n) => n.id);
  if (!members.length) return doc;
  const taken = new Set(members);
  const kept = pruneGroups(
    (doc.groups ?? []).map((g) => ({ ...g, selected: false, nodes: g.nodes.filter((id) => !taken.has(id)) })),
    new Set(doc.nodes.map((n) => n.id)),
  );
  const group: StudioGroup = { id: nextGroupId(new Set((doc.groups ?? []).map((g) => g.id))), title, nodes: members, selected: true };
  return {
    nodes: doc.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
    edges: doc.edges,
    groups: [...kept, group],
  };
}

/** Move every member of a frame by `delta`, except those in `skip` (already moved by the same drag); pinned members stay. */
export function moveMembers(nodes: StudioNode[], group: StudioGroup, delta: Point, skip: ReadonlySet<string> = new Set()): StudioNode[] {
  if (!delta.x && !delta.y) return nodes;
  const members = new Set(group.nodes);
  return nodes.map((n) =>
    members.has(n.id) && !skip.has(n.id) && !n.data.pinned ? { ...n, position: { x: n.position.x + delta.x, y: n.position.y + delta.y } } : n,
  );
}

/** Node ids selected directly or through a selected frame (copy, cut and grouping act on both). */
export function selectedNodeIds(doc: GraphDoc): Set<string> {
  const ids = new Set(doc.nodes.filter((n) => n.selected).map((n) => n.id));
  for (const g of doc.groups ?? []) if (g.selected) for (const id of g.nodes) ids.add(id);
  return ids;
}
