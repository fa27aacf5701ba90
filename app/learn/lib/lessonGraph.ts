/**
 * What a lesson step does to the graph, as pure functions: which workflow is in effect at a step,
 * and the part of a workflow a "run to this node" needs (the node and everything upstream of it).
 */
import type { Lesson, LessonSource } from "../../../nodes/core/lessons/schema";
import { templateByName } from "../../../nodes/core/templates";
import { tensorInspectorNode } from "../../../nodes/tensorInspector/node";
import { groupsWithin, parseWorkflow, type Workflow } from "../../../nodes/core/workflow";

/** The id of the Tensor Inspector a "run to" adds (never on the canvas). */
export const PROBE_ID = "lesson-probe";

/** The source in effect at step `index` (0-based): the last `load` at or before it, else the lesson's start. */
export function sourceAt(lesson: Lesson, index: number): { source: LessonSource; from: number } {
  for (let i = Math.min(index, lesson.steps.length - 1); i >= 0; i--) {
    const load = lesson.steps[i].load;
    if (load) return { source: load, from: i };
  }
  return { source: lesson.start, from: -1 };
}

/** The workflow a source names (templates are browser-safe data, so no request is needed). */
export function workflowOf(source: LessonSource, lessonId: string): Workflow {
  if ("template" in source) {
    const t = templateByName(source.template);
    if (!t) throw new Error(`lesson "${lessonId}": no template named "${source.template}"`);
    return t;
  }
  return parseWorkflow(source.workflow);
}

/**
 * What "run up to this node" sends: the node, everything upstream of it, and a Tensor Inspector on
 * its `port` output — a workflow runs only what an output node needs, and the inspector (which
 * takes any value) is the output that needs exactly this node.
 */
export function runToWorkflow(wf: Workflow, nodeId: string, port: string): Workflow {
  const up = upstreamOf(wf, nodeId);
  return {
    ...up,
    nodes: [...up.nodes, { id: PROBE_ID, type: tensorInspectorNode.type, params: {}, position: { x: 0, y: 0 } }],
    links: [...up.links, { id: `${PROBE_ID}-link`, from: { node: nodeId, port }, to: { node: PROBE_ID, port: "value" } }],
  };
}

/** The node and every node it depends on, with the links between them. */
export function upstreamOf(wf: Workflow, nodeId: string): Workflow {
  if (!wf.nodes.some((n) => n.id === nodeId)) throw new Error(`no node "${nodeId}" in the workflow`);
  const keep = new Set([nodeId]);
  const stack = [nodeId];
  while (stack.length) {
    const id = stack.pop()!;
    for (const l of wf.links) {
      if (l.to.node === id && !keep.has(l.from.node)) {
        keep.add(l.from.node);
        stack.push(l.from.node);
      }
    }
  }
  const { groups, ...rest } = wf;
  return {
    ...rest,
    nodes: wf.nodes.filter((n) => keep.has(n.id)),
    links: wf.links.filter((l) => keep.has(l.from.node) && keep.has(l.to.node)),
    // frames name only the nodes kept, or the server would refuse the workflow
    ...groupsWithin(groups, keep),
  };
}
