"use client";
/**
 * A frame around nodes (lib/groups.ts): a tinted box behind its members with a title bar. Only
 * the title bar takes the pointer: dragging it moves the members, a click selects the frame
 * (Delete then removes the frame and keeps its nodes), double-clicking the title renames it,
 * the arrow collapses it to the title bar, the dots tint it. Handles on its sides take the wires
 * of a collapsed frame's members.
 */
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, useState } from "react";
import { NODE_COLORS } from "../../nodes/core/workflow";
import { FRAME_IN, FRAME_OUT, FRAME_TITLE_HEIGHT, type FrameNode } from "./lib/groups";
import type { NodeColor } from "./lib/types";
import { HEADER_TINT } from "./NodeMenu";
import { useGraph } from "./state/graphStore";

/** The frame's body tint and border for each colour (Tailwind classes; the light theme follows the slate scale). */
const BODY_TINT: Record<NodeColor, string> = {
  red: "border-red-500/60 bg-red-500/10",
  orange: "border-orange-500/60 bg-orange-500/10",
  green: "border-emerald-500/60 bg-emerald-500/10",
  blue: "border-sky-500/60 bg-sky-500/10",
  purple: "border-purple-500/60 bg-purple-500/10",
};

const HIDDEN_HANDLE = "!h-2 !w-2 !min-w-0 !border-0 !bg-slate-400";

function FrameTitle({ groupId, title }: { groupId: string; title: string }) {
  const [editing, setEditing] = useState(false);
  if (editing)
    return (
      <input
        autoFocus
        defaultValue={title}
        aria-label="Frame title"
        maxLength={200}
        className="nodrag min-w-0 flex-1 rounded bg-slate-950 px-1 text-sm text-slate-100 outline-none ring-1 ring-sky-400"
        onBlur={(e) => {
          useGraph.getState().setGroup(groupId, { title: e.target.value.trim() || "Group" });
          setEditing(false);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") e.currentTarget.blur();
          if (e.key === "Escape") setEditing(false);
        }}
      />
    );
  return (
    <span
      className="min-w-0 flex-1 truncate text-sm font-semibold text-slate-100"
      title="Double-click to rename; drag to move the frame and its nodes"
      data-testid={`frame-title-${groupId}`}
      onDoubleClick={(e) => {
        e.stopPropagation();
        setEditing(true);
      }}
    >
      {title}
    </span>
  );
}

function FrameViewInner({ data, selected }: NodeProps<FrameNode>) {
  const { group, members } = data;
  const g = useGraph.getState;
  return (
    <div
      className={`h-full w-full rounded-xl border-2 ${group.color ? BODY_TINT[group.color] : "border-slate-500/50 bg-slate-500/10"} ${selected ? "ring-2 ring-sky-400/70" : ""}`}
      data-testid={`frame-${group.id}`}
      data-collapsed={group.collapsed || undefined}
      data-color={group.color}
    >
      <div
        className={`studio-frame-drag flex items-center gap-1.5 px-2 ${group.collapsed ? "rounded-[10px]" : "rounded-t-[10px]"} ${group.color ? HEADER_TINT[group.color] : "bg-slate-700/80"}`}
        style={{ height: FRAME_TITLE_HEIGHT - 2, pointerEvents: "auto", cursor: "grab" }}
      >
        <button
          type="button"
          className="nodrag flex-none rounded px-1 text-xs text-slate-200 hover:bg-slate-900/40"
          aria-label={group.collapsed ? "Expand frame" : "Collapse frame"}
          aria-expanded={!group.collapsed}
          data-testid={`frame-toggle-${group.id}`}
          onClick={() => g().setGroup(group.id, { collapsed: !group.collapsed })}
        >
          {group.collapsed ? "▸" : "▾"}
        </button>
        <FrameTitle groupId={group.id} title={group.title} />
        {group.collapsed && <span className="flex-none text-[11px] text-slate-300">{members === 1 ? "1 node" : `${members} nodes`}</span>}
        {selected && (
          <span className="nodrag flex flex-none items-center gap-1" role="group" aria-label="Frame colour">
            {NODE_COLORS.map((c) => (
              <button
                key={c}
                type="button"
                aria-label={`Frame colour ${c}`}
                aria-pressed={group.color === c}
                className={`h-3.5 w-3.5 rounded-full ${HEADER_TINT[c]} ${group.color === c ? "ring-2 ring-slate-100" : ""}`}
                onClick={() => g().setGroup(group.id, { color: group.color === c ? undefined : c })}
              />
            ))}
          </span>
        )}
      </div>
      {/* the wires of a collapsed frame's members end here; invisible and unused while it is open */}
      <Handle
        type="target"
        id={FRAME_IN}
        position={Position.Left}
        isConnectable={false}
        className={`${HIDDEN_HANDLE} ${group.collapsed ? "" : "!opacity-0"}`}
        style={{ top: FRAME_TITLE_HEIGHT / 2 }}
      />
      <Handle
        type="source"
        id={FRAME_OUT}
        position={Position.Right}
        isConnectable={false}
        className={`${HIDDEN_HANDLE} ${group.collapsed ? "" : "!opacity-0"}`}
        style={{ top: FRAME_TITLE_HEIGHT / 2 }}
      />
    </div>
  );
}

export const FrameView = memo(FrameViewInner);
