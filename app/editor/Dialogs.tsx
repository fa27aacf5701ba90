"use client";
/** Modal dialogs (name prompt, confirmation, open workflow) and the notices in the corner. */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTRPC } from "../trpc/client";
import { useUi } from "./state/uiStore";
import type { EditorActions } from "./useEditorActions";

const BTN = "rounded-md px-3 py-1.5 text-sm outline-none focus-visible:ring-2 focus-visible:ring-sky-400";

function Modal({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelector<HTMLElement>("[autofocus], input, button")?.focus();
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/50" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={box}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        className="w-[440px] max-w-[92vw] rounded-xl border border-slate-700 bg-slate-900 p-4 shadow-2xl"
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <h2 className="mb-3 text-base font-semibold text-slate-100">{title}</h2>
        {children}
      </div>
    </div>
  );
}

function PromptDialog({
  title,
  label,
  initial,
  confirm,
  resolve,
}: {
  title: string;
  label: string;
  initial: string;
  confirm: string;
  resolve: (v: string | null) => void;
}) {
  const [value, setValue] = useState(initial);
  const close = (v: string | null) => {
    useUi.getState().setDialog(null);
    resolve(v);
  };
  return (
    <Modal title={title} onClose={() => close(null)}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) close(value.trim());
        }}
      >
        <label className="mb-1 block text-xs text-slate-400" htmlFor="dialog-name">
          {label}
        </label>
        <input
          id="dialog-name"
          autoFocus
          value={value}
          maxLength={200}
          onChange={(e) => setValue(e.target.value)}
          onFocus={(e) => e.target.select()}
          className="w-full rounded-md bg-slate-950 px-3 py-2 text-sm text-slate-100 outline-none ring-1 ring-slate-700 focus:ring-2 focus:ring-sky-400"
        />
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className={`${BTN} text-slate-300 hover:bg-slate-800`} onClick={() => close(null)}>
            Cancel
          </button>
          <button type="submit" disabled={!value.trim()} className={`${BTN} bg-sky-500 font-semibold text-slate-950 hover:bg-sky-400 disabled:opacity-50`}>
            {confirm}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ConfirmDialog({
  title,
  message,
  confirm,
  danger,
  resolve,
}: {
  title: string;
  message: string;
  confirm: string;
  danger?: boolean;
  resolve: (v: boolean) => void;
}) {
  const close = (v: boolean) => {
    useUi.getState().setDialog(null);
    resolve(v);
  };
  return (
    <Modal title={title} onClose={() => close(false)}>
      <p className="text-sm text-slate-300">{message}</p>
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className={`${BTN} text-slate-300 hover:bg-slate-800`} onClick={() => close(false)}>
          Cancel
        </button>
        <button
          type="button"
          autoFocus
          className={`${BTN} font-semibold ${danger ? "bg-red-500 text-white hover:bg-red-400" : "bg-sky-500 text-slate-950 hover:bg-sky-400"}`}
          onClick={() => close(true)}
        >
          {confirm}
        </button>
      </div>
    </Modal>
  );
}

function OpenDialog({ resolve, actions }: { resolve: (id: string | null) => void; actions: EditorActions }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.workflows.list.queryOptions());
  const close = (id: string | null) => {
    useUi.getState().setDialog(null);
    resolve(id);
  };
  return (
    <Modal title="Open workflow" onClose={() => close(null)}>
      {list.isLoading && <p className="text-sm text-slate-400">Loading…</p>}
      {list.data?.length === 0 && <p className="text-sm text-slate-400">No saved workflows yet. Use Workflow → Save to keep one.</p>}
      <ul className="max-h-[50vh] space-y-1 overflow-y-auto" data-testid="workflow-list">
        {list.data?.map((w) => (
          <li key={w.id} className="flex items-center gap-2">
            <button
              type="button"
              className="min-w-0 flex-1 rounded-md px-3 py-2 text-left outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
              onClick={() => close(w.id)}
            >
              <span className="block truncate text-sm text-slate-100">{w.name}</span>
              <span className="text-[11px] text-slate-500">saved {new Date(w.updatedAt).toLocaleString()}</span>
            </button>
            <button
              type="button"
              aria-label={`Delete ${w.name}`}
              className={`${BTN} flex-none text-xs text-red-300 hover:bg-red-500/15`}
              onClick={() => {
                useUi.getState().setDialog(null);
                resolve(null);
                void actions.remove(w.id);
              }}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      <div className="mt-4 flex justify-end">
        <button type="button" className={`${BTN} text-slate-300 hover:bg-slate-800`} onClick={() => close(null)}>
          Close
        </button>
      </div>
    </Modal>
  );
}

export function Dialogs({ actions }: { actions: EditorActions }) {
  const d = useUi((s) => s.dialog);
  if (!d) return null;
  if (d.kind === "prompt") return <PromptDialog key={d.title} {...d} />;
  if (d.kind === "confirm") return <ConfirmDialog key={d.title} {...d} />;
  return <OpenDialog resolve={(id) => d.resolve(id)} actions={actions} />;
}

export function Notices() {
  const notices = useUi((s) => s.notices);
  return (
    <div
      className="pointer-events-none fixed bottom-4 left-1/2 z-50 flex -translate-x-1/2 flex-col items-center gap-2"
      aria-live="polite"
      data-testid="notices"
    >
      {notices.map((n) => (
        <div
          key={n.id}
          role={n.tone === "error" ? "alert" : "status"}
          className={`pointer-events-auto flex max-w-[560px] items-start gap-3 rounded-lg border px-3 py-2 text-sm shadow-xl ${
            n.tone === "error"
              ? "border-red-500/60 bg-red-950 text-red-100"
              : n.tone === "success"
                ? "border-emerald-500/50 bg-emerald-950 text-emerald-100"
                : "border-slate-600 bg-slate-800 text-slate-100"
          }`}
        >
          <span className="min-w-0 flex-1">{n.text}</span>
          <button
            type="button"
            aria-label="Dismiss"
            className="flex-none rounded px-1 text-slate-400 outline-none hover:text-white focus-visible:ring-2 focus-visible:ring-sky-400"
            onClick={() => useUi.getState().dismiss(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
