"use client";
/** The run queue: the running run, pending runs (cancel, move to front) and recent finished ones. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { errorMessage, useTRPC } from "../trpc/client";
import { useRuns } from "./state/runStore";
import { useUi } from "./state/uiStore";
import type { EditorActions } from "./useEditorActions";
import { groupRuns, runLabel } from "./lib/runGroups";
import type { ReactNode } from "react";

const BUTTON =
  "rounded border border-slate-600 px-2 py-0.5 text-[11px] text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400 disabled:opacity-40";

const STATUS_STYLE: Record<string, string> = {
  finished: "bg-emerald-500/20 text-emerald-200",
  failed: "bg-red-500/20 text-red-200",
  cancelled: "bg-slate-600/40 text-slate-300",
  interrupted: "bg-amber-500/20 text-amber-200",
  running: "bg-sky-500/20 text-sky-200",
  queued: "bg-slate-700 text-slate-300",
};

function time(d: Date | string | null | undefined): string {
  return d ? new Date(d).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
}

function duration(a: Date | string | null, b: Date | string | null): string {
  if (!a || !b) return "";
  const ms = new Date(b).getTime() - new Date(a).getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function shortId(id: string): string {
  return id.slice(-6);
}

function RunProgress({ runId }: { runId: string }) {
  const run = useRuns((s) => s.runs[runId]);
  if (!run) return null;
  const states = Object.values(run.nodes);
  const done = states.filter((n) => n.state === "done" || n.state === "cached").length;
  const running = states.find((n) => n.state === "running");
  return (
    <div className="mt-1">
      <div className="h-1 overflow-hidden rounded bg-slate-800">
        <div className="h-full bg-sky-400 transition-[width]" style={{ width: `${states.length ? (done / states.length) * 100 : 0}%` }} />
      </div>
      <div className="mt-0.5 text-[10.5px] text-slate-500">
        {done}/{states.length} nodes{running?.state === "running" && running.steps ? ` · step ${running.step}/${running.steps}` : ""}
      </div>
    </div>
  );
}

/** The runs of one "Run ×N" as one entry: a header (how many, how far), the runs inside. */
function Group({ batchId, runs, children }: { batchId: string | null; runs: { status: string }[]; children: ReactNode }) {
  if (batchId === null) return <>{children}</>;
  const done = runs.filter((r) => r.status !== "queued" && r.status !== "running").length;
  return (
    <li className="rounded-md border border-sky-900/70 p-1" data-batch={batchId}>
      <div className="px-1 pb-1 text-[10.5px] font-semibold uppercase tracking-wide text-sky-300/80">
        Batch ×{runs.length}
        {done > 0 && done < runs.length ? ` · ${done} done` : ""}
      </div>
      <ul className="space-y-1">{children}</ul>
    </li>
  );
}

