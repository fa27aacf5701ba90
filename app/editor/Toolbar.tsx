"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRef } from "react";
import { useTRPC } from "../trpc/client";
import { isActive } from "./lib/runState";
import { AccountMenu, useClassUser } from "./AccountMenu";
import { BatchCount, useBatchCount } from "./BatchCount";
import { Menu } from "./Menu";
import { isDirty, useGraph } from "./state/graphStore";
import { useRuns } from "./state/runStore";
import { useUi } from "./state/uiStore";
import { useClassroom } from "./teach/classroom";
import { SweepButton } from "./sweep/SweepDialog";
import { nextTheme, useTheme } from "./theme";
import type { EditorActions } from "./useEditorActions";

const TOOL =
  "rounded-md px-2.5 py-1.5 text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400 disabled:text-slate-600 disabled:hover:bg-transparent";

function WorkflowName() {
  const name = useGraph((s) => s.workflow.name);
  const saved = useGraph((s) => s.workflow.id !== null);
  const dirty = useGraph(isDirty);
  return (
    <div className="flex min-w-0 items-center gap-2 px-2" data-testid="workflow-name">
      <span className="truncate text-sm font-medium text-slate-100" title={name}>
        {name}
      </span>
      {dirty ? (
        <span className="flex flex-none items-center gap-1 text-[11px] text-amber-300" data-testid="unsaved" title="There are changes that are not saved">
          <span aria-hidden className="h-2 w-2 rounded-full bg-amber-400" />
          {saved ? "unsaved changes" : "not saved"}
        </span>
      ) : saved ? (
        <span className="flex-none text-[11px] text-slate-500" data-testid="saved">
          saved
        </span>
      ) : null}
    </div>
  );
}

/** The teaching drawer toggle and the per-run trace switch. */
function TeachControls() {
  const open = useUi((s) => s.teachOpen);
  const trace = useUi((s) => s.traceRuns);
  return (
    <>
      <button
        type="button"
        className={`${TOOL} ${open ? "bg-slate-800" : ""}`}
        aria-pressed={open}
        onClick={() => useUi.getState().setTeachOpen(!open)}
        title="Show the teaching views under the canvas"
      >
        Teach
      </button>
      <label
        className="flex items-center gap-1 px-1.5 text-sm text-slate-300"
        title="Record every step of every node in the next runs (for the teaching views)"
      >
        <input type="checkbox" checked={trace} onChange={(e) => useUi.getState().setTraceRuns(e.target.checked)} className="accent-sky-400" />
        Trace runs
      </label>
    </>
  );
}

