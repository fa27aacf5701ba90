/**
 * The graph being edited, its undo history and which saved workflow it is. Every action that
 * changes the graph records the state before it as one undo step (a drag, a paste or a delete of
 * many nodes is one step); selection and measured sizes are not history.
 */
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from "@xyflow/react";
import { applyFrameChanges, type GroupPatch } from "./frameChanges";
import { create } from "zustand";
import type { Workflow } from "../../../nodes/core/workflow";
import type { Sweep } from "../../../nodes/core/sweep";
import { copyNodes, pasteInto, type ClipboardContent, type PasteOptions } from "../lib/clipboard";
import { checkConnection } from "../lib/connection";
import { defaultParams, graphToWorkflow, makeEdge, randomizeSeeds, workflowToGraph } from "../lib/convert";
import { emptyHistory, record, redo, undo, type History } from "../lib/history";
import { idStem, nextLinkId, uniqueId } from "../lib/ids";
import { layoutGraph } from "../lib/autoLayout";
import { groupNodes, pruneGroups, selectedNodeIds } from "../lib/groups";
import { insertPoint } from "../lib/reroute";
import type { Catalog, GraphDoc, NodeLook, NodeMode, Point, SeedMode, StudioEdge, StudioGroup, StudioNode } from "../lib/types";
import { randomSeed } from "../../../nodes/core/seeds";

export interface WorkflowInfo {
  /** The saved workflow this graph is, or null when it was never saved. */
  id: string | null;
  name: string;
  meta?: Record<string, unknown>;
  /** The workflow's sweep (XY grid), edited in the Sweep dialog; not part of the undo history. */
  sweep?: Sweep;
  updatedAt?: Date;
}

interface GraphState extends GraphDoc {
  groups: StudioGroup[];
  catalog: Catalog;
  history: History<GraphDoc>;
  workflow: WorkflowInfo;
  /** The saved form of the graph as last loaded or saved, to tell whether there are unsaved changes. */
  savedFingerprint: string;

  setCatalog: (catalog: Catalog) => void;
  load: (wf: Workflow, info: WorkflowInfo, options?: { saved?: boolean }) => void;
  markSaved: (info: WorkflowInfo) => void;
  toWorkflow: () => Workflow;
  /** Set or clear (undefined) the sweep: the graph then has unsaved changes. */
  setSweep: (sweep: Sweep | undefined) => void;

  /** Node changes from the canvas; those of frame nodes move or select frames (state/frameChanges.ts). */
  onNodesChange: (changes: NodeChange[]) => void;
  onEdgesChange: (changes: EdgeChange<StudioEdge>[]) => void;
  /** Call when a drag starts: the positions before it become one undo step. */
  beginDrag: () => void;
  connect: (c: Connection) => ReturnType<typeof checkConnection>;
  addNode: (
    type: string,
    position: { x: number; y: number },
    attach?: { nodeId: string; handle: string; from: "output" | "input"; port: string },
  ) => string | null;
  setParam: (nodeId: string, name: string, value: unknown) => void;
  setSeedMode: (nodeId: string, name: string, mode: SeedMode) => void;
  setTitle: (nodeId: string, title: string) => void;
  /** Record a teaching trace of this node on every run (saved with the workflow). */
  setTrace: (nodeId: string, on: boolean) => void;
  deleteSelected: () => void;
  selectAll: () => void;
  selectOnly: (nodeId: string) => void;
  copySelection: () => ClipboardContent | null;
  paste: (clip: ClipboardContent, options?: PasteOptions) => void;
  /** Collapse, pin or tint a node (undefined/false clears); a pinned node cannot be dragged. */
  setLook: (nodeId: string, look: NodeLook) => void;
  /** Take a parameter from a wire (an input port of its name) or back from its widget; back drops that wire. */
  setParamInput: (nodeId: string, name: string, on: boolean) => void;
  /** Bypass or mute the selected nodes; when all of them already are, back to normal. */
  toggleMode: (mode: NodeMode) => void;
  duplicateSelection: () => void;
  /** Ctrl+G: a frame around the selected nodes (and the members of selected frames). */
  groupSelection: () => void;
  /** Rename, tint, collapse or expand a frame. */
  setGroup: (groupId: string, patch: GroupPatch) => void;
  selectGroup: (groupId: string) => void;
  /** Add a reroute point to a wire where it lengthens the wire least (`from`/`to`: where the wire leaves and enters). */
  addLinkPoint: (edgeId: string, at: Point, from: Point, to: Point) => void;
  /** Move a reroute point while it is dragged (the drag's start records the undo step: beginDrag). */
  moveLinkPoint: (edgeId: string, index: number, at: Point) => void;
  removeLinkPoint: (edgeId: string, index: number) => void;
  autoLayout: () => void;
  drawRandomSeeds: () => void;
  undo: () => void;
  redo: () => void;
}

