"use client";
/**
 * The teaching drawer under the canvas: for the selected node (or wire), the views its last
 * traced run supports — per-step timeline, guidance, prior trajectory or interpolation frames,
 * the schedule of a Scheduler node, the tensor inspector for its outputs, and the explanation
 * of what it computes, filled in with the run's numbers. Which views appear is decided by what
 * the node declares and what its trace holds, never by the node's type name.
 */
import { useMemo, useState } from "react";
import type { CatalogNode } from "../../../nodes/core/types";
import { useGraph } from "../state/graphStore";
import { useUi } from "../state/uiStore";
import { GLOSSARY } from "../../../nodes/core/glossary";
import { Term } from "./Term";
import { fillExplain } from "./lib/explain";
import type { NodeTrace } from "./lib/nodeTrace";
import { useClassroom } from "./classroom";
import "./projector.css";
import { requestedIndex, useTeachRequest } from "./teachRequest";
import { useNodeTrace, useTraceAt } from "./useTraces";
import { GuidanceView } from "./views/GuidanceView";
import { InspectView } from "./views/InspectView";
import { ScheduleView } from "./views/ScheduleView";
import { TimelineView } from "./views/TimelineView";
import { FramesView, PriorTrajectoryView } from "./views/TrajectoryView";
import { isExecutable } from "../../../nodes/core/graphRules";

type View = "explain" | "timeline" | "guidance" | "trajectory" | "schedule" | "inspect";

const LABELS: Record<View, string> = {
  explain: "Explain",
  timeline: "Timeline",
  guidance: "Guidance",
  trajectory: "Trajectory",
  schedule: "Schedule",
  inspect: "Inspect",
};

function viewsFor(decl: CatalogNode | undefined, trace: NodeTrace | null): View[] {
  const views: View[] = ["explain"];
  if (trace?.stage) views.push("timeline");
  if (trace?.stage?.steps.some((s) => s.uncond)) views.push("guidance");
  if (trace?.stage?.embedding || trace?.frames) views.push("trajectory");
  if (decl?.outputs.some((o) => o.type === "SCHEDULER")) views.push("schedule");
  if (trace && Object.values(trace.ports).some(Boolean)) views.push("inspect");
  return views;
}

function ExplainView({ decl, params, trace }: { decl: CatalogNode; params: Record<string, unknown>; trace: NodeTrace | null }) {
  if (!decl.explain) return <p className="max-w-3xl text-[13px] leading-relaxed text-slate-300">{decl.description}</p>;
  const formula = fillExplain(decl.explain.formula, params, trace);
  const text = fillExplain(decl.explain.text, params, trace);
  return (
    <div className="max-w-3xl space-y-2" data-testid="explain-view">
      <p className="rounded bg-slate-950 px-3 py-2 font-mono text-[13px] text-sky-200" data-testid="explain-formula">
        {formula.text}
      </p>
      <SymbolsIn text={decl.explain.formula} />
      <p className="text-[13px] leading-relaxed text-slate-300" data-testid="explain-text">
        {text.text}
      </p>
      {text.missing.some((m) => !m.startsWith("params.")) && <p className="text-[12px] text-slate-500">The … fill in after a run with tracing on.</p>}
      {trace && (
        <p className="text-[11px] text-slate-500">
          Numbers from run {trace.runId}; the node took {Math.round(trace.ms)} ms.
        </p>
      )}
    </div>
  );
}

/** A written symbol (ᾱ_t, x_t), not an English word that would match inside ordinary text. */
const isSymbol = (a: string) => a.includes("_") || [...a].some((ch) => ch.charCodeAt(0) > 127);

/** The glossary entries whose symbols a formula uses (hover each for its definition). */
function SymbolsIn({ text }: { text: string }) {
  const used = GLOSSARY.filter((e) => [e.term, ...(e.aliases ?? [])].some((a) => a.length >= 2 && isSymbol(a) && text.includes(a)));
  if (!used.length) return null;
  return (
    <p className="text-[11px] text-slate-400" data-testid="explain-symbols">
      Symbols:{" "}
      {used.map((e, i) => (
        <span key={e.id}>
          {i > 0 && " · "}
          <Term id={e.id} />
        </span>
      ))}
    </p>
  );
}

function TraceSwitch({ nodeId, on }: { nodeId: string; on: boolean }) {
  return (
    <label className="flex items-center gap-1.5 text-[12px] text-slate-300" title="Record this node's steps on every run (saved with the workflow)">
      <input type="checkbox" checked={on} onChange={(e) => useGraph.getState().setTrace(nodeId, e.target.checked)} className="accent-sky-400" />
      Trace this node
    </label>
  );
}

