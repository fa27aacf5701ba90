"use client";
/** The right-hand panel: the selected node's explanation, the run queue, and the problems list. */
import { useRuns } from "./state/runStore";
import { useUi, type SideTab } from "./state/uiStore";
import { InfoPanel } from "./InfoPanel";
import { QueuePanel } from "./QueuePanel";
import { ProblemsPanel } from "./ProblemsPanel";
import type { EditorActions } from "./useEditorActions";

function TabButton({ tab, label, count }: { tab: SideTab; label: string; count?: number }) {
  const current = useUi((s) => s.sideTab);
  const on = current === tab;
  return (
    <button
      type="button"
      role="tab"
      aria-selected={on}
      aria-controls={`panel-${tab}`}
      id={`tab-${tab}`}
      onClick={() => useUi.getState().setSideTab(tab)}
      className={`flex flex-1 items-center justify-center gap-1.5 border-b-2 px-2 py-2 text-xs font-medium outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-sky-400 ${
        on ? "border-sky-400 text-slate-100" : "border-transparent text-slate-400 hover:text-slate-200"
      }`}
    >
      {label}
      {count ? (
        <span className={`rounded-full px-1.5 text-[10px] leading-4 ${tab === "problems" ? "bg-red-500/80 text-white" : "bg-slate-700 text-slate-200"}`}>
          {count}
        </span>
      ) : null}
    </button>
  );
}

export function SidePanel({ actions }: { actions: EditorActions }) {
  const tab = useUi((s) => s.sideTab);
  const open = useUi((s) => s.panelOpen);
  const problems = useUi((s) => s.problems.length);
  const runError = useRuns((s) => (s.focusRunId && s.runs[s.focusRunId]?.status === "failed" ? 1 : 0));
  const active = useRuns((s) => Object.values(s.runs).filter((r) => r.status === "queued" || r.status === "running").length);
  if (!open) {
    return (
      <button
        type="button"
        onClick={() => useUi.getState().setPanelOpen(true)}
        aria-label="Show the side panel"
        title="Show the side panel"
        className="absolute right-3 top-3 z-10 rounded-md border border-slate-700 bg-slate-900/90 px-2.5 py-1 text-xs text-slate-200 shadow outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
      >
        « Panel{problems + runError ? ` (${problems + runError} problems)` : ""}
      </button>
    );
  }
  return (
    <aside className="flex h-full w-[320px] flex-none flex-col border-l border-slate-800 bg-slate-900/80" aria-label="Side panel">
      <div role="tablist" className="flex border-b border-slate-800">
        <TabButton tab="info" label="Info" />
        <TabButton tab="queue" label="Queue" count={active} />
        <TabButton tab="problems" label="Problems" count={problems + runError} />
        <button
          type="button"
          onClick={() => useUi.getState().setPanelOpen(false)}
          aria-label="Hide the side panel"
          title="Hide the side panel"
          className="flex-none border-b-2 border-transparent px-2.5 text-sm text-slate-500 outline-none hover:text-slate-200 focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-sky-400"
        >
          »
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "info" && <InfoPanel />}
        {tab === "queue" && <QueuePanel actions={actions} />}
        {tab === "problems" && <ProblemsPanel />}
      </div>
    </aside>
  );
}
