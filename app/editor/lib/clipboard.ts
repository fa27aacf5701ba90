/**
 * Copy/paste of part of a graph: the copied nodes, the links between them, and the links that
 * fed them from nodes left behind. Pasting puts fresh ids on them at the pointer (or beside the
 * originals), moved down until they overlap no node, and reconnects those incoming links when
 * their source is still in the graph (as ComfyUI's Ctrl+V does; Ctrl+Shift+V leaves them out).
 */
import { frameBox, nextGroupId } from "./groups";
import { idStem, nextLinkId, uniqueId } from "./ids";
import { shiftPoints } from "./reroute";
import type { GraphDoc, Point, StudioEdge, StudioGroup, StudioNode } from "./types";

export const CLIPBOARD_FORMAT = "unclip-studio/clipboard";

export interface ClipboardContent {
  format: typeof CLIPBOARD_FORMAT;
  nodes: StudioNode[];
  /** Links between copied nodes. */
  edges: StudioEdge[];
  /** Links from nodes that were not copied into copied ones. */
  incoming?: StudioEdge[];
  /** Frames whose members were all copied (they are pasted around the pasted members). */
  groups?: StudioGroup[];
}

export interface PasteOptions {
  /** Where the top-left corner of the pasted group goes (flow coordinates); default beside the originals. */
  at?: { x: number; y: number };
  /** Reconnect the links that fed the copied nodes from outside (default true). */
  withIncoming?: boolean;
}

/** Size of a node for placement: measured when React Flow has drawn it. */
const FALLBACK = { width: 280, height: 160 };
/** Free space kept between a pasted group and the nodes around it. */
const GAP = 24;
/** Offset of a paste with no point given (duplicate), before it is moved clear of other nodes. */
const OFFSET = 40;

export function copyNodes(doc: GraphDoc, ids: ReadonlySet<string>): ClipboardContent {
  const nodes = doc.nodes.filter((n) => ids.has(n.id)).map((n) => structuredClone({ ...n, selected: false, dragging: false }));
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => structuredClone({ ...e, selected: false }));
  const incoming = doc.edges.filter((e) => !ids.has(e.source) && ids.has(e.target)).map((e) => structuredClone({ ...e, selected: false }));
  const groups = (doc.groups ?? []).filter((g) => g.nodes.every((id) => ids.has(id))).map((g) => structuredClone({ ...g, selected: false }));
  return { format: CLIPBOARD_FORMAT, nodes, edges, incoming, ...(groups.length ? { groups } : {}) };
}

/** The shape checked on pasted text: our format marker, and node and edge lists. */
function isClipboardContent(v: unknown): v is ClipboardContent {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Partial<Record<keyof ClipboardContent, unknown>>;
  return (
    c.format === CLIPBOARD_FORMAT &&
    Array.isArray(c.nodes) &&
    Array.isArray(c.edges) &&
    (c.incoming === undefined || Array.isArray(c.incoming)) &&
    (c.groups === undefined || Array.isArray(c.groups))
  );
}

