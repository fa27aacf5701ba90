"use client";
/**
 * The toolbar's "Run ×N" count beside Run: 1 runs once, N queues N runs with successive seeds
 * (nodes/core/batchSeeds.ts) as one group. The choices stop at the server's limit
 * (UNCLIP_MAX_BATCH_COUNT, `runs.batchLimit`).
 */
import { useQuery } from "@tanstack/react-query";
import { create } from "zustand";
import { useTRPC } from "../trpc/client";

export const useBatchCount = create<{ count: number; set(count: number): void }>()((set) => ({
  count: 1,
  set: (count) => set({ count }),
}));

export function BatchCount() {
  const trpc = useTRPC();
  const limit = useQuery(trpc.runs.batchLimit.queryOptions(undefined, { staleTime: Infinity }));
  const count = useBatchCount((s) => s.count);
  const max = limit.data?.maxBatchCount ?? 1;
  if (max < 2) return null;
  return (
    <label className="flex items-center gap-1 text-sm text-slate-300" title="Batch count: queue this many runs, seed, seed + 1, … (one group in the queue)">
      <span aria-hidden>×</span>
      <select
        aria-label="Batch count"
        data-testid="batch-count"
        value={Math.min(count, max)}
        onChange={(e) => useBatchCount.getState().set(Number(e.target.value))}
        className="rounded-md border border-slate-700 bg-slate-900 px-1 py-1 text-sm text-slate-200 outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
      >
        {Array.from({ length: max }, (_, i) => i + 1).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
