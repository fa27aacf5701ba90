"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "../trpc/client";
import type { StreamEvent } from "./lib/runState";
import { skippedText } from "./lib/skippedText";
import { useGraph } from "./state/graphStore";
import { useRuns } from "./state/runStore";
import { useUi } from "./state/uiStore";

/** A node as the user knows it: its title, or its type's, or its id. */
function titleOf(id: string): string {
  const g = useGraph.getState();
  const n = g.nodes.find((x) => x.id === id);
  return n?.data.title ?? (n && g.catalog.get(n.data.type)?.title) ?? id;
}

/** When a run this editor queued has ended: its progress notice goes, and a run that skipped nodes says which. */
export function announceEnd(runId: string): void {
  const ui = useUi.getState();
  ui.endRun(runId);
  const run = useRuns.getState().runs[runId];
  // only what the user bypassed or muted is news ("Run to here" mutes other outputs in what it sends)
  const modes = new Map(useGraph.getState().nodes.map((n) => [n.id, n.data.mode]));
  const news = run?.skipped?.filter((s) => s.reason === "muted-input" || modes.get(s.nodeId) === s.reason) ?? [];
  if (run?.status === "finished" && news.length) ui.notify(`Run done: ${skippedText(news, titleOf)}`, "info");
}

/** The run's one progress notice follows it (it was put up when the run was queued, see runActions). */
function followNotice(e: StreamEvent): void {
  if (e.type === "snapshot" || !e.type.startsWith("run.")) return;
  const ui = useUi.getState();
  const mine = useRuns.getState().focusRunId === e.runId;
  if (e.type === "run.started" && ui.notices.some((n) => n.runId === e.runId)) ui.runNotice(e.runId, "Running…");
  if ((e.type === "run.finished" || e.type === "run.failed" || e.type === "run.cancelled") && mine) announceEnd(e.runId);
}

/** Follow the server's run events (SSE) for as long as the editor is open. */
export function useRunEvents(): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useSubscription(
    trpc.runs.events.subscriptionOptions(undefined, {
      onData(e) {
        useRuns.getState().apply(e as StreamEvent);
        followNotice(e as StreamEvent);
        if (e.type === "snapshot" || e.type.startsWith("run.")) {
          // the queue and history lists change with every run transition
          void queryClient.invalidateQueries({ queryKey: trpc.runs.pending.queryKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.runs.list.queryKey() });
        }
        if (e.type === "run.finished") {
          void queryClient.invalidateQueries({ queryKey: trpc.runs.gallery.queryKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.teach.traces.queryKey() });
        }
      },
    }),
  );
}
