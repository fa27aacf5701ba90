"use client";
/**
 * The one node component: header, typed ports, parameter widgets, live run state and outputs,
 * all drawn from the node type's catalog entry.
 */
import { convertibleParams, paramPortType, withParamInputs } from "../../nodes/core/paramInputs";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, useMemo, useState } from "react";
import type { CatalogNode, PortSpec } from "../../nodes/core/types";
import { portColor } from "./lib/ports";
import type { StudioNode } from "./lib/types";
import { ProgressBar, StatusBadge } from "./NodeStatus";
import { ParamRow } from "./ParamRow";
import { useGraph } from "./state/graphStore";
import { useRuns } from "./state/runStore";
import { useUi } from "./state/uiStore";
import { useWarnings } from "./useWarnings";
import { HEADER_TINT } from "./NodeMenu";
import { ResultNav } from "./ResultNav";

export const NODE_WIDTH = 280;

/** Server messages start with "Title (id): "; on the node itself that prefix is noise. */
function withoutNodeLabel(message: string, id: string): string {
  const marker = `(${id}): `;
  const at = message.indexOf(marker);
  return at >= 0 && at < 120 ? message.slice(at + marker.length) : message.startsWith(`${id}: `) ? message.slice(id.length + 2) : message;
}

function PortRow({ input, output, badInput }: { input?: PortSpec; output?: PortSpec; badInput: boolean }) {
  return (
    <div className="relative flex h-6 items-center justify-between gap-2 px-3 text-[11px]">
      {input ? (
        <>
          <Handle
            type="target"
            position={Position.Left}
            id={input.name}
            className={`studio-handle ${badInput ? "studio-handle-bad" : ""}`}
            style={{ background: portColor(input.type) }}
            title={`${input.label}: ${input.type}${input.optional ? " (optional)" : ""}`}
          />
          <span
            className={`truncate ${badInput ? "font-semibold text-red-300" : input.optional ? "text-slate-400" : "text-slate-200"}`}
            title={`${input.description ?? input.label} — ${input.type}`}
            data-port={`in:${input.name}`}
          >
            {input.label}
            {input.optional && <span className="text-slate-500"> ?</span>}
          </span>
        </>
      ) : (
        <span />
      )}
      {output && (
        <>
          <span
            className="truncate text-right text-slate-200"
            title={`${output.description ?? output.label} — ${output.type}`}
            data-port={`out:${output.name}`}
          >
            {output.label}
          </span>
          <Handle
            type="source"
            position={Position.Right}
            id={output.name}
            className="studio-handle"
            style={{ background: portColor(output.type) }}
            title={`${output.label}: ${output.type}`}
          />
        </>
      )}
    </div>
  );
}

function Title({ id, decl, title }: { id: string; decl: CatalogNode | undefined; title?: string }) {
  const setTitle = useGraph((s) => s.setTitle);
  const [editing, setEditing] = useState(false);
  const shown = title ?? decl?.title ?? "Unknown node";
  if (editing) {
    return (
      <input
        autoFocus
        aria-label="Node title"
        className="nodrag min-w-0 flex-1 rounded bg-slate-950 px-1 text-[13px] font-semibold outline-none ring-2 ring-sky-400"
        defaultValue={shown}
        onBlur={(e) => {
          setTitle(id, e.target.value === decl?.title ? "" : e.target.value);
          setEditing(false);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") (e.target as HTMLInputElement).blur();
          if (e.key === "Escape") setEditing(false);
        }}
      />
    );
  }
  return (
    <span className="min-w-0 flex-1 truncate text-[13px] font-semibold text-slate-100" title={decl?.description} onDoubleClick={() => setEditing(true)}>
      {shown}
    </span>
  );
}

const PORT_ROW = 24;

/** The sampler's latest preview, fitted into the empty space beside the inputs so the node keeps its size. */
function PreviewSlot({ id, top, size }: { id: string; top: number; size: number }) {
  const preview = useRuns((s) => {
    const live = s.focusRunId ? s.runs[s.focusRunId]?.nodes[id] : undefined;
    return live?.state === "running" ? live.preview : undefined;
  });
  if (!preview) return null;
  return (
    // eslint-disable-next-line @next/next/no-img-element -- data URL preview streamed while sampling; the Next image optimizer cannot serve it
    <img
      src={preview}
      alt={`${id} preview while sampling`}
      title="Preview of the image predicted at this step"
      className="studio-pixel absolute right-2.5 rounded border border-sky-700/60 bg-slate-950 object-contain"
      style={{ top, width: size, height: size }}
    />
  );
}

