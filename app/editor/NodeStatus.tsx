"use client";
import type { LiveNodeState } from "./lib/runState";

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The badge in a node's header for its state in the run the canvas follows. */
export function StatusBadge({ live }: { live: LiveNodeState | undefined }) {
  if (!live) return null;
  const base = "flex-none rounded px-1.5 text-[10px] font-medium uppercase leading-4 tracking-wide";
  switch (live.state) {
    case "queued":
      return <span className={`${base} bg-slate-700 text-slate-300`}>queued</span>;
    case "running":
      return <span className={`${base} bg-sky-500/20 text-sky-200`}>{live.steps ? `step ${live.step}/${live.steps}` : "running"}</span>;
    case "cached":
      return (
        <span className={`${base} bg-teal-500/20 text-teal-200`} title="Reused from an earlier run with the same inputs">
          cached
        </span>
      );
    case "done":
      return <span className={`${base} bg-emerald-500/20 text-emerald-200`}>done {seconds(live.ms)}</span>;
    case "error":
      return <span className={`${base} bg-red-500/25 text-red-200`}>error</span>;
  }
}

/** A thin bar under the header while a sampler steps (indeterminate until the first step). */
export function ProgressBar({ live }: { live: LiveNodeState | undefined }) {
  if (live?.state !== "running") return null;
  const fraction = live.steps ? live.step! / live.steps : null;
  return (
    <div
      className="absolute inset-x-0 bottom-0 h-1 overflow-hidden bg-sky-950"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={live.steps ?? 1}
      aria-valuenow={live.step ?? 0}
    >
      <div
        className={`h-full bg-sky-400 transition-[width] ${fraction === null ? "w-1/3 animate-pulse" : ""}`}
        style={fraction === null ? undefined : { width: `${Math.max(4, fraction * 100)}%` }}
      />
    </div>
  );
}
