/**
 * For a class: projector mode (large type, high contrast, light background on the teaching drawer
 * and the lesson panel) and pinned runs (a node's trace kept aside, so a later run is shown next to
 * it in every view). Kept in the browser's localStorage with the other teaching preferences.
 */
import { create } from "zustand";

export interface PinnedTrace {
  url: string;
  runId: string;
}

interface ClassroomState {
  projector: boolean;
  setProjector(on: boolean): void;
  /** Node id → the trace pinned for comparison. */
  pinned: Record<string, PinnedTrace>;
  pin(nodeId: string, trace: PinnedTrace | null): void;
}

const KEY = "unclip-studio/projector";

function storedProjector(): boolean {
  try {
    return typeof window !== "undefined" && window.localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

export const useClassroom = create<ClassroomState>()((set) => ({
  projector: storedProjector(),
  setProjector(projector) {
    try {
      window.localStorage.setItem(KEY, projector ? "1" : "0");
    } catch {
      // storage disabled: the mode lasts for this page only
    }
    set({ projector });
  },
  pinned: {},
  pin: (nodeId, trace) =>
    set((s) => {
      const pinned = { ...s.pinned };
      if (trace) pinned[nodeId] = trace;
      else delete pinned[nodeId];
      return { pinned };
    }),
}));
