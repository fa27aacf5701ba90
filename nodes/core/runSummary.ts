/**
 * What a run is, in one line: its prompt and its key parameters (seeds, guidance scales, step
 * counts). Stored with each run when it is queued, so the queue can label runs with their prompt
 * and the gallery can show and filter cards without reading whole workflow snapshots. Generic:
 * it goes by parameter names and widgets (a "prompt" text, "seed" widgets, parameters named
 * …guidance… or …steps…), never by node type. Browser-safe.
 */
import type { Workflow, WorkflowNode } from "./workflow";

/** Characters of the prompt kept with a run (queue labels, cards and the filter need no more). */
export const PROMPT_CHARS = 300;
/** Key parameters kept per run. */
const MAX_KEY_PARAMS = 8;

export interface KeyParam {
  /** "Seed", "Decoder · Guidance scale", … */
  label: string;
  value: string;
}

export interface RunSummary {
  prompt: string | null;
  /** The workflow's own name (a template's, or what an unsaved workflow was called) when it ran. */
  name: string | null;
  params: KeyParam[];
}

/** Characters of a workflow name kept with a run (the format allows 200). */
const NAME_CHARS = 200;

function nameOf(wf: Workflow): string | null {
  return wf.name?.trim().slice(0, NAME_CHARS) || null;
}

export type DescribeParams = (type: string) => { title: string; params: readonly { name: string; label: string; widget?: string }[] } | undefined;

/** Whether a node's parameter takes its value from a wire (a converted parameter or a port of the same name). */
function wired(wf: Workflow, node: WorkflowNode, param: string): Workflow["links"][number] | undefined {
  return wf.links.find((l) => l.to.node === node.id && l.to.port === param);
}

/** The first string parameter of a node (a Text primitive's value), following one more wire at most. */
function textFrom(wf: Workflow, nodeId: string, depth = 0): string | null {
  const n = wf.nodes.find((x) => x.id === nodeId);
  if (!n) return null;
  for (const [name, v] of Object.entries(n.params)) {
    if (typeof v !== "string") continue;
    const link = wired(wf, n, name);
    if (link && depth < 4) return textFrom(wf, link.from.node, depth + 1);
    return v;
  }
  return null;
}

/** A summary without parameter labels (no declarations at hand): prompt and name only. */
export function promptAndName(wf: Workflow): RunSummary {
  return { prompt: promptOf(wf), name: nameOf(wf), params: [] };
}

/**
 * A run's stored summary (the `summary` column: JSON of name and key parameters), tolerant of
 * anything else: a damaged or missing one reads as empty.
 */
export function readStoredSummary(text: string | null | undefined): { name: string | null; params: KeyParam[] } {
  try {
    const v = JSON.parse(text ?? "null") as { name?: unknown; params?: unknown } | null;
    const params = Array.isArray(v?.params)
      ? (v.params as unknown[]).filter((p): p is KeyParam => typeof (p as KeyParam)?.label === "string" && typeof (p as KeyParam)?.value === "string")
      : [];
    return { name: typeof v?.name === "string" ? v.name : null, params };
  } catch {
    return { name: null, params: [] };
  }
}

/** The workflow's prompt: the first parameter named "prompt" (or the text wired into it), without muted nodes. */
export function promptOf(wf: Workflow): string | null {
  for (const n of wf.nodes) {
    if (n.mode === "mute" || !Object.hasOwn(n.params, "prompt") || typeof n.params.prompt !== "string") continue;
    const link = wired(wf, n, "prompt");
    const text = link ? textFrom(wf, link.from.node) : n.params.prompt;
    if (text !== null && text.trim()) return text.trim().slice(0, PROMPT_CHARS);
  }
  return null;
}

const KEY_NAME = /guidance|steps/i;

/** The prompt and the parameters worth a glance: seeds in use, guidance scales, step counts. */
export function summarizeWorkflow(wf: Workflow, describe: DescribeParams): RunSummary {
  const params: KeyParam[] = [];
  for (const n of wf.nodes) {
    if (n.mode) continue; // bypassed or muted: its parameters did not shape the image
    const decl = describe(n.type);
    if (!decl) continue;
    for (const p of decl.params) {
      const v = n.params[p.name];
      const isSeed = p.widget === "seed";
      if (!(isSeed || KEY_NAME.test(p.name)) || typeof v !== "number") continue;
      // a sampler's own seed is unused when a Seed node is wired in
      if (wired(wf, n, p.name)) continue;
      const title = n.title ?? decl.title;
      params.push({ label: title === p.label ? title : `${title} · ${p.label}`, value: String(v) });
      if (params.length >= MAX_KEY_PARAMS) return { prompt: promptOf(wf), name: nameOf(wf), params };
    }
  }
  return { prompt: promptOf(wf), name: nameOf(wf), params };
}
