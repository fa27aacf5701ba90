"use client";
/**
 * The Sweep dialog: up to two parameters of any nodes (across, then down) and their values, a
 * list "1, 4, 8" or a range "1..8:1"; it shows the cell count, asks the server to check the sweep
 * (every value through its parameter's schema, the cell and image limits) and stores it in the
 * workflow, where Run runs it. The toolbar's Sweep button opens it and shows a running sweep's
 * cells done / total.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { create } from "zustand";
import { rangeCount, type Sweep, type SweepAxis } from "../../../nodes/core/sweepFormat";
import { errorMessage, useTRPCClient } from "../../trpc/client";
import { isActive } from "../lib/runState";
import { useGraph } from "../state/graphStore";
import { useRuns } from "../state/runStore";
import type { EditorActions } from "../useEditorActions";
import { axisCount, axisText, kindOfDefault, parseAxisText } from "./sweepText";

const BTN = "rounded-md px-3 py-1.5 text-sm outline-none focus-visible:ring-2 focus-visible:ring-sky-400";
const FIELD = "w-full rounded-md bg-slate-950 px-2 py-1.5 text-sm text-slate-100 outline-none ring-1 ring-slate-700 focus:ring-2 focus:ring-sky-400";

/** Whether the dialog is open, and a parameter to start it with ("Sweep this parameter"). */
export const useSweepDialog = create<{
  open: boolean;
  start?: { node: string; param?: string };
  show(start?: { node: string; param?: string }): void;
  hide(): void;
}>()((set) => ({
  open: false,
  show: (start) => set({ open: true, start }),
  hide: () => set({ open: false, start: undefined }),
}));

/** A parameter's current value as the values field starts with it. */
function startText(value: unknown): string {
  return typeof value === "number" || typeof value === "string" ? String(value) : typeof value === "boolean" ? (value ? "on" : "off") : "";
}

interface Row {
  node: string;
  param: string;
  text: string;
}

/** The parameters a sweep can set on a node: those set by their widget, not by a wire. */
function useSweepable() {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const catalog = useGraph((s) => s.catalog);
  return useMemo(
    () =>
      nodes.flatMap((n) => {
        const decl = catalog.get(n.data.type);
        if (!decl || decl.executable === false) return [];
        const params = decl.params.filter((p) => !n.data.paramInputs?.includes(p.name) && !edges.some((e) => e.target === n.id && e.targetHandle === p.name));
        return params.length ? [{ id: n.id, title: n.data.title ?? decl.title, params, values: n.data.params }] : [];
      }),
    [nodes, edges, catalog],
  );
}

