"use client";
/**
 * What the toolbar, menus and shortcuts do, by concern: runs (actions/runActions.ts), workflow
 * operations through the API (actions/workflowActions.ts) and workflow files
 * (actions/fileActions.ts), each reporting back in a short notice.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC, useTRPCClient } from "../trpc/client";
import { actionContext } from "./actions/context";
import { fileActions } from "./actions/fileActions";
import { runActions } from "./actions/runActions";
import { workflowActions } from "./actions/workflowActions";

export function useEditorActions() {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMemo(() => {
    const ctx = actionContext(client, trpc, queryClient);
    return { ...runActions(ctx), ...workflowActions(ctx), ...fileActions(ctx) };
  }, [client, trpc, queryClient]);
}

export type EditorActions = ReturnType<typeof useEditorActions>;
