"use client";
import { useMemo } from "react";
import type { CatalogNode } from "../../nodes/core/types";
import { portColor, portTypeDescription } from "./lib/ports";
import { useGraph } from "./state/graphStore";
import { useRuns } from "./state/runStore";
import { useJumpToNode } from "./useJumpToNode";

function Port({ name, type, label, description, optional }: CatalogNode["inputs"][number]) {
  return (
    <li className="flex gap-2 py-1" key={name}>
      <span className="mt-1 h-2.5 w-2.5 flex-none rounded-full" style={{ background: portColor(type) }} />
      <div className="min-w-0">
        <div className="text-xs text-slate-200">
          {label}{" "}
          <span className="font-mono text-[10.5px] text-slate-500">
            {type}
            {optional ? " · optional" : ""}
          </span>
        </div>
        <p className="text-[11px] leading-snug text-slate-400">{description ?? portTypeDescription(type)}</p>
      </div>
    </li>
  );
}

function NodeInfo({ decl }: { decl: CatalogNode }) {
  return (
    <div className="space-y-3 p-3">
      <div>
        <div className="text-[11px] uppercase tracking-wide text-slate-500">{decl.category}</div>
        <h2 className="text-base font-semibold text-slate-100">{decl.title}</h2>
        <p className="mt-1 text-[13px] leading-relaxed text-slate-300">{decl.description}</p>
      </div>
      {decl.inputs.length > 0 && (
        <section>
          <h3 className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">Inputs</h3>
          <ul>
            {decl.inputs.map((p) => (
              <Port key={p.name} {...p} />
            ))}
          </ul>
        </section>
      )}
      {decl.outputs.length > 0 && (
        <section>
          <h3 className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">Outputs</h3>
          <ul>
            {decl.outputs.map((p) => (
              <Port key={p.name} {...p} />
            ))}
          </ul>
        </section>
      )}
      {decl.params.length > 0 && (
        <section>
          <h3 className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">Parameters</h3>
          <ul>
            {decl.params.map((p) => (
              <li key={p.name} className="py-1">
                <div className="text-xs text-slate-200">
                  {p.label}
                  {(p.min !== undefined || p.max !== undefined) && (
                    <span className="font-mono text-[10.5px] text-slate-500">
                      {" "}
                      {p.min ?? "…"} – {p.max ?? "…"}
                    </span>
                  )}
                </div>
                {p.description && <p className="text-[11px] leading-snug text-slate-400">{p.description}</p>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** The images the last run left on the canvas, so they are in view even when their nodes are not. */
function LatestResults() {
  const outputs = useRuns((s) => s.outputs);
  const nodes = useGraph((s) => s.nodes);
  const catalog = useGraph((s) => s.catalog);
  const jump = useJumpToNode();
  const shown = nodes.filter((n) => outputs[n.id]?.images?.length);
  if (!shown.length) return null;
  return (
    <section data-testid="latest-results">
      <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Latest results</h3>
      <div className="space-y-2">
        {shown.map((n) => (
          <div key={n.id}>
            <button
              type="button"
              className="mb-0.5 text-xs text-slate-300 outline-none hover:text-sky-300 focus-visible:ring-2 focus-visible:ring-sky-400"
              onClick={() => jump(n.id)}
            >
              {n.data.title ?? catalog.get(n.data.type)?.title ?? n.id} →
            </button>
            <div className="grid grid-cols-3 gap-1">
              {outputs[n.id].images!.map((im) => (
                <a
                  key={im.id}
                  href={im.url}
                  target="_blank"
                  rel="noreferrer"
                  className="block rounded outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
                  title={`${im.width}×${im.height}: open full size`}
                >
                  {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG shown at its exact pixels; the Next image optimizer is not wanted */}
                  <img src={im.url} alt={`${n.id} result`} className="studio-pixel aspect-square w-full rounded bg-slate-950 object-contain" />
                </a>
              ))}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}

const SHORTCUTS: [string, string][] = [
  ["Ctrl+Enter", "Run"],
  ["Space / Ctrl+K", "Add a node"],
  ["Double-click canvas", "Add a node here"],
  ["Drag a wire to empty space", "Add a node that fits it"],
  ["Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"],
  ["Ctrl+C / Ctrl+V / Ctrl+D", "Copy / paste / duplicate"],
  ["Ctrl+B / Ctrl+M", "Bypass / mute"],
  ["Delete", "Delete selection"],
  ["Shift+drag", "Select several"],
  ["Ctrl+S", "Save"],
  ["Drop a PNG or .json", "Open its workflow"],
  ["?", "Every shortcut"],
];

export function InfoPanel() {
  const nodes = useGraph((s) => s.nodes);
  const catalog = useGraph((s) => s.catalog);
  const workflow = useGraph((s) => s.workflow);
  const selected = useMemo(() => nodes.filter((n) => n.selected), [nodes]);
  if (selected.length === 1) {
    const decl = catalog.get(selected[0].data.type);
    if (decl) return <NodeInfo decl={decl} />;
  }
  const description = typeof workflow.meta?.description === "string" ? workflow.meta.description : null;
  return (
    <div className="space-y-4 p-3">
      {selected.length > 1 ? (
        <p className="text-sm text-slate-300">{selected.length} nodes selected.</p>
      ) : (
        <div>
          <h2 className="text-base font-semibold text-slate-100">{workflow.name}</h2>
          {description && <p className="mt-1 text-[13px] leading-relaxed text-slate-300">{description}</p>}
          <p className="mt-2 text-[12px] leading-relaxed text-slate-400">
            Select a node to read what it does. Press <b>Run</b> to make an image; results appear on the output nodes.
          </p>
        </div>
      )}
      <LatestResults />
      <section>
        <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Keyboard and mouse</h3>
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-[12px]">
          {SHORTCUTS.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="font-mono text-[11px] text-slate-300">{k}</dt>
              <dd className="text-slate-400">{v}</dd>
            </div>
          ))}
        </dl>
      </section>
    </div>
  );
}