/** Why a view a lesson asked for is not there (it needs data the node's trace does not have). */
function missingViewReason(view: View, traced: boolean): string {
  if (!traced) return "it fills in once this node has run with tracing on.";
  if (view === "guidance") return "this run used no classifier-free guidance (scale 1 or guidance off), so there is no unconditional half to show.";
  if (view === "trajectory") return "only the prior and interpolation nodes record a path through CLIP space.";
  if (view === "timeline") return "only samplers (prior, decoder, super-res) record steps.";
  return "this node's trace holds nothing for it.";
}

function NodeViews({ nodeId, port }: { nodeId: string; port?: string }) {
  const node = useGraph((s) => s.nodes.find((n) => n.id === nodeId));
  const decl = useGraph((s) => (node ? s.catalog.get(node.data.type) : undefined));
  const { trace, loading, error, url } = useNodeTrace(nodeId);
  const pinned = useClassroom((s) => s.pinned[nodeId] ?? null);
  const { trace: pinnedTrace } = useTraceAt(pinned?.url ?? null);
  const views = useMemo(() => viewsFor(decl, trace), [decl, trace]);
  const request = useTeachRequest((s) => (s.request?.nodeId === nodeId && !port ? s.request : null));
  const [chosen, setChosen] = useState<{ view: View; seq: number } | null>(port ? { view: "inspect", seq: 0 } : null);
  if (!node || !decl) return null;
  // a lesson's request wins until the student picks a tab after it
  const wanted = request && (!chosen || chosen.seq < request.seq) ? request.view : chosen?.view;
  const view: View = wanted && views.includes(wanted) ? wanted : views.includes("timeline") ? "timeline" : views.includes("schedule") ? "schedule" : "explain";
  // a lesson's requested step, counted in each trace's own steps (a pinned run may have more)
  const initialFor = (t: NodeTrace | null) => (request && request.view === view ? requestedIndex(request.step, t?.stage?.steps.length ?? 1) : undefined);
  const viewKey = `${view}:${request?.seq ?? 0}:${trace?.runId ?? ""}`;
  const title = node.data.title ?? decl.title;
  const ports = port ? [port] : Object.keys(trace?.ports ?? {});
  const compare = view !== "schedule" && pinnedTrace && trace && pinnedTrace.runId !== trace.runId && pinnedTrace.nodeId === trace.nodeId ? pinnedTrace : null;
  const renderView = (t: NodeTrace | null, slot: string) => (
    <>
      {view === "explain" && <ExplainView decl={decl} params={node.data.params} trace={t} />}
      {view === "timeline" && t?.stage && <TimelineView key={`${viewKey}:${slot}`} stage={t.stage} initialStep={initialFor(t)} />}
      {view === "guidance" && t?.stage && <GuidanceView key={`${viewKey}:${slot}`} stage={t.stage} nodeId={nodeId} initialStep={initialFor(t)} />}
      {view === "trajectory" && t?.stage?.embedding && <PriorTrajectoryView stage={t.stage} />}
      {view === "trajectory" && t?.frames && <FramesView frames={t.frames} />}
      {view === "schedule" && <ScheduleView nodeId={nodeId} />}
      {view === "inspect" &&
        t &&
        ports.map((p) => {
          const summary = t.ports[p];
          const label = decl.outputs.find((o) => o.name === p)?.label ?? p;
          return summary ? (
            <InspectView key={p} summary={summary} title={`${title} → ${label}`} />
          ) : (
            <p key={p} className="text-[12px] text-slate-400">
              Nothing recorded for {label}: it is not a tensor (a model component, scheduler settings or text), so there are no numbers to summarise. Select a
              wire that carries a tensor, or a node whose output is one.
            </p>
          );
        })}
    </>
  );

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex flex-none flex-wrap items-center gap-x-3 border-b border-slate-800 pr-28 pl-3">
        <h2 className="py-2 text-sm font-semibold text-slate-100">
          {title}{" "}
          <span className="font-mono text-[11px] font-normal text-slate-500">
            {nodeId}
            {port ? ` · ${port}` : ""}
          </span>
        </h2>
        <div role="tablist" aria-label="Teaching views" className="flex">
          {views.map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              aria-selected={v === view}
              onClick={() => setChosen({ view: v, seq: request?.seq ?? 0 })}
              className={`border-b-2 px-2.5 py-2 text-xs outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-sky-400 ${v === view ? "border-sky-400 text-slate-100" : "border-transparent text-slate-400 hover:text-slate-200"}`}
            >
              {LABELS[v]}
            </button>
          ))}
        </div>
        <div className="flex-1" />
        {trace && url && (
          <button
            type="button"
            className="rounded border border-slate-700 px-2 py-0.5 text-[12px] text-slate-200 hover:bg-slate-800"
            title="Keep this run's trace: the next run of this node is shown next to it in every view"
            onClick={() => useClassroom.getState().pin(nodeId, pinned ? null : { url, runId: trace.runId })}
          >
            {pinned ? `Unpin run ${pinned.runId.slice(0, 8)}` : "Pin this run to compare"}
          </button>
        )}
        {isExecutable(decl) && <TraceSwitch nodeId={nodeId} on={Boolean(node.data.trace)} />}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto p-3" role="tabpanel" aria-label={LABELS[view]}>
        {error && <p className="mb-2 text-[12px] text-red-300">{error}</p>}
        {wanted && wanted !== view && !loading && (
          <p className="mb-2 text-[12px] text-amber-200" data-testid="view-missing">
            No {LABELS[wanted]} view for this node yet: {missingViewReason(wanted, Boolean(trace))}
          </p>
        )}
        {!trace && !loading && view !== "schedule" && isExecutable(decl) && (
          <p className="mb-2 text-[12px] text-slate-400">
            No trace of this node yet: turn on <b>Trace runs</b> in the toolbar (or <b>Trace this node</b>) and press Run to record every step.
          </p>
        )}
        {compare ? (
          <div className="grid grid-cols-2 gap-4" data-testid="compare-runs">
            <div className="min-w-0 border-r border-slate-800 pr-3">
              <p className="mb-2 text-[12px] font-semibold text-amber-200">Pinned: run {compare.runId}</p>
              {renderView(compare, "pinned")}
            </div>
            <div className="min-w-0">
              <p className="mb-2 text-[12px] font-semibold text-sky-200">Latest: run {trace!.runId}</p>
              {renderView(trace, "latest")}
            </div>
          </div>
        ) : (
          renderView(trace, "latest")
        )}
      </div>
    </div>
  );
}

