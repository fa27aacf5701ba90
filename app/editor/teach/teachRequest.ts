/**
 * A request from outside the drawer (a lesson step) to show one view of one node at a given step.
 * The drawer follows the latest request for the node it shows; `seq` makes a repeated request
 * (same node, same view) open the view afresh at the asked-for step.
 */
import { create } from "zustand";

export type TeachViewName = "explain" | "timeline" | "guidance" | "trajectory" | "schedule" | "inspect";

export interface TeachRequest {
  nodeId: string;
  view: TeachViewName;
  /** 1-based step, or the last one; absent: the view's own default (step 1). */
  step?: number | "last";
  seq: number;
}

interface TeachRequestState {
  request: TeachRequest | null;
  show(r: Omit<TeachRequest, "seq">): void;
  clear(): void;
}

export const useTeachRequest = create<TeachRequestState>()((set) => ({
  request: null,
  show: (r) => set((s) => ({ request: { ...r, seq: (s.request?.seq ?? 0) + 1 } })),
  clear: () => set({ request: null }),
}));

/** The 0-based index a request's step means in a view with `n` steps. */
export function requestedIndex(step: TeachRequest["step"], n: number): number {
  if (step === "last") return n - 1;
  if (typeof step === "number") return Math.max(0, Math.min(n - 1, step - 1));
  return 0;
}
