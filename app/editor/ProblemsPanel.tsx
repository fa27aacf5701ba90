"use client";
import { useGraph } from "./state/graphStore";
import { useRuns } from "./state/runStore";
import { useUi } from "./state/uiStore";
import { useJumpToNode } from "./useJumpToNode";
import { useWarnings } from "./useWarnings";

/** Validation problems and the last run's failure; each names a node and jumps to it. */
export function ProblemsPanel() {
  const problems = useUi((s) => s.problems);
  const failed = useRuns((s) => (s.focusRunId && s.runs[s.focusRunId]?.status === "failed" ? s.runs[s.focusRunId] : undefined));
  const nodes = useGraph((s) => s.nodes);
  const catalog = useGraph((s) => s.catalog);
  const jump = useJumpToNode();
  const warnings = useWarnings();
  const titleOf = (id?: string) => {
    const n = nodes.find((x) => x.id === id);
    return n ? (n.data.title ?? catalog.get(n.data.type)?.title ?? n.id) : id;
  };
  const items = [
    ...(failed?.error
      ? [
          {
            code: failed.error.code,
            message: failed.error.message,
            nodeId: failed.error.nodeId,
            port: failed.error.port,
            param: failed.error.param,
            runtime: true,
            warning: false,
          },
        ]
      : []),
    ...problems.map((p) => ({ ...p, runtime: false, warning: false })),
    ...warnings.map((w) => ({ ...w, port: undefined, runtime: false, warning: true })),
  ];
  if (!items.length) return <p className="p-4 text-sm text-slate-400">No problems. The server checks the workflow when you press Run.</p>;
  return (
    <ul className="divide-y divide-slate-800" data-testid="problems">
      {items.map((p, i) => (
        <li key={i}>
          <button
            type="button"
            disabled={!p.nodeId}
            onClick={() => p.nodeId && jump(p.nodeId)}
            className="w-full px-3 py-2 text-left outline-none hover:bg-slate-800/70 focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-sky-400 disabled:cursor-default"
            data-problem-node={p.nodeId}
            data-warning={p.warning || undefined}
          >
            <div className="flex items-center gap-2 text-[11px]">
              <span
                className={`rounded px-1 font-mono ${p.runtime ? "bg-orange-500/20 text-orange-200" : p.warning ? "bg-amber-500/20 text-amber-200" : "bg-red-500/20 text-red-200"}`}
              >
                {p.runtime ? "run failed" : p.warning ? `warning: ${p.code}` : p.code}
              </span>
              {p.nodeId && <span className="truncate text-slate-300">{titleOf(p.nodeId)}</span>}
              {(p.port || p.param) && <span className="truncate font-mono text-slate-500">{p.port ?? p.param}</span>}
            </div>
            <p className="mt-0.5 text-[12px] leading-snug text-slate-300">{p.message}</p>
          </button>
        </li>
      ))}
    </ul>
  );
}
