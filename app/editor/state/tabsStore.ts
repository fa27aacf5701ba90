/**
 * Workflow tabs: several open workflows, each with its own graph, undo history, unsaved marker,
 * outputs and problems. The open tab lives in the graph, run and UI stores as before; switching
 * puts its state aside here and brings the other tab's back, so nothing else needs to know about
 * tabs. Runs are shared (the server's queue); each tab keeps which run it follows.
 */
import { create } from "zustand";
import type { ValidationError } from "../../../nodes/core/graphRules";
import { emptyWorkflow } from "../../../nodes/core/workflow";
import type { NodeUi } from "../lib/runState";
import { useGraph } from "./graphStore";
import { useRuns } from "./runStore";
import { useUi } from "./uiStore";

type GraphPart = Pick<ReturnType<typeof useGraph.getState>, "nodes" | "edges" | "groups" | "history" | "workflow" | "savedFingerprint">;

export interface TabState {
  graph: GraphPart;
  outputs: Record<string, NodeUi>;
  /** Each node's recent results, which one is shown, and the runs this tab queued. */
  results: Pick<ReturnType<typeof useRuns.getState>, "history" | "historyAt" | "tracked">;
  focusRunId: string | null;
  problems: ValidationError[];
}

interface TabsState {
  /** Tab ids in order; `active` is the one shown. */
  order: number[];
  active: number;
  /** The state of every tab but the active one. */
  aside: Record<number, TabState>;
  open(): void;
  switchTo(id: number): void;
  /** Close a tab (the caller asks about unsaved changes first); the last one is replaced by an empty tab. */
  close(id: number): void;
}

let nextId = 1;

function capture(): TabState {
  const g = useGraph.getState();
  const r = useRuns.getState();
  return {
    graph: { nodes: g.nodes, edges: g.edges, groups: g.groups, history: g.history, workflow: g.workflow, savedFingerprint: g.savedFingerprint },
    outputs: r.outputs,
    results: { history: r.history, historyAt: r.historyAt, tracked: r.tracked },
    focusRunId: r.focusRunId,
    problems: useUi.getState().problems,
  };
}

function restore(t: TabState): void {
  useGraph.setState(t.graph);
  useRuns.setState({ outputs: t.outputs, ...t.results, focusRunId: t.focusRunId });
  useUi.getState().setProblems(t.problems);
  useUi.getState().requestFit();
}

function blank(): void {
  useGraph.getState().load(emptyWorkflow(), { id: null, name: "Untitled" });
  useRuns.getState().clearOutputs();
  useRuns.setState({ tracked: {} });
  useUi.getState().setProblems([]);
}

export const useTabs = create<TabsState>()((set, get) => ({
  order: [0],
  active: 0,
  aside: {},

  open() {
    const { active, aside, order } = get();
    const id = nextId++;
    set({ aside: { ...aside, [active]: capture() }, order: [...order, id], active: id });
    blank();
  },

  switchTo(id) {
    const { active, aside } = get();
    const target = aside[id];
    if (id === active || !target) return;
    const { [id]: _shown, ...rest } = aside;
    set({ aside: { ...rest, [active]: capture() }, active: id });
    restore(target);
  },

  close(id) {
    const { active, aside, order } = get();
    const left = order.filter((t) => t !== id);
    if (id !== active) {
      const { [id]: _gone, ...rest } = aside;
      return set({ aside: rest, order: left });
    }
    if (!left.length) {
      const fresh = nextId++;
      set({ order: [fresh], active: fresh });
      return blank();
    }
    const next = left[Math.max(0, order.indexOf(id) - 1)];
    const { [next]: shown, ...rest } = aside;
    set({ aside: rest, order: left, active: next });
    restore(shown);
  },
}));
