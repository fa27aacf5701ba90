/**
 * Copy/paste of part of a graph: the copied nodes with the links between them (links to nodes
 * left behind are dropped), pasted under fresh ids at an offset.
 */
import { idStem, nextLinkId, uniqueId } from "./ids";
import type { GraphDoc, StudioEdge, StudioNode } from "./types";

export const CLIPBOARD_FORMAT = "unclip-studio/clipboard";

export interface ClipboardContent {
  format: typeof CLIPBOARD_FORMAT;
  nodes: StudioNode[];
  edges: StudioEdge[];
}

export function copyNodes(doc: GraphDoc, ids: ReadonlySet<string>): ClipboardContent {
  const nodes = doc.nodes.filter((n) => ids.has(n.id)).map((n) => structuredClone({ ...n, selected: false, dragging: false }));
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => structuredClone({ ...e, selected: false }));
  return { format: CLIPBOARD_FORMAT, nodes, edges };
}

/** The shape checked on pasted text: our format marker, and node and edge lists. */
function isClipboardContent(v: unknown): v is ClipboardContent {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Partial<Record<keyof ClipboardContent, unknown>>;
  return c.format === CLIPBOARD_FORMAT && Array.isArray(c.nodes) && Array.isArray(c.edges);
}

export function parseClipboard(text: string): ClipboardContent | null {
  try {
    const v: unknown = JSON.parse(text);
    return isClipboardContent(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * New nodes and edges for pasting `clip` into `doc`: fresh ids, moved so that the copied group's
 * top-left corner lands at `at` (or shifted by a small offset when no point is given). The pasted
 * nodes come selected, everything else unselected.
 */
export function pasteInto(doc: GraphDoc, clip: ClipboardContent, at?: { x: number; y: number }): GraphDoc {
  if (!clip.nodes.length) return doc;
  const minX = Math.min(...clip.nodes.map((n) => n.position.x));
  const minY = Math.min(...clip.nodes.map((n) => n.position.y));
  const dx = at ? at.x - minX : 40;
  const dy = at ? at.y - minY : 40;
  const taken = new Set(doc.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  const pasted: StudioNode[] = clip.nodes.map((n) => {
    const id = uniqueId(idStem(n.data.type), taken);
    taken.add(id);
    rename.set(n.id, id);
    return { ...structuredClone(n), id, selected: true, position: { x: n.position.x + dx, y: n.position.y + dy } };
  });
  const linkIds = new Set(doc.edges.map((e) => e.id));
  const pastedEdges: StudioEdge[] = clip.edges
    .filter((e) => rename.has(e.source) && rename.has(e.target))
    .map((e) => {
      const id = nextLinkId(linkIds);
      linkIds.add(id);
      return { ...structuredClone(e), id, source: rename.get(e.source)!, target: rename.get(e.target)!, selected: false };
    });
  return {
    nodes: [...doc.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...pasted],
    edges: [...doc.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...pastedEdges],
  };
}
