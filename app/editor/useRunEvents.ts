"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "../trpc/client";
import type { StreamEvent } from "./lib/runState";
import { useRuns } from "./state/runStore";

/** Follow the server's run events (SSE) for as long as the editor is open. */
export function useRunEvents(): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useSubscription(
    trpc.runs.events.subscriptionOptions(undefined, {
      onData(e) {
        useRuns.getState().apply(e as StreamEvent);
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
