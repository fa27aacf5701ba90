"use client";
/** The node menu (right-click a node): collapse, pin, bypass, mute, run to here, convert parameters to inputs and back, title colour. */
import { useEffect, useRef } from "react";
import { convertibleParams } from "../../nodes/core/paramInputs";
import { NODE_COLORS } from "../../nodes/core/workflow";
import type { NodeColor } from "./lib/types";
import { useSweepDialog } from "./sweep/SweepDialog";
import { useGraph } from "./state/graphStore";
import { useUi } from "./state/uiStore";
import type { EditorActions } from "./useEditorActions";

/** The title bar tint of each colour (Tailwind classes, so the light theme needs nothing extra). */
export const HEADER_TINT: Record<NodeColor, string> = {
  red: "bg-red-800/70",
  orange: "bg-orange-800/70",
  green: "bg-emerald-800/70",
  blue: "bg-sky-800/70",
  purple: "bg-purple-800/70",
};

const ITEM =
  "flex w-full items-center justify-between gap-4 rounded px-2.5 py-1.5 text-left text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400";

export function NodeMenu({ actions }: { actions: EditorActions }) {
  const menu = useUi((s) => s.nodeMenu);
  const node = useGraph((s) => (menu ? s.nodes.find((n) => n.id === menu.nodeId) : undefined));
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!menu) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !root.current?.contains(e.target as Node)) useUi.getState().setNodeMenu(null);
    };
    root.current?.querySelector<HTMLButtonElement>("[role=menuitem]")?.focus();
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [menu]);
  if (!menu || !node) return null;
  const g = useGraph.getState();
  const decl = g.catalog.get(node.data.type);
  const convertible = decl ? convertibleParams(decl) : [];
  const act = (f: () => void) => () => {
    f();
    useUi.getState().setNodeMenu(null);
  };
  const mode = (m: "bypass" | "mute") =>
    act(() => {
      g.selectOnly(node.id);
      useGraph.getState().toggleMode(m);
    });
  return (
    <div
      ref={root}
      role="menu"
      aria-label="Node"
      data-testid="node-menu"
      className="fixed z-50 min-w-[200px] rounded-lg border border-slate-700 bg-slate-900 p-1 shadow-2xl"
      style={{ left: menu.x, top: menu.y }}
    >
      <button type="button" role="menuitem" className={ITEM} onClick={act(() => g.setLook(node.id, { collapsed: !node.data.collapsed }))}>
        {node.data.collapsed ? "Expand" : "Collapse"}
      </button>
      <button type="button" role="menuitem" className={ITEM} onClick={act(() => g.setLook(node.id, { pinned: !node.data.pinned }))}>
        {node.data.pinned ? "Unpin" : "Pin (stays put, also on auto-layout)"}
      </button>
      <button type="button" role="menuitem" className={ITEM} onClick={mode("bypass")}>
        {node.data.mode === "bypass" ? "Stop bypassing" : "Bypass"}
        <span className="font-mono text-[11px] text-slate-500">Ctrl+B</span>
      </button>
      <button type="button" role="menuitem" className={ITEM} onClick={mode("mute")}>
        {node.data.mode === "mute" ? "Unmute" : "Mute"}
        <span className="font-mono text-[11px] text-slate-500">Ctrl+M</span>
      </button>
      <button type="button" role="menuitem" className={ITEM} onClick={act(() => void actions.run([node.id]))}>
        Run to here
        <span className="font-mono text-[11px] text-slate-500">Alt+Enter</span>
      </button>
      {decl && decl.params.length > 0 && (
        <button type="button" role="menuitem" className={ITEM} onClick={act(() => useSweepDialog.getState().show({ node: node.id }))}>
          Sweep a parameter…
        </button>
      )}
      {convertible.length > 0 && (
        <>
          <div className="my-1 border-t border-slate-700" role="separator" />
          <div className="max-h-48 overflow-y-auto" aria-label="Parameters as inputs">
            {convertible.map((p) => {
              const on = node.data.paramInputs?.includes(p.name) ?? false;
              return (
                <button key={p.name} type="button" role="menuitem" className={ITEM} onClick={act(() => g.setParamInput(node.id, p.name, !on))}>
                  {on ? `Convert ${p.label} to widget` : `Convert ${p.label} to input`}
                </button>
              );
            })}
          </div>
        </>
      )}
      <div className="my-1 border-t border-slate-700" role="separator" />
      <div className="flex items-center gap-1.5 px-2.5 py-1" aria-label="Title colour">
        {NODE_COLORS.map((c) => (
          <button
            key={c}
            type="button"
            role="menuitem"
            aria-label={`Colour ${c}`}
            aria-pressed={node.data.color === c}
            className={`h-5 w-5 rounded-full outline-none ring-offset-1 ring-offset-slate-900 focus-visible:ring-2 focus-visible:ring-sky-400 ${HEADER_TINT[c]} ${node.data.color === c ? "ring-2 ring-slate-200" : ""}`}
            onClick={act(() => g.setLook(node.id, { color: node.data.color === c ? undefined : c }))}
          />
        ))}
        <button
          type="button"
          role="menuitem"
          className="ml-1 rounded px-1 text-[11px] text-slate-400 outline-none hover:text-slate-200"
          onClick={act(() => g.setLook(node.id, { color: undefined }))}
        >
          none
        </button>
      </div>
    </div>
  );
}