/** Worker processes behind a queue in Redis (none when runs execute in the web server itself). */
function Workers() {
  const trpc = useTRPC();
  const workers = useQuery(trpc.runs.workers.queryOptions(undefined, { refetchInterval: 5_000 }));
  if (!workers.data?.length) return null;
  return (
    <section data-testid="workers">
      <h3 className="mb-1.5 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Workers</h3>
      <ul className="space-y-1">
        {workers.data.map((w) => (
          <li key={w.id} className="rounded border border-slate-800 px-2 py-1 text-[11px] text-slate-300">
            <div className="flex justify-between gap-2">
              <span className="font-mono text-slate-200">{w.id}</span>
              <span className={w.runId ? "text-sky-300" : "text-slate-500"}>{w.runId ? `running …${shortId(w.runId)}` : "idle"}</span>
            </div>
            <div className="text-slate-500">
              {w.device} · {w.packages.length ? w.packages.join(", ") : "no package loaded"}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function QueuePanel({ actions }: { actions: EditorActions }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pending = useQuery(trpc.runs.pending.queryOptions());
  const recent = useQuery(trpc.runs.list.queryOptions({ limit: 20 }));
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.runs.pending.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.runs.list.queryKey() });
  };
  const onError = (err: unknown) => useUi.getState().notify(errorMessage(err), "error");
  const moveToFront = useMutation(trpc.runs.moveToFront.mutationOptions({ onSuccess: refresh, onError }));
  const clear = useMutation(trpc.runs.clear.mutationOptions({ onSuccess: refresh, onError }));

  // the event stream knows about a run starting before the queue query is refetched
  const liveRunning = useRuns((s) => Object.values(s.runs).find((r) => r.status === "running")?.runId ?? null);
  const current = pending.data?.current ?? liveRunning;
  const queued = pending.data?.pending ?? [];
  // how many runs (anyone's) start before each waiting run: the class queue is fair but shared
  const ahead = new Map((pending.data?.standing ?? []).map((s) => [s.runId, s.ahead]));
  const currentRun = (recent.data ?? []).find((r) => r.id === current);
  const currentLabel = currentRun ? runLabel(currentRun) : null;
  const finished = (recent.data ?? []).filter((r) => r.status !== "queued" && r.status !== "running");

  return (
    <div className="space-y-4 p-3 text-sm" data-testid="queue">
      <Workers />
      <section>
        <h3 className="mb-1.5 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Running</h3>
        {current ? (
          <div className="rounded-md border border-sky-700/60 bg-sky-950/30 p-2" data-run={current}>
            <div className="flex items-center justify-between gap-2">
              <span className="min-w-0 truncate text-xs text-slate-200">{currentLabel ?? <span className="font-mono">run …{shortId(current)}</span>}</span>
              <button type="button" className={BUTTON} onClick={() => void actions.cancel(current)}>
                Cancel
              </button>
            </div>
            <RunProgress runId={current} />
          </div>
        ) : (
          <p className="text-xs text-slate-500">{pending.isLoading ? "Loading…" : "Nothing is running."}</p>
        )}
      </section>

      <section>
        <div className="mb-1.5 flex items-center justify-between">
          <h3 className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">Pending ({queued.length})</h3>
          {queued.length > 0 && (
            <button type="button" className={BUTTON} onClick={() => clear.mutate()}>
              Clear queue
            </button>
          )}
        </div>
        {queued.length === 0 ? (
          <p className="text-xs text-slate-500">{pending.isLoading ? "Loading…" : "No runs waiting."}</p>
        ) : (
          <ol className="space-y-1">
            {groupRuns(queued).map((g) => (
              <Group key={g.runs[0].id} batchId={g.batchId} runs={g.runs}>
                {g.runs.map((r) => {
                  const i = queued.indexOf(r);
                  return (
                    <li key={r.id} className="flex items-center justify-between gap-2 rounded-md border border-slate-800 px-2 py-1.5" data-run={r.id}>
                      <span className="min-w-0 text-xs text-slate-300">
                        {i + 1}. {runLabel(r) ?? <span className="font-mono">…{shortId(r.id)}</span>}{" "}
                        <span className="text-slate-500">{time(r.createdAt)}</span>{" "}
                        <span className="text-slate-500" data-ahead={ahead.get(r.id) ?? 0}>
                          · {ahead.get(r.id) ?? 0} {(ahead.get(r.id) ?? 0) === 1 ? "run" : "runs"} ahead of yours
                        </span>
                      </span>
                      <span className="flex gap-1">
                        <button
                          type="button"
                          className={BUTTON}
                          disabled={i === 0}
                          onClick={() => moveToFront.mutate({ id: r.id })}
                          aria-label={`Move run ${shortId(r.id)} to the front`}
                        >
                          To front
                        </button>
                        <button type="button" className={BUTTON} onClick={() => void actions.cancel(r.id)} aria-label={`Cancel run ${shortId(r.id)}`}>
                          Cancel
                        </button>
                      </span>
                    </li>
                  );
                })}
              </Group>
            ))}
          </ol>
        )}
      </section>

      <section>
        <div className="mb-1.5 flex items-center justify-between">
          <h3 className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">Finished</h3>
          <Link href="/gallery" className="text-[11px] text-sky-300 outline-none hover:underline focus-visible:ring-2 focus-visible:ring-sky-400">
            Gallery →
          </Link>
        </div>
        {finished.length === 0 ? (
          <p className="text-xs text-slate-500">{recent.isLoading ? "Loading…" : "No finished runs yet."}</p>
        ) : (
          <ul className="space-y-1">
            {groupRuns(finished).map((g) => (
              <Group key={g.runs[0].id} batchId={g.batchId} runs={g.runs}>
                {g.runs.map((r) => (
                  <li key={r.id} className="rounded-md border border-slate-800 px-2 py-1.5" data-run={r.id}>
                    <div className="flex items-center justify-between gap-2">
                      <span className="min-w-0 truncate text-xs text-slate-300" title={r.prompt ?? r.workflowName ?? undefined}>
                        <span className={`mr-1.5 rounded px-1 text-[10px] uppercase ${STATUS_STYLE[r.status] ?? ""}`}>{r.status}</span>
                        {runLabel(r) ?? <span className="font-mono">…{shortId(r.id)}</span>}
                      </span>
                      <button
                        type="button"
                        className={BUTTON}
                        onClick={() => void actions.loadRun(r.id)}
                        aria-label={`Load the workflow of run ${shortId(r.id)}`}
                      >
                        Load
                      </button>
                    </div>
                    <div className="mt-0.5 text-[10.5px] text-slate-500">
                      {time(r.createdAt)} {duration(r.startedAt, r.finishedAt)}{" "}
                      {r.artifactCounts.image ? `· ${r.artifactCounts.image} image${r.artifactCounts.image > 1 ? "s" : ""}` : ""}
                    </div>
                    {r.error && r.status === "failed" && <p className="mt-0.5 line-clamp-2 text-[11px] text-red-300">{r.error.message}</p>}
                  </li>
                ))}
              </Group>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
