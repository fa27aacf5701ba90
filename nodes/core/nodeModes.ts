/**
 * Bypassed and muted nodes, resolved before a workflow is checked and planned (browser-safe, for
 * the editor and the server alike). A bypassed node does not run: each link out of one of its
 * outputs is redrawn from whatever feeds the node's first input of the same type (ComfyUI's
 * bypass), or dropped when there is none. A muted node does not run, and neither does any node
 * that takes a required input from a node that does not run; links from such nodes into
 * optional inputs are dropped. The result is an ordinary workflow without those nodes, plus the
 * record of what was skipped, which the run report passes on.
 *
 * Parameters converted to inputs (`paramInputs`) count as inputs here too, after the declared
 * ones, as ComfyUI's converted widgets do: a bypassed Integer node whose value comes from a wire
 * passes that wire's value on. A declared input of the type still comes first.
 */
import { withParamInputs } from "./paramInputs";
import type { DataType, NodeDeclaration } from "./types";
import { groupsWithin, type Workflow, type WorkflowLink, type WorkflowNode } from "./workflow";

export interface SkippedNode {
  nodeId: string;
  /** "bypass": passed its inputs through; "mute": muted itself; "muted-input": needed a muted node. */
  reason: "bypass" | "mute" | "muted-input";
  /** For a bypass: each output port → the node and port that now stand in for it (null: none of the same type). */
  via?: Record<string, { node: string; port: string } | null>;
}

export interface ResolvedModes {
  workflow: Workflow;
  skipped: SkippedNode[];
}

/** All the resolution needs of a node type: its ports, and its parameters for those converted to inputs (so the editor's catalog entries will do). */
type Ports = Pick<NodeDeclaration, "inputs" | "outputs"> & { params?: readonly { name: string; label: string }[] };

/**
 * `paramTypeOf` gives a converted parameter's port type (the server passes `specPortType`, the
 * editor `paramPortType`); without it converted parameters are not considered.
 */
export function resolveModes<D extends Ports>(
  wf: Workflow,
  declarationOf: (type: string) => D | undefined,
  paramTypeOf?: (p: NonNullable<D["params"]>[number]) => DataType,
): ResolvedModes {
  if (!wf.nodes.some((n) => n.mode)) return { workflow: wf, skipped: [] };
  const byId = new Map(wf.nodes.map((n) => [n.id, n]));
  /** The node's ports as it uses them: converted parameters are inputs after the declared ones. */
  const portsOf = (node: WorkflowNode): Ports | undefined => {
    const d = declarationOf(node.type);
    if (!d?.params || !paramTypeOf || !node.paramInputs?.length) return d;
    return withParamInputs({ ...d, params: d.params }, node.paramInputs, paramTypeOf);
  };
  const skipped: SkippedNode[] = [];

  // 1. bypass: what stands in for each output of a bypassed node, following chains of bypassed nodes
  const bypassed = new Set(wf.nodes.filter((n) => n.mode === "bypass" && declarationOf(n.type)).map((n) => n.id));
  const feeding = (nodeId: string, port: string) => wf.links.find((l) => l.to.node === nodeId && l.to.port === port);
  const standIn = (nodeId: string, port: string, seen: Set<string>): { node: string; port: string } | null => {
    if (!bypassed.has(nodeId)) return { node: nodeId, port };
    if (seen.has(nodeId)) return null; // a loop of bypassed nodes feeds nothing
    seen.add(nodeId);
    const decl = portsOf(byId.get(nodeId)!)!;
    const type = decl.outputs.find((o) => o.name === port)?.type;
    const input = type === undefined ? undefined : decl.inputs.find((i) => i.type === type);
    const link = input && feeding(nodeId, input.name);
    return link ? standIn(link.from.node, link.from.port, seen) : null;
  };
  for (const id of bypassed) {
    const decl = portsOf(byId.get(id)!)!;
    skipped.push({ nodeId: id, reason: "bypass", via: Object.fromEntries(decl.outputs.map((o) => [o.name, standIn(id, o.name, new Set())])) });
  }
  let links: WorkflowLink[] = [];
  for (const l of wf.links) {
    if (bypassed.has(l.to.node)) continue;
    if (!bypassed.has(l.from.node)) {
      links.push(l);
      continue;
    }
    const from = standIn(l.from.node, l.from.port, new Set());
    if (from) links.push({ ...l, from });
  }

  // 2. mute: the muted nodes and, until nothing changes, every node with a required input from one of them
  const off = new Set(wf.nodes.filter((n) => n.mode === "mute").map((n) => n.id));
  for (const id of off) skipped.push({ nodeId: id, reason: "mute" });
  for (let changed = true; changed;) {
    changed = false;
    for (const l of links) {
      if (!off.has(l.from.node) || off.has(l.to.node) || bypassed.has(l.to.node)) continue;
      const decl = byId.get(l.to.node) && portsOf(byId.get(l.to.node)!);
      const optional = decl?.inputs.find((i) => i.name === l.to.port)?.optional;
      if (optional) continue;
      off.add(l.to.node);
      skipped.push({ nodeId: l.to.node, reason: "muted-input" });
      changed = true;
    }
  }
  links = links.filter((l) => !off.has(l.from.node) && !off.has(l.to.node));

  const gone = new Set([...bypassed, ...off]);
  const { groups, ...rest } = wf;
  const nodes = wf.nodes.filter((n) => !gone.has(n.id));
  // frames keep naming only nodes that are left, so the result is a valid workflow too
  return { workflow: { ...rest, nodes, links, ...groupsWithin(groups, new Set(nodes.map((n) => n.id))) }, skipped };
}