export function fingerprint(doc: GraphDoc): string {
  return JSON.stringify(graphToWorkflow(doc));
}

/** A fresh random seed below 2^48 (well inside the allowed range). */
const docOf = (s: GraphDoc): GraphDoc => ({ nodes: s.nodes, edges: s.edges, groups: s.groups ?? [] });

/** A wire's reroute points replaced (none: the field goes). */
function withPoints(e: StudioEdge, points: Point[]): StudioEdge {
  const { points: _old, ...data } = e.data ?? { portType: "*" };
  return { ...e, data: points.length ? { ...data, points } : data };
}

export const useGraph = create<GraphState>()((set, get) => {
  /** Apply a change to the graph as one undo step (coalesced with the previous one when `key` matches). */
  const change = (next: (s: GraphState) => Partial<GraphDoc>, key: string | null = null) =>
    set((s) => ({ ...next(s), history: record(s.history, docOf(s), key) }));

  return {
    nodes: [],
    edges: [],
    groups: [],
    catalog: new Map(),
    history: emptyHistory(),
    workflow: { id: null, name: "Untitled" },
    savedFingerprint: fingerprint({ nodes: [], edges: [] }),

    setCatalog: (catalog) => set({ catalog }),

    load(wf, info, options = {}) {
      const doc = workflowToGraph(wf, get().catalog);
      set({
        ...doc,
        groups: doc.groups ?? [],
        history: emptyHistory(),
        workflow: { ...info, meta: info.meta ?? wf.meta, sweep: wf.sweep },
        savedFingerprint: options.saved === false ? "" : fingerprint(doc),
      });
    },

    markSaved(info) {
      set((s) => ({ workflow: { ...s.workflow, ...info }, savedFingerprint: fingerprint(docOf(s)) }));
    },

    toWorkflow() {
      const s = get();
      return graphToWorkflow(docOf(s), { name: s.workflow.name, meta: s.workflow.meta, sweep: s.workflow.sweep });
    },

    setSweep(sweep) {
      set((s) => ({ workflow: { ...s.workflow, sweep }, savedFingerprint: "" }));
    },

    onNodesChange(changes) {
      // removals come only from our own delete action, which records history itself
      set((s) => {
        const { rest, nodes, groups } = applyFrameChanges(changes, s.nodes, s.groups);
        return { nodes: applyNodeChanges(rest as NodeChange<StudioNode>[], nodes), groups };
      });
    },

    onEdgesChange(changes) {
      set((s) => ({ edges: applyEdgeChanges(changes, s.edges) }));
    },

    beginDrag() {
      set((s) => ({ history: record(s.history, docOf(s)) }));
    },

    connect(c) {
      const s = get();
      const verdict = checkConnection(c, s, s.catalog);
      if (!verdict.ok) return verdict;
      const sourceType = s.nodes.find((n) => n.id === c.source)?.data.type;
      const edge = makeEdge(
        nextLinkId(new Set(s.edges.map((e) => e.id))),
        { node: c.source, port: c.sourceHandle! },
        { node: c.target, port: c.targetHandle! },
        sourceType,
        s.catalog,
      );
      change((st) => ({ edges: [...st.edges, edge] }));
      return verdict;
    },

    addNode(type, position, attach) {
      const s = get();
      const decl = s.catalog.get(type);
      if (!decl) return null;
      const id = uniqueId(idStem(type), new Set(s.nodes.map((n) => n.id)));
      const node: StudioNode = {
        id,
        type: "studio",
        position,
        selected: true,
        data: { type, params: defaultParams(decl) },
      };
      const nodes = [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node];
      let edges = s.edges;
      if (attach) {
        const conn =
          attach.from === "output"
            ? { source: attach.nodeId, sourceHandle: attach.handle, target: id, targetHandle: attach.port }
            : { source: id, sourceHandle: attach.port, target: attach.nodeId, targetHandle: attach.handle };
        if (checkConnection(conn, { nodes, edges }, s.catalog).ok) {
          const sourceType = nodes.find((n) => n.id === conn.source)?.data.type;
          edges = [
            ...edges,
            makeEdge(
              nextLinkId(new Set(edges.map((e) => e.id))),
              { node: conn.source, port: conn.sourceHandle },
              { node: conn.target, port: conn.targetHandle },
              sourceType,
              s.catalog,
            ),
          ];
        }
      }
      change(() => ({ nodes, edges }));
      return id;
    },

    setParam(nodeId, name, value) {
      change(
        (s) => ({ nodes: s.nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, params: { ...n.data.params, [name]: value } } } : n)) }),
        `param:${nodeId}:${name}`,
      );
    },

    setSeedMode(nodeId, name, mode) {
      change((s) => ({
        nodes: s.nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, seedModes: { ...n.data.seedModes, [name]: mode } } } : n)),
      }));
    },

    setTrace(nodeId, on) {
      change((s) => ({
        nodes: s.nodes.map((n) => {
          if (n.id !== nodeId) return n;
          const { trace: _old, ...data } = n.data;
          return { ...n, data: on ? { ...data, trace: true } : data };
        }),
      }));
    },

    setTitle(nodeId, title) {
      change(
        (s) => ({
          nodes: s.nodes.map((n) => {
            if (n.id !== nodeId) return n;
            const { title: _old, ...data } = n.data;
            return { ...n, data: title.trim() ? { ...data, title: title.trim() } : data };
          }),
        }),
        `title:${nodeId}`,
      );
    },

    deleteSelected() {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edges = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
      // a deleted frame leaves its nodes where they are (as in ComfyUI); a deleted node leaves its frame
      const nodes = s.nodes.filter((n) => !gone.has(n.id));
      const groups = pruneGroups(
        s.groups.filter((g) => !g.selected),
        new Set(nodes.map((n) => n.id)),
      );
      if (!gone.size && edges.length === s.edges.length && groups.length === s.groups.length) return;
      change(() => ({ nodes, edges, groups }));
    },

    selectAll() {
      set((s) => ({ nodes: s.nodes.map((n) => ({ ...n, selected: true })) }));
    },

    selectOnly(nodeId) {
      set((s) => ({
        nodes: s.nodes.map((n) => (n.selected !== (n.id === nodeId) ? { ...n, selected: n.id === nodeId } : n)),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        groups: s.groups.map((g) => (g.selected ? { ...g, selected: false } : g)),
      }));
    },

    copySelection() {
      const s = get();
      const ids = selectedNodeIds(docOf(s));
      return ids.size ? copyNodes(docOf(s), ids) : null;
    },

    paste(clip, options) {
      change((s) => pasteInto(docOf(s), clip, options));
    },

    setLook(nodeId, look) {
      change((s) => ({
        nodes: s.nodes.map((n) => {
          if (n.id !== nodeId) return n;
          const data = { ...n.data, ...look };
          for (const k of ["collapsed", "pinned", "color"] as const) if (!data[k]) delete data[k];
          const { draggable: _d, ...rest } = n;
          return { ...rest, data, ...(data.pinned ? { draggable: false } : {}) };
        }),
      }));
    },

    setParamInput(nodeId, name, on) {
      change((s) => ({
        nodes: s.nodes.map((n) => {
          if (n.id !== nodeId) return n;
          const rest = (n.data.paramInputs ?? []).filter((p) => p !== name);
          const paramInputs = on ? [...rest, name] : rest;
          const { paramInputs: _old, ...data } = n.data;
          return { ...n, data: paramInputs.length ? { ...data, paramInputs } : data };
        }),
        edges: on ? s.edges : s.edges.filter((e) => !(e.target === nodeId && e.targetHandle === name)),
      }));
    },

    toggleMode(mode) {
      const chosen = get().nodes.filter((n) => n.selected);
      if (!chosen.length) return;
      const clear = chosen.every((n) => n.data.mode === mode);
      change((s) => ({
        nodes: s.nodes.map((n) => {
          if (!n.selected) return n;
          const { mode: _old, ...data } = n.data;
          return { ...n, data: clear ? data : { ...data, mode } };
        }),
      }));
    },

    duplicateSelection() {
      const clip = get().copySelection();
      if (clip) get().paste(clip);
    },

    groupSelection() {
      const s = get();
      const ids = selectedNodeIds(docOf(s));
      if (!ids.size) return;
      change((st) => groupNodes(docOf(st), ids));
    },

    setGroup(groupId, patch) {
      change(
        (s) => ({
          groups: s.groups.map((g) => {
            if (g.id !== groupId) return g;
            const next: StudioGroup = { ...g, ...patch };
            if (!next.color) delete next.color;
            if (!next.collapsed) delete next.collapsed;
            return next;
          }),
        }),
        patch.title !== undefined ? `group-title:${groupId}` : null,
      );
    },

    selectGroup(groupId) {
      set((s) => ({
        nodes: s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        groups: s.groups.map((g) => (Boolean(g.selected) !== (g.id === groupId) ? { ...g, selected: g.id === groupId } : g)),
      }));
    },

    addLinkPoint(edgeId, at, from, to) {
      change((s) => ({ edges: s.edges.map((e) => (e.id === edgeId ? withPoints(e, insertPoint(e.data?.points ?? [], at, from, to)) : e)) }));
    },

    moveLinkPoint(edgeId, index, at) {
      set((s) => ({
        edges: s.edges.map((e) => {
          const points = e.data?.points;
          if (e.id !== edgeId || !points?.[index]) return e;
          return withPoints(
            e,
            points.map((p, i) => (i === index ? { x: Math.round(at.x), y: Math.round(at.y) } : p)),
          );
        }),
      }));
    },

    removeLinkPoint(edgeId, index) {
      change((s) => ({
        edges: s.edges.map((e) =>
          e.id === edgeId
            ? withPoints(
                e,
                (e.data?.points ?? []).filter((_, i) => i !== index),
              )
            : e,
        ),
      }));
    },

    autoLayout() {
      change((s) => layoutGraph(docOf(s)));
    },

    drawRandomSeeds() {
      const s = get();
      const next = randomizeSeeds(docOf(s), randomSeed);
      if (next.nodes !== s.nodes) set({ nodes: next.nodes });
    },

    undo() {
      const s = get();
      const r = undo(s.history, docOf(s));
      if (r) set({ ...r.value, groups: r.value.groups ?? [], history: r.history });
    },

    redo() {
      const s = get();
      const r = redo(s.history, docOf(s));
      if (r) set({ ...r.value, groups: r.value.groups ?? [], history: r.history });
    },
  };
});

export function isDirty(s: { nodes: StudioNode[]; edges: StudioEdge[]; savedFingerprint: string }): boolean {
  return fingerprint(s) !== s.savedFingerprint;
}
