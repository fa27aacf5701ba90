/**
 * Editor UI state that is not the graph: validation problems, the side panel, the add-node
 * palette, short notices, and modal dialogs (asked for with a promise).
 */
import { create } from "zustand";
import type { ValidationError } from "../../../nodes/core/graphRules";
import type { DanglingWire } from "../lib/search";

export type SideTab = "info" | "queue" | "problems";

export interface Notice {
  id: number;
  text: string;
  tone: "info" | "error" | "success";
  /** A run's progress notice: it stays until that run ends. */
  runId?: string;
}

export type DialogRequest =
  | { kind: "prompt"; title: string; label: string; initial: string; confirm: string; resolve(v: string | null): void }
  | { kind: "confirm"; title: string; message: string; confirm: string; danger?: boolean; resolve(v: boolean): void }
  | { kind: "open"; resolve(id: string | null): void };

interface UiState {
  problems: ValidationError[];
  sideTab: SideTab;
  /** The side panel can be folded away to give the canvas the whole width. */
  panelOpen: boolean;
  setPanelOpen(open: boolean): void;
  /** The teaching drawer under the canvas. */
  teachOpen: boolean;
  setTeachOpen(open: boolean): void;
  /** Record a teaching trace of every node in the next runs. */
  traceRuns: boolean;
  setTraceRuns(on: boolean): void;
  palette: { position: { x: number; y: number } | null; wire: DanglingWire | null } | null;
  notices: Notice[];
  dialog: DialogRequest | null;
  setProblems(p: ValidationError[]): void;
  setSideTab(t: SideTab): void;
  openPalette(position?: { x: number; y: number } | null, wire?: DanglingWire | null): void;
  closePalette(): void;
  notify(text: string, tone?: Notice["tone"]): void;
  /** The one progress notice of a run (replacing any earlier one of it); `endRun` removes it. */
  runNotice(runId: string, text: string): void;
  endRun(runId: string): void;
  dismiss(id: number): void;
  setDialog(d: DialogRequest | null): void;
  /** The node menu (right-click on a node), at a screen point. */
  nodeMenu: { nodeId: string; x: number; y: number } | null;
  setNodeMenu(menu: { nodeId: string; x: number; y: number } | null): void;
  /** Wires hidden (ComfyUI's link visibility); they still connect and run. */
  wiresHidden: boolean;
  setWiresHidden(hidden: boolean): void;
  /** The `?` overlay listing every shortcut. */
  shortcutsOpen: boolean;
  setShortcutsOpen(open: boolean): void;
  /** Bumped to ask the canvas to fit the graph into view (after a load or auto-layout); the canvas watches it. */
  fitRequest: number;
  requestFit(): void;
}

let noticeId = 0;

export const useUi = create<UiState>()((set) => ({
  problems: [],
  sideTab: "info",
  panelOpen: true,
  setPanelOpen: (panelOpen) => set({ panelOpen }),
  teachOpen: false,
  setTeachOpen: (teachOpen) => set({ teachOpen }),
  traceRuns: false,
  setTraceRuns: (traceRuns) => set({ traceRuns }),
  palette: null,
  notices: [],
  dialog: null,
  setProblems: (problems) => set({ problems }),
  nodeMenu: null,
  setNodeMenu: (nodeMenu) => set({ nodeMenu }),
  wiresHidden: false,
  setWiresHidden: (wiresHidden) => set({ wiresHidden }),
  shortcutsOpen: false,
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
  fitRequest: 0,
  requestFit: () => set((s) => ({ fitRequest: s.fitRequest + 1 })),
  setSideTab: (sideTab) => set({ sideTab, panelOpen: true }),
  openPalette: (position = null, wire = null) => set({ palette: { position, wire } }),
  closePalette: () => set({ palette: null }),
  notify(text, tone = "info") {
    const id = ++noticeId;
    set((s) => ({ notices: [...s.notices.slice(-3), { id, text, tone }] }));
    setTimeout(() => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })), tone === "error" ? 8000 : 4000);
  },
  runNotice(runId, text) {
    const id = ++noticeId;
    set((s) => ({ notices: [...s.notices.filter((n) => n.runId !== runId).slice(-3), { id, text, tone: "info", runId }] }));
  },
  endRun: (runId) => set((s) => ({ notices: s.notices.filter((n) => n.runId !== runId) })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  setDialog: (dialog) => set({ dialog }),
}));

export function askName(title: string, label: string, initial: string, confirm = "OK"): Promise<string | null> {
  return new Promise((resolve) => useUi.getState().setDialog({ kind: "prompt", title, label, initial, confirm, resolve }));
}

export function askConfirm(title: string, message: string, confirm = "OK", danger = false): Promise<boolean> {
  return new Promise((resolve) => useUi.getState().setDialog({ kind: "confirm", title, message, confirm, danger, resolve }));
}

export function askWorkflowToOpen(): Promise<string | null> {
  return new Promise((resolve) => useUi.getState().setDialog({ kind: "open", resolve }));
}