function Outputs({ id, previewInSlot }: { id: string; previewInSlot: boolean }) {
  const live = useRuns((s) => (s.focusRunId ? s.runs[s.focusRunId]?.nodes[id] : undefined));
  const last = useRuns((s) => s.outputs[id]);
  // stepped back with ‹: an earlier result from the node's history
  const past = useRuns((s) => ((s.historyAt[id] ?? 0) > 0 ? s.history[id]?.[s.historyAt[id]] : undefined));
  const preview = live?.state === "running" && !previewInSlot ? live.preview : undefined;
  const ui = past ?? (live?.state === "done" || live?.state === "cached" ? (live.ui ?? last) : last);
  if (!preview && !ui?.images?.length && !ui?.text) return null;
  return (
    <div className="border-t border-slate-700/70 px-2.5 py-1.5">
      {preview ? (
        <figure className="flex flex-col items-center gap-0.5">
          {/* eslint-disable-next-line @next/next/no-img-element -- data URL preview streamed while sampling; the Next image optimizer cannot serve it */}
          <img src={preview} alt={`${id} preview while sampling`} className="studio-pixel max-h-56 w-full rounded object-contain" />
          <figcaption className="text-[10px] text-slate-400">preview of the predicted image</figcaption>
        </figure>
      ) : (
        <>
          {ui?.images?.length ? (
            <div className={`grid gap-1 ${ui.images.length > 1 ? "grid-cols-2" : "grid-cols-1"}`}>
              {ui.images.map((im) => (
                <a
                  key={im.id}
                  href={im.url}
                  target="_blank"
                  rel="noreferrer"
                  className="nodrag block rounded outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
                  title={`${im.width}×${im.height} — open full size`}
                >
                  {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG shown at its exact pixels; the Next image optimizer is not wanted */}
                  <img
                    src={im.url}
                    alt={`${id} output ${im.width}×${im.height}`}
                    data-output-image={im.id}
                    className="studio-pixel max-h-56 w-full rounded bg-slate-950 object-contain"
                  />
                </a>
              ))}
            </div>
          ) : null}
          {ui?.images?.length ? <ResultNav id={id} imageId={ui.images[0].id} /> : null}
          {ui?.text && !ui.images?.length && (
            <p className="truncate font-mono text-[10.5px] text-slate-400" title={ui.text}>
              {ui.text}
            </p>
          )}
        </>
      )}
    </div>
  );
}

/** How a bypassed or muted node looks: dimmed, a bypassed one striped. */
const MODE_STYLE: Record<NonNullable<StudioNode["data"]["mode"]>, { label: string; title: string; className: string; style: React.CSSProperties }> = {
  bypass: {
    label: "bypassed",
    title: "Bypassed (Ctrl+B): does not run; each output passes on the node's first input of the same type",
    className: "opacity-60",
    style: { backgroundImage: "repeating-linear-gradient(135deg, rgba(168,85,247,0.18) 0 8px, transparent 8px 16px)" },
  },
  mute: {
    label: "muted",
    title: "Muted (Ctrl+M): neither this node nor what needs it runs",
    className: "opacity-40 grayscale",
    style: {},
  },
};

/** A collapsed node keeps every port, gathered at the middle of its title bar, so its wires stay drawn. */
function CollapsedPorts({ decl }: { decl: CatalogNode }) {
  return (
    <>
      {decl.inputs.map((p) => (
        <Handle
          key={`in:${p.name}`}
          type="target"
          position={Position.Left}
          id={p.name}
          className="studio-handle"
          style={{ top: 16, background: portColor(p.type) }}
        />
      ))}
      {decl.outputs.map((p) => (
        <Handle
          key={`out:${p.name}`}
          type="source"
          position={Position.Right}
          id={p.name}
          className="studio-handle"
          style={{ top: 16, background: portColor(p.type) }}
        />
      ))}
    </>
  );
}

