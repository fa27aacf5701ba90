/**
 * The parameter differences between two workflows (the compare view: "what did I change between
 * these two images?"). Nodes are matched by id — a workflow edited and run again keeps its node
 * ids — and by type: a node whose id is in both but whose type changed counts as removed and
 * added. Browser-safe (no imports but the workflow type).
 */
import type { Workflow, WorkflowNode } from "./workflow";

export interface ParamChange {
  nodeId: string;
  /** The node's title in B (or A), or its type's title from `describe`, or its id. */
  node: string;
  param: string;
  /** The parameter's label from `describe`, or its name. */
  label: string;
  /** undefined: the parameter is not set in that workflow (its default applies). */
  a: unknown;
  b: unknown;
}

export interface NodeChange {
  nodeId: string;
  node: string;
  type: string;
}

export interface WorkflowDiff {
  changed: ParamChange[];
  /** In A, not in B. */
  removed: NodeChange[];
  /** In B, not in A. */
  added: NodeChange[];
  /** Wires present in only one of them ("from.port → to.port"). */
  rewired: { link: string; in: "a" | "b" }[];
}

/** What the diff may know of a node type: its title and its parameters' labels and defaults. */
export type DescribeType = (type: string) => { title: string; params: readonly { name: string; label: string; default?: unknown }[] } | undefined;

/** Structural equality of JSON values (parameters are JSON). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameValue(v, bb[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  return ka.length === Object.keys(rb).length && ka.every((k) => Object.hasOwn(rb, k) && sameValue(ra[k], rb[k]));
}

function nameOf(n: WorkflowNode, describe?: DescribeType): string {
  return n.title ?? describe?.(n.type)?.title ?? n.id;
}

function linkText(l: Workflow["links"][number]): string {
  return `${l.from.node}.${l.from.port} → ${l.to.node}.${l.to.port}`;
}

/**
 * A's and B's differences. A parameter missing on one side is compared with its declared default
 * (a workflow saved before a parameter existed is not "different" when the value is the default).
 */
export function diffWorkflows(a: Workflow, b: Workflow, describe?: DescribeType): WorkflowDiff {
  const inA = new Map(a.nodes.map((n) => [n.id, n]));
  const inB = new Map(b.nodes.map((n) => [n.id, n]));
  const changed: ParamChange[] = [];
  const removed: NodeChange[] = [];
  const added: NodeChange[] = [];
  for (const na of a.nodes) {
    const nb = inB.get(na.id);
    if (!nb || nb.type !== na.type) {
      removed.push({ nodeId: na.id, node: nameOf(na, describe), type: na.type });
      continue;
    }
    const decl = describe?.(na.type);
    const defaults = new Map(decl?.params.map((p) => [p.name, p.default]) ?? []);
    const labels = new Map(decl?.params.map((p) => [p.name, p.label]) ?? []);
    // declared order first, then any other names in the order they appear
    const names = [...new Set([...(decl?.params.map((p) => p.name) ?? []), ...Object.keys(na.params), ...Object.keys(nb.params)])];
    for (const param of names) {
      const va = Object.hasOwn(na.params, param) ? na.params[param] : undefined;
      const vb = Object.hasOwn(nb.params, param) ? nb.params[param] : undefined;
      if (sameValue(va ?? defaults.get(param), vb ?? defaults.get(param))) continue;
      changed.push({ nodeId: na.id, node: nameOf(nb, describe), param, label: labels.get(param) ?? param, a: va, b: vb });
    }
  }
  for (const nb of b.nodes) {
    const na = inA.get(nb.id);
    if (!na || na.type !== nb.type) added.push({ nodeId: nb.id, node: nameOf(nb, describe), type: nb.type });
  }
  const linksA = new Set(a.links.map(linkText));
  const linksB = new Set(b.links.map(linkText));
  const rewired = [
    ...[...linksA].filter((l) => !linksB.has(l)).map((link) => ({ link, in: "a" as const })),
    ...[...linksB].filter((l) => !linksA.has(l)).map((link) => ({ link, in: "b" as const })),
  ];
  return { changed, removed, added, rewired };
}

/** A parameter value as one short line for the compare table ("—" when not set). */
export function showValue(v: unknown, max = 80): string {
  if (v === undefined) return "—";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
