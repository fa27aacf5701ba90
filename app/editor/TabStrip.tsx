"use client";
/** The open workflows as tabs above the canvas: switch, open a new one (+), close (×, asking about unsaved changes). */
import { showInUrl } from "./actions/context";
import { isDirty, useGraph } from "./state/graphStore";
import { useTabs } from "./state/tabsStore";
import { askConfirm } from "./state/uiStore";

function followUrl(): void {
  const id = useGraph.getState().workflow.id;
  showInUrl(id ? { w: id } : null);
}

export function TabStrip() {
  const order = useTabs((s) => s.order);
  const active = useTabs((s) => s.active);
  const aside = useTabs((s) => s.aside);
  const activeName = useGraph((s) => s.workflow.name);
  const activeDirty = useGraph((s) => isDirty(s) && s.nodes.length > 0);
  const close = async (id: number) => {
    const t = id === active ? useGraph.getState() : aside[id]?.graph;
    if (t && isDirty(t) && t.nodes.length && !(await askConfirm("Unsaved changes", `Close “${t.workflow.name}” without saving?`, "Close", true))) return;
    useTabs.getState().close(id);
    followUrl();
  };
  return (
    <div
      role="tablist"
      aria-label="Open workflows"
      className="flex h-8 flex-none items-end gap-0.5 overflow-x-auto border-b border-slate-800 bg-slate-900/60 px-1"
      data-testid="tabs"
    >
      {order.map((id) => {
        const on = id === active;
        const name = on ? activeName : (aside[id]?.graph.workflow.name ?? "Untitled");
        const g = aside[id]?.graph;
        const dirty = on ? activeDirty : Boolean(g && isDirty(g) && g.nodes.length);
        return (
          <div
            key={id}
            className={`flex max-w-[220px] items-center gap-1 rounded-t-md border border-b-0 px-2 text-xs ${on ? "border-slate-700 bg-slate-950 text-slate-100" : "border-transparent text-slate-400 hover:text-slate-200"}`}
          >
            <button
              type="button"
              role="tab"
              aria-selected={on}
              className="flex min-w-0 items-center gap-1.5 py-1 outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
              onClick={() => {
                useTabs.getState().switchTo(id);
                followUrl();
              }}
              title={name}
            >
              <span className="truncate">{name}</span>
              {dirty && <span aria-label="unsaved" className="h-1.5 w-1.5 flex-none rounded-full bg-amber-400" />}
            </button>
            <button
              type="button"
              aria-label={`Close ${name}`}
              className="rounded px-0.5 text-slate-500 outline-none hover:text-slate-200 focus-visible:ring-2 focus-visible:ring-sky-400"
              onClick={() => void close(id)}
            >
              ×
            </button>
          </div>
        );
      })}
      <button
        type="button"
        aria-label="New tab"
        title="Open a new, empty workflow in a tab"
        className="mb-0.5 rounded px-2 py-0.5 text-sm text-slate-400 outline-none hover:bg-slate-800 hover:text-slate-200 focus-visible:ring-2 focus-visible:ring-sky-400"
        onClick={() => {
          useTabs.getState().open();
          followUrl();
        }}
      >
        +
      </button>
    </div>
  );
}
