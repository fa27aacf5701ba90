"use client";
/**
 * What every editor action shares: the API client, notices, and loading a graph into the editor
 * (which also clears problems and outputs and asks the canvas to fit it).
 */
import type { QueryClient } from "@tanstack/react-query";
import type { Workflow } from "../../../nodes/core/workflow";
import type { useTRPC, useTRPCClient } from "../../trpc/client";
import { isDirty, useGraph } from "../state/graphStore";
import { useRuns } from "../state/runStore";
import { askConfirm, useUi } from "../state/uiStore";

export interface ActionContext {
  client: ReturnType<typeof useTRPCClient>;
  trpc: ReturnType<typeof useTRPC>;
  queryClient: QueryClient;
  notify: (text: string, tone?: "info" | "error" | "success") => void;
  refreshList: () => Promise<void>;
  /** Ask before throwing away unsaved changes. */
  mayDiscard: () => Promise<boolean>;
  loadGraph: (wf: Workflow, info: { id: string | null; name: string; updatedAt?: Date }, saved?: boolean) => void;
}

export function actionContext(client: ActionContext["client"], trpc: ActionContext["trpc"], queryClient: QueryClient): ActionContext {
  return {
    client,
    trpc,
    queryClient,
    notify: (text, tone) => useUi.getState().notify(text, tone),
    refreshList: () => queryClient.invalidateQueries({ queryKey: trpc.workflows.list.queryKey() }),
    mayDiscard: async () =>
      !isDirty(useGraph.getState()) || (await askConfirm("Unsaved changes", "The current workflow has unsaved changes. Discard them?", "Discard", true)),
    loadGraph(wf, info, saved = true) {
      useGraph.getState().load(wf, info, { saved });
      useUi.getState().setProblems([]);
      useRuns.getState().clearOutputs();
      // teaching workflows open with the teaching views showing
      if (wf.meta?.teach === true) useUi.getState().setTeachOpen(true);
      useUi.getState().requestFit();
    },
  };
}

/** Keep the open workflow in the address bar, so a reload opens it again. */
export function showInUrl(params: Record<string, string> | null): void {
  const url = new URL(window.location.href);
  url.search = params ? new URLSearchParams(params).toString() : "";
  window.history.replaceState(null, "", url);
}
