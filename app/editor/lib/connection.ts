/**
 * Whether a wire may be drawn: checked while dragging so that the editor refuses what the
 * server would reject (wrong types, a second link into an input, self-links, cycles), with the
 * same rules and codes (nodes/core/graphRules.ts).
 */
import { portsCompatible, reaches, type ValidationCode } from "../../../nodes/core/graphRules";
import { findPort } from "./ports";
import type { Catalog, StudioEdge, StudioNode } from "./types";

export interface ConnectionAttempt {
  source: string | null;
  sourceHandle?: string | null;
  target: string | null;
  targetHandle?: string | null;
}

export type ConnectionVerdict =
  { ok: true } | { ok: false; code: Extract<ValidationCode, "self_link" | "type_mismatch" | "duplicate_input" | "cycle" | "unknown_port">; reason: string };

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
  const inp = to && findPort(catalog, to.data.type, "input", c.targetHandle, to.data.paramInputs);
  if (!out || !inp) return { ok: false, code: "unknown_port", reason: "Wires go from an output to an input." };
  if (!portsCompatible(out.type, inp.type)) {
    return { ok: false, code: "type_mismatch", reason: `Type mismatch: ${out.label} gives ${out.type}, ${inp.label} takes ${inp.type}.` };
  }
  if (graph.edges.some((e) => e.target === c.target && e.targetHandle === c.targetHandle)) {
    return { ok: false, code: "duplicate_input", reason: `${inp.label} already has a wire: remove it first.` };
  }
  if (reaches(graph.edges, c.target, c.source)) return { ok: false, code: "cycle", reason: "This wire would make a loop." };
  return { ok: true };
}
