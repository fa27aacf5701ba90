/**
 * "Run to here": run only what the chosen nodes need. The server runs what output nodes need, so
 * the workflow sent is the editor's with every other output node muted (only in what is sent):
 * the chosen output nodes, or, for a chosen node that is not one, the output nodes it feeds
 * directly (the Decoder's preview, say). Nothing upstream of the muted outputs alone runs.
 */
import type { Workflow } from "../../../nodes/core/workflow";
import type { Catalog } from "./types";

/** The workflow to send, or null when no output node is chosen or fed directly by a chosen node. */
export function runToHere(wf: Workflow, chosen: readonly string[], catalog: Catalog): { workflow: Workflow; outputs: string[] } | null {
  const isOutput = (id: string) => {
    const n = wf.nodes.find((x) => x.id === id);
    return Boolean(n && catalog.get(n.type)?.output);
  };
  const picked = new Set(chosen);
  const outputs = new Set(chosen.filter(isOutput));
  for (const l of wf.links) if (picked.has(l.from.node) && !picked.has(l.to.node) && isOutput(l.to.node)) outputs.add(l.to.node);
  if (!outputs.size) return null;
  return {
    workflow: { ...wf, nodes: wf.nodes.map((n) => (isOutput(n.id) && !outputs.has(n.id) ? { ...n, mode: "mute" as const } : n)) },
    outputs: [...outputs],
  };
}