export function Toolbar({ actions }: { actions: EditorActions }) {
  const trpc = useTRPC();
  const templates = useQuery(trpc.workflows.templates.queryOptions());
  const classUser = useClassUser();
  const classTemplates = useQuery({ ...trpc.workflows.list.queryOptions({ scope: "templates" }), enabled: classUser !== null });
  const canUndo = useGraph((s) => s.history.past.length > 0);
  const canRedo = useGraph((s) => s.history.future.length > 0);
  const running = useRuns((s) => Boolean(s.focusRunId && isActive(s.runs[s.focusRunId])));
  const fileInput = useRef<HTMLInputElement>(null);
  const g = () => useGraph.getState();
  const theme = useTheme();
  const projector = useClassroom((s) => s.projector);
  const batch = useBatchCount((s) => s.count);

  return (
    <header className="flex h-12 flex-none items-center gap-1 border-b border-slate-800 bg-slate-900 px-2" role="toolbar" aria-label="Editor toolbar">
      <span className="mr-2 flex-none pl-1 text-sm font-semibold tracking-tight text-sky-300">unCLIP Studio</span>
      <Menu
        label="Workflow"
        items={[
          { label: "New", onSelect: () => void actions.newWorkflow() },
          { label: "Open…", onSelect: () => void actions.openDialog(), shortcut: "Ctrl+O" },
          { label: "Save", onSelect: () => void actions.save(), shortcut: "Ctrl+S", separatorBefore: true },
          { label: "Save as…", onSelect: () => void actions.saveAs(), shortcut: "Ctrl+Shift+S" },
          { label: "Rename…", onSelect: () => void actions.rename() },
          { label: "Duplicate…", onSelect: () => void actions.duplicate() },
          { label: "Delete", onSelect: () => void actions.remove(), disabled: false },
          { label: "Export JSON", onSelect: () => actions.exportJson(), separatorBefore: true },
          { label: "Export → Python (diffusers)", onSelect: () => void actions.exportPython() },
          { label: "Import JSON or PNG…", onSelect: () => fileInput.current?.click() },
          ...(classUser
            ? [
                { label: "Share with the class", onSelect: () => void actions.setSharing({ shared: true }), separatorBefore: true },
                { label: "Stop sharing", onSelect: () => void actions.setSharing({ shared: false }) },
                ...(classUser.role === "teacher"
                  ? [
                      { label: "Publish as class template", onSelect: () => void actions.setSharing({ classTemplate: true }) },
                      { label: "Withdraw class template", onSelect: () => void actions.setSharing({ classTemplate: false }) },
                    ]
                  : []),
              ]
            : []),
          { label: `Theme: ${theme.label}`, onSelect: nextTheme, separatorBefore: true },
          { label: `Projector mode: ${projector ? "on" : "off"}`, onSelect: () => useClassroom.getState().setProjector(!projector) },
        ]}
      />
      <Menu
        label="Templates"
        items={[
          ...(templates.data ?? []).map((t) => ({ label: t.name ?? "Template", onSelect: () => actions.loadTemplate(t.name ?? "") })),
          ...(classTemplates.data ?? []).map((t, i) => ({
            label: `Class: ${t.name}`,
            onSelect: () => void actions.loadClassTemplate(t.id),
            separatorBefore: i === 0,
          })),
        ]}
      />
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json,image/png"
        className="hidden"
        aria-label="Import a workflow file"
        data-testid="import-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = "";
          if (f) void actions.importFile(f);
        }}
      />
      <div className="mx-1 h-6 w-px flex-none bg-slate-800" />
      <WorkflowName />
      <div className="flex-1" />
      <button type="button" className={TOOL} onClick={() => useUi.getState().openPalette()} title="Add a node (Space or Ctrl+K)">
        + Add node
      </button>
      <button type="button" className={TOOL} disabled={!canUndo} onClick={() => g().undo()} aria-label="Undo" title="Undo (Ctrl+Z)">
        ↶
      </button>
      <button type="button" className={TOOL} disabled={!canRedo} onClick={() => g().redo()} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">
        ↷
      </button>
      <button
        type="button"
        className={TOOL}
        onClick={() => {
          g().autoLayout();
          useUi.getState().requestFit();
        }}
        title="Arrange the nodes left to right"
      >
        Auto-layout
      </button>
      <button type="button" className={TOOL} onClick={() => useUi.getState().requestFit()} title="Show the whole graph">
        Fit view
      </button>
      <SweepButton />
      <TeachControls />
      <Link href="/learn" className={TOOL} title="Step-by-step lessons on this editor, and the glossary">
        Learn
      </Link>
      <Link href="/gallery" className={TOOL}>
        Gallery
      </Link>
      <AccountMenu />
      <div className="mx-1 h-6 w-px flex-none bg-slate-800" />
      {running && (
        <button
          type="button"
          onClick={() => void actions.cancel()}
          className="rounded-md border border-red-500/60 px-3 py-1.5 text-sm text-red-200 outline-none hover:bg-red-500/15 focus-visible:ring-2 focus-visible:ring-red-400"
        >
          Cancel
        </button>
      )}
      <BatchCount />
      <button
        type="button"
        onClick={() => void (batch > 1 ? actions.runBatch(batch) : actions.run())}
        className="flex items-center gap-1.5 whitespace-nowrap rounded-md bg-sky-500 px-4 py-1.5 text-sm font-semibold text-slate-950 outline-none hover:bg-sky-400 focus-visible:ring-2 focus-visible:ring-sky-200 focus-visible:ring-offset-2 focus-visible:ring-offset-slate-900"
        title="Queue this workflow (Ctrl+Enter)"
      >
        <span aria-hidden>▶</span> {batch > 1 ? `Run ×${batch}` : "Run"}
      </button>
    </header>
  );
}