/** Projector mode for the drawer and the lesson panel: large type, high contrast, light background. */
export function ProjectorSwitch() {
  const on = useClassroom((s) => s.projector);
  return (
    <label
      className="absolute top-1 right-2 z-10 flex items-center gap-1 rounded bg-slate-900/90 px-1.5 py-0.5 text-[11px] text-slate-300"
      title="Large type, high contrast and a light background, for a class watching on a projector"
    >
      <input type="checkbox" checked={on} onChange={(e) => useClassroom.getState().setProjector(e.target.checked)} className="accent-sky-400" />
      Projector
    </label>
  );
}

export function TeachPanel() {
  const open = useUi((s) => s.teachOpen);
  const selectedNode = useGraph((s) => {
    const sel = s.nodes.filter((n) => n.selected);
    return sel.length === 1 ? sel[0].id : null;
  });
  const selectedEdge = useGraph((s) => s.edges.find((e) => e.selected) ?? null);
  const projector = useClassroom((s) => s.projector);
  if (!open) return null;
  const nodeId = selectedNode ?? selectedEdge?.source ?? null;
  const port = selectedNode ? undefined : (selectedEdge?.sourceHandle ?? undefined);
  return (
    <section
      className={`relative flex-none border-t border-slate-800 bg-slate-900/95 ${projector ? "h-[62vh]" : "h-[340px]"}`}
      aria-label="Teaching views"
      data-testid="teach-panel"
      data-projector={projector ? "" : undefined}
    >
      <ProjectorSwitch />
      {nodeId ? (
        <NodeViews key={`${nodeId}:${port ?? ""}`} nodeId={nodeId} port={port} />
      ) : (
        <div className="p-4 text-[13px] leading-relaxed text-slate-300">
          <p>
            <b>Teaching views.</b> Select a sampler (Prior, Decoder, Super-Res) to step through its denoising, a Scheduler to see its noise schedule, or a wire
            to inspect the tensor on it.
          </p>
          <p className="mt-1 text-slate-400">
            Views fill in from runs made with <b>Trace runs</b> on (or nodes with <b>Trace this node</b> ticked); ordinary runs record nothing.
          </p>
        </div>
      )}
    </section>
  );
}
