/**
 * Whether a wire may be drawn: checked while dragging so that the editor refuses what the
 * server would reject (wrong types, a second link into an input, self-links, cycles).
 */
import { findPort, typesCompatible } from "./ports";
import type { Catalog, StudioEdge, StudioNode } from "./types";

export interface ConnectionAttempt {
  source: string | null;
  sourceHandle?: string | null;
  target: string | null;
  targetHandle?: string | null;
}

export type ConnectionVerdict =
  | { ok: true }
  | { ok: false; code: "self_link" | "type_mismatch" | "input_taken" | "cycle" | "unknown_port"; reason: string };

/** True when `to` can already reach `from` along existing edges, so from → to would close a loop. */
export function reaches(edges: readonly StudioEdge[], start: string, goal: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === goal) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

export function checkConnection(
  c: ConnectionAttempt,
  graph: { nodes: readonly StudioNode[]; edges: readonly StudioEdge[] },
  catalog: Catalog,
): ConnectionVerdict {
  if (!c.source || !c.target) return { ok: false, code: "unknown_port", reason: "Both ends of a wire must be ports." };
  if (c.source === c.target) return { ok: false, code: "self_link", reason: "A node cannot feed its own input." };
  const from = graph.nodes.find((n) => n.id === c.source);
  const to = graph.nodes.find((n) => n.id === c.target);
  const out = from && findPort(catalog, from.data.type, "output", c.sourceHandle);
  const inp = to && findPort(catalog, to.data.type, "input", c.targetHandle);
  if (!out || !inp) return { ok: false, code: "unknown_port", reason: "Wires go from an output to an input." };
  if (!typesCompatible(out.type, inp.type)) {
    return { ok: false, code: "type_mismatch", reason: `Type mismatch: ${out.label} gives ${out.type}, ${inp.label} takes ${inp.type}.` };
  }
  if (graph.edges.some((e) => e.target === c.target && e.targetHandle === c.targetHandle)) {
    return { ok: false, code: "input_taken", reason: `${inp.label} already has a wire: remove it first.` };
  }
  if (reaches(graph.edges, c.target, c.source)) return { ok: false, code: "cycle", reason: "This wire would make a loop." };
  return { ok: true };
}
