"use client";
/**
 * Where a node's trace is (the live run's node output, or after a reload the latest traced run
 * the server has), and the trace itself, fetched once per artifact.
 */
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../trpc/client";
import { useRuns } from "../state/runStore";
import { isNodeTrace, type NodeTrace } from "./lib/nodeTrace";

export function useTraceUrl(nodeId: string | null): string | null {
  const trpc = useTRPC();
  const live = useRuns((s) => (nodeId ? s.outputs[nodeId]?.trace?.url : undefined));
  const stored = useQuery({ ...trpc.teach.traces.queryOptions({}), enabled: Boolean(nodeId) && !live });
  if (!nodeId) return null;
  return live ?? stored.data?.traces.find((t) => t.nodeId === nodeId)?.url ?? null;
}

export function useNodeTrace(nodeId: string | null): { trace: NodeTrace | null; loading: boolean; error: string | null; url: string | null } {
  const url = useTraceUrl(nodeId);
  return { ...useTraceAt(url), url };
}

/** A trace by its artifact address (a pinned run's, for comparison). */
export function useTraceAt(url: string | null): { trace: NodeTrace | null; loading: boolean; error: string | null } {
  const q = useQuery({
    queryKey: ["node-trace", url],
    enabled: Boolean(url),
    staleTime: Infinity,
    queryFn: async () => {
      const res = await fetch(url!);
      if (!res.ok) throw new Error(`the trace could not be loaded (${res.status})`);
      const json: unknown = await res.json();
      if (!isNodeTrace(json)) throw new Error("the file is not a node trace");
      return json;
    },
  });
  return { trace: q.data ?? null, loading: q.isLoading, error: q.error ? q.error.message : null };
}