export function parseClipboard(text: string): ClipboardContent | null {
  try {
    const v: unknown = JSON.parse(text);
    return isClipboardContent(v) ? v : null;
  } catch {
    return null;
  }
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

function rectOf(n: StudioNode): Rect {
  return {
    x: n.position.x,
    y: n.position.y,
    width: n.measured?.width ?? n.width ?? FALLBACK.width,
    height: n.measured?.height ?? n.height ?? FALLBACK.height,
  };
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width + GAP && b.x < a.x + a.width + GAP && a.y < b.y + b.height + GAP && b.y < a.y + a.height + GAP;
}

/**
 * How far down to move a group whose nodes would sit at `rects` so that none overlaps `others`:
 * each time something is in the way the group moves below it, so the answer is found in at most
 * one step per node in the way.
 */
export function clearDrop(rects: readonly Rect[], others: readonly Rect[]): number {
  let dy = 0;
  for (let i = 0; i <= others.length; i++) {
    const moved = rects.map((r) => ({ ...r, y: r.y + dy }));
    let lowest = -Infinity;
    for (const o of others) for (const r of moved) if (overlaps(r, o)) lowest = Math.max(lowest, o.y + o.height + GAP - (r.y - dy));
    if (lowest === -Infinity) return dy;
    dy = Math.max(dy + 1, lowest);
  }
  return dy;
}

/**
 * New nodes and edges for pasting `clip` into `doc`: fresh ids, the group's top-left corner at
 * `at` (or offset from where it was copied), then moved down clear of the other nodes. The pasted
 * nodes come selected, everything else unselected.
 */
export function pasteInto(doc: GraphDoc, clip: ClipboardContent, options: PasteOptions = {}): GraphDoc {
  if (!clip.nodes.length) return doc;
  const { at, withIncoming = true } = options;
  // members of a collapsed frame are not drawn; its title bar stands for them
  const hiddenIds = new Set((doc.groups ?? []).filter((g) => g.collapsed).flatMap((g) => g.nodes));
  const minX = Math.min(...clip.nodes.map((n) => n.position.x));
  const minY = Math.min(...clip.nodes.map((n) => n.position.y));
  const dx = at ? at.x - minX : OFFSET;
  const dy0 = at ? at.y - minY : OFFSET;
  const rects = clip.nodes.map((n) => ({ ...rectOf(n), x: n.position.x + dx, y: n.position.y + dy0 }));
  // frames are in the way too: a pasted node dropped inside a frame it is no member of would look like one
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const frames = (doc.groups ?? []).flatMap((g) => frameBox(g, byId) ?? []);
  const dy = dy0 + clearDrop(rects, [...doc.nodes.filter((n) => !hiddenIds.has(n.id)).map(rectOf), ...frames]);

  const taken = new Set(doc.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  const pasted: StudioNode[] = clip.nodes.map((n) => {
    const id = uniqueId(idStem(n.data.type), taken);
    taken.add(id);
    rename.set(n.id, id);
    return { ...structuredClone(n), id, selected: true, position: { x: n.position.x + dx, y: n.position.y + dy } };
  });
  const linkIds = new Set(doc.edges.map((e) => e.id));
  const fresh = (e: StudioEdge, source: string, target: string, points: Point[] | undefined): StudioEdge => {
    const id = nextLinkId(linkIds);
    linkIds.add(id);
    const { points: _old, ...data } = structuredClone(e.data) ?? { portType: "*" };
    return { ...structuredClone(e), id, source, target, selected: false, data: points?.length ? { ...data, points } : data };
  };
  // a wire between pasted nodes keeps its reroute points, moved with the nodes; a wire from a node left behind gets none (they were laid out for the original)
  const pastedEdges: StudioEdge[] = clip.edges
    .filter((e) => rename.has(e.source) && rename.has(e.target))
    .map((e) => fresh(e, rename.get(e.source)!, rename.get(e.target)!, shiftPoints(e.data?.points, { x: dx, y: dy })));
  if (withIncoming) {
    const present = new Set(doc.nodes.map((n) => n.id));
    const fed = new Set(pastedEdges.map((e) => `${e.target}\u0000${e.targetHandle}`));
    for (const e of clip.incoming ?? []) {
      const target = rename.get(e.target);
      // only from nodes still in the graph, and never a second wire into one input
      if (!target || !present.has(e.source) || fed.has(`${target}\u0000${e.targetHandle}`)) continue;
      fed.add(`${target}\u0000${e.targetHandle}`);
      pastedEdges.push(fresh(e, e.source, target, undefined));
    }
  }
  const groupIds = new Set((doc.groups ?? []).map((g) => g.id));
  const pastedGroups: StudioGroup[] = [];
  for (const g of clip.groups ?? []) {
    const nodes = g.nodes.flatMap((id) => (rename.has(id) ? [rename.get(id)!] : []));
    if (!nodes.length) continue;
    const id = nextGroupId(groupIds);
    groupIds.add(id);
    pastedGroups.push({ ...structuredClone(g), id, nodes, selected: false });
  }
  return {
    nodes: [...doc.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...pasted],
    edges: [...doc.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...pastedEdges],
    groups: [...(doc.groups ?? []).map((g) => (g.selected ? { ...g, selected: false } : g)), ...pastedGroups],
  };
}