function StudioNodeViewInner({ id, data, selected }: NodeProps<StudioNode>) {
  const catalogDecl = useGraph((s) => s.catalog.get(data.type));
  // converted parameters are inputs of this node (nodes/core/paramInputs.ts)
  const decl = useMemo(() => catalogDecl && withParamInputs(catalogDecl, data.paramInputs, paramPortType), [catalogDecl, data.paramInputs]);
  const convertible = useMemo(() => new Set(catalogDecl ? convertibleParams(catalogDecl).map((p) => p.name) : []), [catalogDecl]);
  const allWarnings = useWarnings();
  const warnings = useMemo(() => allWarnings.filter((w) => w.nodeId === id), [allWarnings, id]);
  const mode = data.mode ? MODE_STYLE[data.mode] : undefined;
  const edges = useGraph((s) => s.edges);
  const allProblems = useUi((s) => s.problems);
  const live = useRuns((s) => (s.focusRunId ? s.runs[s.focusRunId]?.nodes[id] : undefined));

  const problems = useMemo(() => allProblems.filter((p) => p.nodeId === id), [allProblems, id]);
  const connectedInputs = useMemo(() => new Set(edges.filter((e) => e.target === id).map((e) => e.targetHandle)), [edges, id]);

  const runtimeError = live?.state === "error" ? live : undefined;
  const badPorts = new Set([...problems.map((p) => p.port), runtimeError?.port].filter(Boolean) as string[]);
  const badParams = new Set(problems.map((p) => p.param).filter(Boolean) as string[]);
  const isNote = decl !== undefined && decl.inputs.length === 0 && decl.outputs.length === 0;
  const hasProblem = problems.length > 0 || Boolean(runtimeError);

  const rows = Math.max(decl?.inputs.length ?? 0, decl?.outputs.length ?? 0);
  // rows with an input but no output leave room on the right for a step preview
  const freeRows = decl ? decl.inputs.length - decl.outputs.length : 0;
  const slotSize = Math.min(freeRows * PORT_ROW - 8, 128);
  const previewInSlot = slotSize >= 56;
  const ring = hasProblem
    ? "border-red-500 ring-2 ring-red-500/60"
    : selected
      ? "border-sky-400 ring-2 ring-sky-400/50"
      : live?.state === "running"
        ? "border-sky-500"
        : "border-slate-700";

  return (
    <div
      className={`studio-node relative rounded-lg border text-slate-200 shadow-lg shadow-black/40 ${isNote ? "bg-amber-950/80" : "bg-slate-900"} ${ring} ${mode?.className ?? ""}`}
      style={{ width: NODE_WIDTH, ...mode?.style }}
      data-mode={data.mode}
      data-collapsed={data.collapsed || undefined}
      data-pinned={data.pinned || undefined}
      data-color={data.color}
      data-warning={warnings.length > 0 || undefined}
      data-testid={`node-${id}`}
      data-node-type={data.type}
      data-state={live?.state ?? "idle"}
      data-problem={hasProblem || undefined}
    >
      <header
        className={`relative flex h-8 items-center gap-2 px-2.5 ${data.collapsed ? "rounded-lg" : "rounded-t-lg"} ${data.color ? HEADER_TINT[data.color] : isNote ? "bg-amber-900/50" : "bg-slate-800"}`}
      >
        {data.pinned && (
          <span aria-label="pinned" title="Pinned: not moved by dragging or auto-layout (node menu to unpin)" className="flex-none text-[11px]">
            📌
          </span>
        )}
        <Title id={id} decl={decl} title={data.title} />
        {mode && (
          <span className="flex-none rounded bg-purple-500/25 px-1 text-[10px] uppercase tracking-wide text-purple-200" title={mode.title}>
            {mode.label}
          </span>
        )}
        <StatusBadge live={live} />
        <ProgressBar live={live} />
      </header>

      {data.collapsed && decl && <CollapsedPorts decl={decl} />}

      {!data.collapsed && !decl && (
        <p className="px-2.5 py-1 text-[11px] text-red-300">Unknown node type “{data.type}”: this version of the app does not have it.</p>
      )}

      {(problems.length > 0 || runtimeError) && (
        // above the node, in the gap between nodes, so the node keeps its size and nothing shifts
        <ul
          className="absolute inset-x-0 bottom-full mb-1 space-y-0.5 rounded-md border border-red-500/70 bg-red-950/95 px-2 py-1 text-[11px] leading-snug text-red-100 shadow-lg"
          role="alert"
          data-testid={`problems-${id}`}
        >
          {runtimeError && (
            <li className="line-clamp-3" title={runtimeError.message} data-runtime-error>
              {withoutNodeLabel(runtimeError.message, id)}
            </li>
          )}
          {problems.map((p, i) => (
            <li key={i} className="line-clamp-2" title={p.message} data-problem-code={p.code}>
              {withoutNodeLabel(p.message, id)}
            </li>
          ))}
        </ul>
      )}

      {!data.collapsed && warnings.length > 0 && (
        <ul className="border-b border-amber-700/50 bg-amber-950/60 px-2.5 py-1 text-[10.5px] leading-snug text-amber-200" data-testid={`warnings-${id}`}>
          {warnings.map((w, i) => (
            <li key={i} className="line-clamp-2" title={w.message} data-warning-code={w.code}>
              ⚠ {w.message}
            </li>
          ))}
        </ul>
      )}

      {!data.collapsed && rows > 0 && (
        <div className="relative py-1">
          {Array.from({ length: rows }, (_, i) => {
            const input = decl!.inputs[i];
            return <PortRow key={i} input={input} output={decl!.outputs[i]} badInput={Boolean(input && badPorts.has(input.name))} />;
          })}
          {previewInSlot && <PreviewSlot id={id} top={4 + decl!.outputs.length * PORT_ROW + 4} size={slotSize} />}
        </div>
      )}

      {!data.collapsed && decl && decl.params.length > 0 && (
        <div className={`pb-1.5 ${rows > 0 ? "border-t border-slate-700/70 pt-1" : "pt-1"}`}>
          {decl.params.map((p) => (
            <ParamRow
              key={p.name}
              nodeId={id}
              param={p}
              value={data.params[p.name]}
              seedMode={data.seedModes?.[p.name] ?? "fixed"}
              invalid={badParams.has(p.name)}
              overridden={connectedInputs.has(p.name) && decl.inputs.some((inp) => inp.name === p.name)}
              converted={data.paramInputs?.includes(p.name) ?? false}
              convertible={convertible.has(p.name)}
              roomy={isNote}
            />
          ))}
        </div>
      )}

      {!data.collapsed && <Outputs id={id} previewInSlot={previewInSlot} />}
    </div>
  );
}

export const StudioNodeView = memo(StudioNodeViewInner);