function AxisRow({ index, row, onChange, sweepable }: { index: number; row: Row; onChange: (r: Row) => void; sweepable: ReturnType<typeof useSweepable> }) {
  const node = sweepable.find((n) => n.id === row.node);
  const param = node?.params.find((p) => p.name === row.param);
  const kind = kindOfDefault(param?.default);
  const parsed = parseAxisText(row.text, kind);
  const n = index + 1;
  return (
    <fieldset className="mb-3 rounded-lg border border-slate-700 p-2" data-testid={`sweep-axis-${n}`}>
      <legend className="px-1 text-xs text-slate-400">{index === 0 ? "Across (columns)" : "Down (rows)"}</legend>
      <div className="mb-2 flex gap-2">
        <select
          aria-label={`Axis ${n} node`}
          className={FIELD}
          value={row.node}
          onChange={(e) => {
            const next = sweepable.find((x) => x.id === e.target.value);
            const p = next?.params[0];
            onChange({ node: e.target.value, param: p?.name ?? "", text: p ? startText(next.values[p.name] ?? p.default) : "" });
          }}
        >
          <option value="">Node…</option>
          {sweepable.map((x) => (
            <option key={x.id} value={x.id}>
              {x.title} ({x.id})
            </option>
          ))}
        </select>
        <select
          aria-label={`Axis ${n} parameter`}
          className={FIELD}
          value={row.param}
          disabled={!node}
          onChange={(e) => {
            const p = node?.params.find((x) => x.name === e.target.value);
            onChange({ ...row, param: e.target.value, text: p ? startText(node?.values[p.name] ?? p.default) : "" });
          }}
        >
          {(node?.params ?? []).map((p) => (
            <option key={p.name} value={p.name}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      {kind === "text" ? (
        <textarea
          aria-label={`Axis ${n} values`}
          className={`${FIELD} h-16 resize-none`}
          placeholder={"one value per line"}
          value={row.text}
          onChange={(e) => onChange({ ...row, text: e.target.value })}
        />
      ) : (
        <input
          aria-label={`Axis ${n} values`}
          className={FIELD}
          placeholder={kind === "number" ? "1, 4, 8  or a range 1..8:1" : "on, off"}
          value={row.text}
          onChange={(e) => onChange({ ...row, text: e.target.value })}
        />
      )}
      <p className={`mt-1 text-xs ${"error" in parsed ? "text-amber-300" : "text-slate-500"}`}>
        {"error" in parsed ? parsed.error : `${axisCount(parsed)} value${axisCount(parsed) === 1 ? "" : "s"}`}
      </p>
    </fieldset>
  );
}

function toAxis(row: Row, kind: ReturnType<typeof kindOfDefault>): SweepAxis | string {
  if (!row.node || !row.param) return "choose a node and a parameter";
  const parsed = parseAxisText(row.text, kind);
  if ("error" in parsed) return parsed.error;
  return { node: row.node, param: row.param, ...parsed };
}

function SweepForm({ actions }: { actions: EditorActions }) {
  const client = useTRPCClient();
  const sweepable = useSweepable();
  const current = useGraph((s) => s.workflow.sweep);
  const start = useSweepDialog((s) => s.start);
  const kindOf = (row: Row) => kindOfDefault(sweepable.find((n) => n.id === row.node)?.params.find((p) => p.name === row.param)?.default);
  const [rows, setRows] = useState<Row[]>(() => {
    const fromSweep = (current?.axes ?? []).map((a) => {
      const spec = sweepable.find((n) => n.id === a.node)?.params.find((p) => p.name === a.param);
      return { node: a.node, param: a.param, text: axisText(a, kindOfDefault(spec?.default)) };
    });
    const startNode = start ? sweepable.find((n) => n.id === start.node) : undefined;
    // from a node's menu: its first parameter a sweep can set
    const startParam = start?.param ?? startNode?.params[0]?.name;
    if (start && startNode && startParam && !fromSweep.some((r) => r.node === start.node && r.param === startParam)) {
      const spec = startNode.params.find((p) => p.name === startParam);
      const row = { node: start.node, param: startParam, text: startText(startNode.values[startParam] ?? spec?.default) };
      return fromSweep.length >= 2 ? [fromSweep[0], row] : [...fromSweep, row];
    }
    return fromSweep.length ? fromSweep : [{ node: "", param: "", text: "" }];
  });
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const close = () => useSweepDialog.getState().hide();

  const axes = rows.map((r) => toAxis(r, kindOf(r)));
  const cells = rows.reduce((n, r) => n * axisCount(parseAxisText(r.text, kindOf(r))), 1);
  const ready = axes.every((a) => typeof a !== "string");

  const apply = async (run: boolean) => {
    if (!ready) return;
    const sweep: Sweep = { axes: axes };
    setBusy(true);
    try {
      // the server checks every value with its parameter's schema, and the cell and image limits
      const wf = { ...useGraph.getState().toWorkflow(), sweep };
      const found = (await client.runs.check.mutate({ workflow: wf })).filter((p) => p.message.startsWith("sweep") || p.message.startsWith("the sweep"));
      if (found.length) return setProblems(found.map((p) => p.message));
      useGraph.getState().setSweep(sweep);
      close();
      if (run) await actions.run();
    } catch (err) {
      setProblems([errorMessage(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void apply(true);
      }}
    >
      <p className="mb-3 text-xs text-slate-400">
        One run makes every combination and a labelled grid; what comes before the swept nodes is reused from the cache.
      </p>
      {rows.map((row, i) => (
        <AxisRow key={i} index={i} row={row} sweepable={sweepable} onChange={(r) => setRows(rows.map((x, j) => (j === i ? r : x)))} />
      ))}
      <div className="mb-3 flex gap-2">
        {rows.length < 2 ? (
          <button type="button" className={`${BTN} text-sky-300 hover:bg-slate-800`} onClick={() => setRows([...rows, { node: "", param: "", text: "" }])}>
            + Add a second axis
          </button>
        ) : (
          <button type="button" className={`${BTN} text-slate-300 hover:bg-slate-800`} onClick={() => setRows(rows.slice(0, 1))}>
            Remove the second axis
          </button>
        )}
      </div>
      {problems.length > 0 && (
        <ul className="mb-3 max-h-28 overflow-y-auto rounded-md border border-red-500/50 bg-red-500/10 p-2 text-xs text-red-200" data-testid="sweep-problems">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      <div className="flex items-center gap-2">
        <span className="text-sm text-slate-300" data-testid="sweep-cells">
          {ready ? `${rows.map((r) => axisCount(parseAxisText(r.text, kindOf(r)))).join(" × ")} = ${cells} cell${cells === 1 ? "" : "s"}` : "—"}
        </span>
        <div className="flex-1" />
        {current && (
          <button
            type="button"
            className={`${BTN} text-slate-300 hover:bg-slate-800`}
            onClick={() => {
              useGraph.getState().setSweep(undefined);
              close();
            }}
          >
            Remove sweep
          </button>
        )}
        <button type="button" className={`${BTN} text-slate-300 hover:bg-slate-800`} onClick={close}>
          Cancel
        </button>
        <button
          type="button"
          disabled={!ready || busy}
          className={`${BTN} text-sky-200 ring-1 ring-sky-500/60 hover:bg-slate-800 disabled:opacity-50`}
          onClick={() => void apply(false)}
        >
          Save
        </button>
        <button type="submit" disabled={!ready || busy} className={`${BTN} bg-sky-500 font-semibold text-slate-950 hover:bg-sky-400 disabled:opacity-50`}>
          Run sweep
        </button>
      </div>
    </form>
  );
}

export function SweepDialog({ actions }: { actions: EditorActions }) {
  const open = useSweepDialog((s) => s.open);
  return open ? <SweepModal actions={actions} /> : null;
}

function SweepModal({ actions }: { actions: EditorActions }) {
  const box = useRef<HTMLDivElement>(null);
  const close = () => useSweepDialog.getState().hide();
  useEffect(() => {
    // opened from the toolbar or a node's menu: focus moves into the dialog, and Escape closes it wherever focus is
    box.current?.querySelector<HTMLElement>("select, input, textarea")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        useSweepDialog.getState().hide();
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/50" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div
        ref={box}
        role="dialog"
        aria-modal="true"
        aria-label="Sweep"
        data-testid="sweep-dialog"
        // the editor's shortcuts (Delete, Ctrl+Z, Ctrl+Enter…) stay off while focus is in the dialog
        onKeyDown={(e) => e.stopPropagation()}
        className="max-h-[92vh] w-[560px] max-w-[94vw] overflow-y-auto rounded-xl border border-slate-700 bg-slate-900 p-4 shadow-2xl"
      >
        <h2 className="mb-2 text-base font-semibold text-slate-100">Sweep: a grid of parameter values</h2>
        <SweepForm actions={actions} />
      </div>
    </div>
  );
}

/** The toolbar's Sweep button: the sweep's shape when one is set, cells done / total while one runs. */
export function SweepButton() {
  const sweep = useGraph((s) => s.workflow.sweep);
  const progress = useRuns((s) => {
    const r = s.focusRunId ? s.runs[s.focusRunId] : undefined;
    return r?.sweep && isActive(r) ? `${r.sweep.done}/${r.sweep.total}` : null;
  });
  const shape = sweep?.axes.map((a) => (a.values ? a.values.length : a.range ? rangeCount(a.range) : 0)).join("×");
  return (
    <button
      type="button"
      onClick={() => useSweepDialog.getState().show()}
      data-testid="sweep-button"
      className={`whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400 ${sweep ? "text-sky-300" : "text-slate-200"}`}
      title={sweep ? "This workflow runs as a sweep (a grid of parameter values): edit it" : "Run a grid of parameter values (a sweep)"}
    >
      Sweep{shape ? ` ${shape}` : ""}
      {progress && (
        <span className="ml-1.5 rounded bg-sky-500/20 px-1.5 text-xs text-sky-200" data-testid="sweep-progress" aria-live="polite">
          cells {progress}
        </span>
      )}
    </button>
  );
}
