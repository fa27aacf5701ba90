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

export function runParameters(
  snapshot: string,
  titles: ReadonlyMap<string, { title: string; executable?: boolean; params: { name: string; label: string }[] }>,
): NodeParams[] {
  const wf = parseWorkflow(snapshot);
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
