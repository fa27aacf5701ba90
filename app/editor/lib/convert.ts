/**
 * Saved workflow ↔ React Flow graph. Parameters missing from a saved node get their declared
 * defaults, so an old workflow opens with every widget filled in; editor-only settings (seed
 * modes) travel in the workflow's `meta.editor`.
 */
import { WORKFLOW_FORMAT, WORKFLOW_VERSION, type Workflow } from "../../../nodes/core/workflow";
import type { Sweep } from "../../../nodes/core/sweep";
import type { CatalogNode } from "../../../nodes/core/types";
import { findPort, portColor } from "./ports";
import type { Catalog, GraphDoc, SeedMode, StudioEdge, StudioGroup, StudioNode } from "./types";

export function defaultParams(decl: CatalogNode | undefined): Record<string, unknown> {
  return Object.fromEntries((decl?.params ?? []).map((p) => [p.name, structuredClone(p.default)]));
}

/** A wire as React Flow draws it, coloured by the type of the output it leaves. */
export function makeEdge(
  id: string,
  source: { node: string; port: string },
  target: { node: string; port: string },
  sourceNodeType: string | undefined,
  catalog: Catalog,
): StudioEdge {
  const type = sourceNodeType ? findPort(catalog, sourceNodeType, "output", source.port)?.type : undefined;
  return {
    id,
    source: source.node,
    sourceHandle: source.port,
    target: target.node,
    targetHandle: target.port,
    data: { portType: type ?? "*" },
    style: { stroke: portColor(type), strokeWidth: 2 },
  };
}

type EditorMeta = { seedModes?: Record<string, Record<string, SeedMode>> };

function editorMeta(wf: Workflow): EditorMeta {
  const m = wf.meta?.editor;
  return typeof m === "object" && m !== null ? m : {};
}

export function workflowToGraph(wf: Workflow, catalog: Catalog): GraphDoc {
  const seedModes = editorMeta(wf).seedModes ?? {};
  const nodes: StudioNode[] = wf.nodes.map((n) => ({
    id: n.id,
    type: "studio",
    position: { ...n.position },
    ...(n.width ? { width: n.width } : {}),
    data: {
      type: n.type,
      params: { ...defaultParams(catalog.get(n.type)), ...structuredClone(n.params) },
      ...(n.title ? { title: n.title } : {}),
      ...(seedModes[n.id] ? { seedModes: { ...seedModes[n.id] } } : {}),
      ...(n.trace ? { trace: true } : {}),
      ...(n.mode ? { mode: n.mode } : {}),
      ...(n.collapsed ? { collapsed: true } : {}),
      ...(n.pinned ? { pinned: true } : {}),
      ...(n.color ? { color: n.color } : {}),
      ...(n.paramInputs?.length ? { paramInputs: [...n.paramInputs] } : {}),
    },
    ...(n.pinned ? { draggable: false } : {}),
  }));
  const typeOf = new Map(wf.nodes.map((n) => [n.id, n.type]));
  const edges = wf.links.map((l) => {
    const e = makeEdge(l.id, l.from, l.to, typeOf.get(l.from.node), catalog);
    return l.points?.length ? { ...e, data: { ...e.data!, points: l.points.map((p) => ({ ...p })) } } : e;
  });
  const groups: StudioGroup[] = (wf.groups ?? []).map((g) => ({
    id: g.id,
    title: g.title,
    nodes: [...g.nodes],
    ...(g.color ? { color: g.color } : {}),
    ...(g.collapsed ? { collapsed: true } : {}),
  }));
  return { nodes, edges, groups };
}

export function graphToWorkflow(doc: GraphDoc, info: { name?: string; meta?: Record<string, unknown>; sweep?: Sweep } = {}): Workflow {
  const seedModes: Record<string, Record<string, SeedMode>> = {};
  for (const n of doc.nodes) if (n.data.seedModes && Object.keys(n.data.seedModes).length) seedModes[n.id] = { ...n.data.seedModes };
  const { editor: _old, ...meta } = info.meta ?? {};
  const withEditor = Object.keys(seedModes).length ? { ...meta, editor: { seedModes } } : meta;
  return {
    format: WORKFLOW_FORMAT,
    version: WORKFLOW_VERSION,
    ...(info.name ? { name: info.name } : {}),
    nodes: doc.nodes.map((n) => ({
      id: n.id,
      type: n.data.type,
      params: structuredClone(n.data.params),
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      ...(n.data.title ? { title: n.data.title } : {}),
      ...(n.width ? { width: n.width } : {}),
      ...(n.data.trace ? { trace: true } : {}),
      ...(n.data.mode ? { mode: n.data.mode } : {}),
      ...(n.data.collapsed ? { collapsed: true } : {}),
      ...(n.data.pinned ? { pinned: true } : {}),
      ...(n.data.color ? { color: n.data.color } : {}),
      ...(n.data.paramInputs?.length ? { paramInputs: [...n.data.paramInputs] } : {}),
    })),
    links: doc.edges.map((e) => ({
      id: e.id,
      from: { node: e.source, port: e.sourceHandle ?? "" },
      to: { node: e.target, port: e.targetHandle ?? "" },
      ...(e.data?.points?.length ? { points: e.data.points.map((p) => ({ x: Math.round(p.x), y: Math.round(p.y) })) } : {}),
    })),
    ...(doc.groups?.length
      ? {
          groups: doc.groups.map((g) => ({
            id: g.id,
            title: g.title,
            ...(g.color ? { color: g.color } : {}),
            nodes: [...g.nodes],
            ...(g.collapsed ? { collapsed: true } : {}),
          })),
        }
      : {}),
    ...(Object.keys(withEditor).length ? { meta: withEditor } : {}),
    ...(info.sweep ? { sweep: structuredClone(info.sweep) } : {}),
  };
}

/** Seeds of parameters set to "randomize" get fresh values (before a run is queued). */
export function randomizeSeeds(doc: GraphDoc, draw: () => number): GraphDoc {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const modes = Object.entries(n.data.seedModes ?? {}).filter(([, m]) => m === "randomize");
    if (!modes.length) return n;
    changed = true;
    const params = { ...n.data.params };
    for (const [name] of modes) params[name] = draw();
    return { ...n, data: { ...n.data, params } };
  });
  return changed ? { ...doc, nodes } : doc;
}
