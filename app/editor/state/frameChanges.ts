/**
 * React Flow reports changes for every node it draws, frames included. A frame's box follows its
 * members, so a frame "moved" by a drag means its members move by the same amount, and a frame
 * "selected" is the group's selection; everything else about frame nodes (sizes React Flow
 * measures) is derived and dropped. Changes of ordinary nodes pass through untouched.
 */
import type { NodeChange } from "@xyflow/react";
import { frameBox, frameGroupId, moveMembers } from "../lib/groups";
import type { StudioGroup, StudioNode } from "../lib/types";

/** What the frame's title bar may change. */
export type GroupPatch = Partial<Pick<StudioGroup, "title" | "color" | "collapsed">>;

export function applyFrameChanges(
  changes: readonly NodeChange[],
  nodes: StudioNode[],
  groups: StudioGroup[],
): { rest: NodeChange[]; nodes: StudioNode[]; groups: StudioGroup[] } {
  const byGroupId = new Map(groups.map((g) => [g.id, g]));
  const groupOf = (id: string) => {
    const groupId = frameGroupId(id);
    return groupId === null ? undefined : byGroupId.get(groupId);
  };
  const rest = changes.filter((c) => !("id" in c) || !groupOf(c.id));
  if (rest.length === changes.length) return { rest, nodes, groups };
  // nodes the same drag moves themselves (a frame dragged together with selected members) are not moved twice
  const movedAlone = new Set(rest.flatMap((c) => (c.type === "position" && c.position ? [c.id] : [])));
  let nextNodes = nodes;
  let nextGroups = groups;
  for (const c of changes) {
    if (!("id" in c)) continue;
    const g = groupOf(c.id);
    if (!g) continue;
    if (c.type === "select" && Boolean(g.selected) !== c.selected) {
      nextGroups = nextGroups.map((x) => (x.id === g.id ? { ...x, selected: c.selected } : x));
    } else if (c.type === "position" && c.position) {
      const box = frameBox(g, new Map(nextNodes.map((n) => [n.id, n])));
      if (box) nextNodes = moveMembers(nextNodes, g, { x: c.position.x - box.x, y: c.position.y - box.y }, movedAlone);
    }
  }
  return { rest, nodes: nextNodes, groups: nextGroups };
}
