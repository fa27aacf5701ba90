/**
 * The parameters worth showing next to a saved image: every node's parameters from the run's
 * workflow snapshot, with titles, skipping notes and empty values.
 */
import { parseWorkflow } from "../../nodes/core/workflow";
import { isExecutable } from "../../nodes/core/graphRules";

export interface NodeParams {
  nodeId: string;
  title: string;
  params: [string, string][];
}

function show(v: unknown): string {
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** A sweep cell's values, from its image's artifact meta (server/graph/sweep.ts tags them). */
export function cellOverrides(meta: unknown): { node: string; param: string; value: unknown }[] {
  const sweep = typeof meta === "object" && meta !== null ? (meta as { sweep?: { overrides?: unknown } }).sweep : undefined;
  const list = Array.isArray(sweep?.overrides) ? (sweep.overrides as unknown[]) : [];
  return list.filter(
    (o): o is { node: string; param: string; value: unknown } =>
      typeof o === "object" && o !== null && typeof (o as { node?: unknown }).node === "string" && typeof (o as { param?: unknown }).param === "string",
  );
}

/** `overrides`: a sweep cell's values, which replace the snapshot's (the run's snapshot is the sweep's base). */
export function runParameters(
  snapshot: string,
  titles: ReadonlyMap<string, { title: string; executable?: boolean; params: { name: string; label: string }[] }>,
  overrides: readonly { node: string; param: string; value: unknown }[] = [],
): NodeParams[] {
  const wf = parseWorkflow(snapshot);
  for (const o of overrides) {
    const node = wf.nodes.find((n) => n.id === o.node);
    if (node) node.params = { ...node.params, [o.param]: o.value };
  }
  const out: NodeParams[] = [];
  for (const n of wf.nodes) {
    const decl = titles.get(n.type);
    if (decl && !isExecutable(decl)) continue;
    const labels = new Map(decl?.params.map((p) => [p.name, p.label]) ?? []);
    const params = Object.entries(n.params)
      .filter(([, v]) => v !== "" && v !== null && v !== undefined)
      .map(([k, v]) => [labels.get(k) ?? k, show(v)] as [string, string]);
    if (params.length) out.push({ nodeId: n.id, title: n.title ?? decl?.title ?? n.type, params });
  }
  return out;
}
