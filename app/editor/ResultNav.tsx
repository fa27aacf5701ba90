"use client";
/**
 * Under a node's picture: ‹ › through its last results (newest first) and a pick for the compare
 * view (a second pick, here or in the gallery, opens it).
 */
import { compareUrl, togglePick, usePicks } from "../compare/picks";
import { useRuns } from "./state/runStore";

const NAV =
  "nodrag rounded px-1.5 text-[11px] text-slate-300 outline-none hover:bg-slate-700 focus-visible:ring-2 focus-visible:ring-sky-400 disabled:opacity-30";

export function ResultNav({ id, imageId }: { id: string; imageId: string | undefined }) {
  const count = useRuns((s) => s.history[id]?.length ?? 0);
  const at = useRuns((s) => s.historyAt[id] ?? 0);
  const picks = usePicks();
  if (!imageId) return null;
  const picked = picks.includes(imageId);
  const other = picks.find((p) => p !== imageId);
  return (
    <div className="mt-1 flex items-center justify-between gap-1" data-testid={`result-nav-${id}`}>
      {count > 1 ? (
        <span className="flex items-center gap-0.5">
          <button type="button" className={NAV} disabled={at >= count - 1} onClick={() => useRuns.getState().stepHistory(id, 1)} aria-label="Older result">
            ‹
          </button>
          <span className="text-[10px] tabular-nums text-slate-400" data-testid={`result-position-${id}`}>
            {at + 1}/{count}
          </span>
          <button type="button" className={NAV} disabled={at === 0} onClick={() => useRuns.getState().stepHistory(id, -1)} aria-label="Newer result">
            ›
          </button>
        </span>
      ) : (
        <span />
      )}
      <span className="flex items-center gap-1">
        {other && picked && (
          <a href={compareUrl(other, imageId)} target="_blank" rel="noreferrer" className={NAV} data-testid={`compare-open-${id}`}>
            Compare ↗
          </a>
        )}
        <button
          type="button"
          className={`${NAV} ${picked ? "bg-sky-900/60 text-sky-200" : ""}`}
          aria-pressed={picked}
          onClick={() => togglePick(imageId)}
          title="Pick this picture to compare (pick a second one here or in the gallery)"
        >
          {picked ? "Picked" : "Compare"}
        </button>
      </span>
    </div>
  );
}
