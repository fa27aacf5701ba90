/**
 * The graph rules, in one place for the editor (while a wire is dragged) and the server (before a
 * run): which port types connect, what a workflow must satisfy (the validation codes), the order
 * nodes run in, and which nodes execute and may be cached. Browser-safe: zod-typed declarations
 * and the workflow format only; the server adds the file-system checks through `checkModel`.
 *
 * Every problem is reported at once, each with a machine-readable code and the node, port or
 * parameter it concerns. Nodes that no output node depends on are ignored (as ComfyUI does),
 * except that unknown node types and links to nodes that do not exist are always reported.
 */
import { describeValue } from "./describeValue";
import { resolveModes, type SkippedNode } from "./nodeModes";
import { convertibleParams, specPortType, withParamInputs } from "./paramInputs";
import type { NodeDeclaration, ParamSpec, PortType } from "./types";
import { partialScheduleProblems } from "./partialScheduleRules";
import type { Workflow, WorkflowNode } from "./workflow";

export type ValidationCode =
  | "unknown_node_type"
  | "unknown_node"
  | "unknown_port"
  | "missing_input"
  | "duplicate_input"
  | "type_mismatch"
  | "self_link"
  | "cycle"
  | "param_out_of_range"
  | "param_wrong_type"
  | "model_path_outside"
  | "model_not_found"
  | "no_output"
  | "limit_exceeded"
  | "input_file_not_found"
  | "step_range";

export interface ValidationError {
  code: ValidationCode;
  message: string;
  nodeId?: string;
  port?: string;
  param?: string;
  linkId?: string;
}

export interface PlannedNode {
  id: string;
  type: string;
  declaration: NodeDeclaration;
  /** Input port → the upstream node and output port feeding it. */
  inputs: Record<string, { node: string; port: string }>;
  /** Parameters after defaults and schema parsing (what the runner receives). */
  params: Record<string, unknown>;
  /**
   * Parameters taken from wires (`paramInputs`): each is also an input port of the same name, and
   * the executor parses the arriving value with the parameter's schema before the runner gets it.
   */
  paramInputs?: string[];
}

export interface ExecutionPlan {
  /** Needed nodes in dependency order. */
  order: PlannedNode[];
  outputNodes: string[];
  /** Bypassed and muted nodes, and those that could not run without a muted one: not in `order`. */
  skipped: SkippedNode[];
}

export interface ValidationResult {
  errors: ValidationError[];
  plan?: ExecutionPlan;
}

export interface CheckOptions {
  /** Check and plan only what these nodes need (e.g. a view that evaluates one node), instead of the output nodes. */
  targets?: string[];
  /** The server's check of a model-package parameter (the browser cannot see the models directory). */
  checkModel?: (value: string) => "model_path_outside" | "model_not_found" | undefined;
}

/** An output of type `from` may feed an input of type `to`; "*" matches anything. */
export function portsCompatible(from: PortType, to: PortType): boolean {
  return from === to || from === "*" || to === "*";
}

/** Notes are drawn but never run. */
export function isExecutable(decl: Pick<NodeDeclaration, "executable"> | undefined): boolean {
  return decl !== undefined && decl.executable !== false;
}

/** Whether a node's result may be cached for these (parsed) parameters. */
export function isCacheable(decl: Pick<NodeDeclaration, "cacheable">, params: Record<string, unknown>): boolean {
  const c = decl.cacheable;
  return typeof c === "function" ? c(params) : c !== false;
}

export interface ParamProblem {
  code: "param_out_of_range" | "param_wrong_type";
  param: string;
  message: string;
}

/**
 * Every declared parameter, defaulted and parsed by its schema: the values a runner receives.
 * Parsing happens here once; runners never parse again.
 */
export function parseParams(
  decl: { params: readonly ParamSpec[] },
  raw: Record<string, unknown>,
): { values: Record<string, unknown>; problems: ParamProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: ParamProblem[] = [];
  for (const p of decl.params) {
    const given = raw[p.name] === undefined ? p.default : raw[p.name];
    const parsed = parseParam(p, given);
    if ("problem" in parsed) problems.push(parsed.problem);
    else values[p.name] = parsed.value;
  }
  return { values, problems };
}

/** One value parsed by a parameter's schema; `from` says where it came from when not typed in (a wire). */
export function parseParam(p: ParamSpec, given: unknown, from?: string): { value: unknown } | { problem: ParamProblem } {
  const parsed = p.schema.safeParse(given);
  if (parsed.success) return { value: parsed.data };
  const issue = parsed.error.issues[0];
  const range = issue.code === "too_small" || issue.code === "too_big";
  return {
    problem: {
      code: range ? "param_out_of_range" : "param_wrong_type",
      param: p.name,
      message: `parameter "${p.label}"${from ? ` (from ${from})` : ""} ${range ? "is out of range" : "has the wrong type"}: ${issue.message} (got ${describeValue(given)})`,
    },
  };
}

/** True when `start` can reach `goal` along the edges, so goal → start would close a loop. */
export function reaches(edges: readonly { source: string; target: string }[], start: string, goal: string): boolean {
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

function label(node: WorkflowNode, decl?: NodeDeclaration): string {
  return `${node.title ?? decl?.title ?? node.type} (${node.id})`;
}

export function checkWorkflow(saved: Workflow, declarationOf: (type: string) => NodeDeclaration | undefined, options: CheckOptions = {}): ValidationResult {
  const errors: ValidationError[] = [];
  // bypassed and muted nodes leave the graph first; what remains is checked like any workflow
  const { workflow: wf, skipped } = resolveModes(saved, declarationOf, specPortType);
  const nodes = new Map(wf.nodes.map((n) => [n.id, n]));
  const decls = new Map<string, NodeDeclaration>();
  // the declarations as registered, before converted parameters became inputs
  const declared = new Map<string, NodeDeclaration>();

  for (const n of wf.nodes) {
    const d = declarationOf(n.type);
    if (!d) {
      errors.push({
        code: "unknown_node_type",
        nodeId: n.id,
        message: `${n.id}: unknown node type "${n.type}" (the node is missing from this version of the app)`,
      });
      continue;
    }
    // a converted parameter is one more input of this node (see paramInputs.ts)
    declared.set(n.id, d);
    decls.set(n.id, withParamInputs(d, n.paramInputs, specPortType));
  }

  // Links to nodes that do not exist are damage to the file itself: always reported. Every other
  // link counts as a dependency for what is needed, even one that fails the checks below, so the
  // node it comes from is checked too (the author meant it to feed the output).
  const upstream = new Map<string, Set<string>>();
  // inputs some link was drawn to, valid or not: a rejected link is its own error, not also "not connected"
  const linked = new Map<string, Set<string>>();
  for (const link of wf.links) {
    const from = nodes.get(link.from.node);
    const to = nodes.get(link.to.node);
    if (to && decls.get(to.id)?.inputs.some((p) => p.name === link.to.port)) linked.set(to.id, (linked.get(to.id) ?? new Set()).add(link.to.port));
    if (!from || !to) {
      const missing = !from ? link.from.node : link.to.node;
      // point at the end that exists, the one the editor can show
      const present = from ?? to;
      errors.push({
        code: "unknown_node",
        linkId: link.id,
        nodeId: present?.id ?? link.to.node,
        message: `link ${link.id} refers to node "${missing}", which is not in the workflow`,
      });
      continue;
    }
    if (from.id !== to.id) upstream.set(to.id, (upstream.get(to.id) ?? new Set()).add(from.id));
  }

  // what the output nodes need
  const outputNodes = options.targets
    ? wf.nodes.filter((n) => options.targets!.includes(n.id) && isExecutable(decls.get(n.id))).map((n) => n.id)
    : wf.nodes.filter((n) => decls.get(n.id)?.output && isExecutable(decls.get(n.id))).map((n) => n.id);
  if (options.targets && outputNodes.length === 0) {
    errors.push({ code: "unknown_node", message: `none of the nodes ${options.targets.join(", ")} is in the workflow` });
  } else if (outputNodes.length === 0) {
    errors.push({
      code: "no_output",
      message: skipped.length
        ? "every output node is muted or needs a muted node: nothing would run (Ctrl+M unmutes the selected nodes)"
        : "the workflow has no output node (Save Image, Preview Image or Tensor Inspector): nothing would run",
    });
  }
  const needed = new Set<string>();
  const stack = [...outputNodes];
  while (stack.length) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    for (const src of upstream.get(id) ?? []) stack.push(src);
  }

  // links into needed nodes: ports, types, one link per input
  const incoming = new Map<string, Record<string, { node: string; port: string }>>();
  for (const link of wf.links) {
    const from = nodes.get(link.from.node);
    const to = nodes.get(link.to.node);
    if (!from || !to || !needed.has(to.id)) continue;
    const td = decls.get(to.id);
    if (from.id === to.id) {
      errors.push({
        code: "self_link",
        nodeId: to.id,
        port: link.to.port,
        linkId: link.id,
        message: `${label(to, td)}: a node cannot feed its own input "${link.to.port}"`,
      });
      continue;
    }
    const fd = decls.get(from.id);
    if (!fd || !td) continue; // unknown type already reported
    const out = fd.outputs.find((p) => p.name === link.from.port);
    const inp = td.inputs.find((p) => p.name === link.to.port);
    if (!out) {
      errors.push({
        code: "unknown_port",
        nodeId: from.id,
        port: link.from.port,
        linkId: link.id,
        message: `${label(from, fd)} has no output "${link.from.port}"`,
      });
      continue;
    }
    if (!inp) {
      errors.push({ code: "unknown_port", nodeId: to.id, port: link.to.port, linkId: link.id, message: `${label(to, td)} has no input "${link.to.port}"` });
      continue;
    }
    if (!portsCompatible(out.type, inp.type)) {
      errors.push({
        code: "type_mismatch",
        nodeId: to.id,
        port: inp.name,
        linkId: link.id,
        message: `${label(to, td)}: input "${inp.label}" takes ${inp.type}, but ${label(from, fd)} output "${out.label}" gives ${out.type}`,
      });
      continue;
    }
    const ports = incoming.get(to.id) ?? {};
    if (ports[inp.name]) {
      errors.push({
        code: "duplicate_input",
        nodeId: to.id,
        port: inp.name,
        linkId: link.id,
        message: `${label(to, td)}: input "${inp.label}" has more than one link`,
      });
      continue;
    }
    ports[inp.name] = { node: from.id, port: out.name };
    incoming.set(to.id, ports);
  }

  // required inputs and parameters of the needed nodes
  const params = new Map<string, Record<string, unknown>>();
  const paramInputs = new Map<string, string[]>();
  /**
   * The value wired into a converted parameter when it is known before running: the source has no
   * inputs and holds it as the parameter its output is named after (a primitive node's "value").
   * Such a value is checked now, so a bad one is a validation error and not a failed run.
   */
  const wiredConstant = (id: string, port: string, seen = new Set<string>()): { value: unknown; from: string } | undefined => {
    const src = incoming.get(id)?.[port];
    const srcNode = src && nodes.get(src.node);
    const srcDecl = srcNode && declared.get(srcNode.id);
    if (!src || !srcNode || !srcDecl || srcDecl.category !== "Primitives" || srcDecl.inputs.length || seen.has(srcNode.id)) return undefined;
    if (!srcDecl.params.some((p) => p.name === src.port)) return undefined;
    // a primitive whose value is itself converted passes on what feeds it: the chain is followed to
    // its first primitive, so work limits read the real value (cycles are reported elsewhere)
    if (srcNode.paramInputs?.includes(src.port)) return wiredConstant(srcNode.id, src.port, seen.add(srcNode.id));
    const value = parseParams(srcDecl, srcNode.params).values[src.port];
    return value === undefined ? undefined : { value, from: label(srcNode, srcDecl) };
  };
  for (const id of needed) {
    const n = nodes.get(id)!;
    const d = decls.get(id);
    if (!d) continue;
    for (const inp of d.inputs) {
      if (!inp.optional && !linked.get(id)?.has(inp.name)) {
        errors.push({ code: "missing_input", nodeId: id, port: inp.name, message: `${label(n, d)}: input "${inp.label}" (${inp.type}) is not connected` });
      }
    }
    const convertible = convertibleParams(declared.get(id)!);
    const converted = (n.paramInputs ?? []).filter((name) => convertible.some((p) => p.name === name));
    for (const name of n.paramInputs ?? []) {
      if (converted.includes(name)) continue;
      errors.push({ code: "unknown_port", nodeId: id, param: name, message: `${label(n, d)}: "${name}" is not a parameter that can become an input` });
    }
    const parsed = parseParams(d, n.params);
    // a converted parameter's own widget value is not used, so it is not judged either
    for (const problem of parsed.problems.filter((p) => !converted.includes(p.param))) {
      errors.push({ code: problem.code, nodeId: id, param: problem.param, message: `${label(n, d)}: ${problem.message}` });
    }
    const values = parsed.values;
    for (const name of converted) {
      const known = wiredConstant(id, name);
      if (!known) continue;
      const p = d.params.find((x) => x.name === name)!;
      const checked = parseParam(p, known.value, known.from);
      if ("problem" in checked) errors.push({ code: checked.problem.code, nodeId: id, param: name, message: `${label(n, d)}: ${checked.problem.message}` });
      else values[name] = checked.value;
    }
    for (const problem of partialScheduleProblems(values, Boolean(linked.get(id)?.has("noisyLatents")))) {
      errors.push({ code: "step_range", nodeId: id, param: problem.param, port: problem.port, message: `${label(n, d)}: ${problem.message}` });
    }
    if (converted.length) paramInputs.set(id, converted);
    for (const p of d.params) {
      const value = values[p.name];
      if (p.widget !== "model" || typeof value !== "string" || !options.checkModel) continue;
      const problem = options.checkModel(value);
      if (problem) {
        errors.push({
          code: problem,
          nodeId: id,
          param: p.name,
          message:
            problem === "model_path_outside"
              ? `${label(n, d)}: model "${value}" is not a folder inside the models directory`
              : `${label(n, d)}: no model package "${value}" in the models directory (MODELS_DIR)`,
        });
      }
    }
    params.set(id, values);
  }

  // dependency order (Kahn), stable in workflow order
  const order: string[] = [];
  const indegree = new Map<string, number>();
  for (const id of needed) indegree.set(id, Object.values(incoming.get(id) ?? {}).filter((s) => needed.has(s.node)).length);
  const consumers = new Map<string, string[]>();
  for (const id of needed) for (const s of Object.values(incoming.get(id) ?? {})) consumers.set(s.node, [...(consumers.get(s.node) ?? []), id]);
  const position = new Map(wf.nodes.map((n, i) => [n.id, i]));
  const ready = [...needed].filter((id) => indegree.get(id) === 0).sort((a, b) => position.get(a)! - position.get(b)!);
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const c of consumers.get(id) ?? []) {
      indegree.set(c, indegree.get(c)! - 1);
      if (indegree.get(c) === 0) {
        ready.push(c);
        ready.sort((a, b) => position.get(a)! - position.get(b)!);
      }
    }
  }
  if (order.length < needed.size) {
    // What Kahn could not order is on a cycle or downstream of one; report only the cycles.
    for (const cycle of cyclesAmong(
      [...needed].filter((id) => !order.includes(id)),
      consumers,
    )) {
      const members = cycle.sort((a, b) => position.get(a)! - position.get(b)!);
      for (const id of members) {
        errors.push({ code: "cycle", nodeId: id, message: `${label(nodes.get(id)!, decls.get(id))} is part of a cycle (nodes ${members.join(", ")})` });
      }
    }
  }

  if (errors.length) return { errors };
  return {
    errors,
    plan: {
      order: order.map((id) => ({
        id,
        type: nodes.get(id)!.type,
        declaration: decls.get(id)!,
        inputs: incoming.get(id) ?? {},
        params: params.get(id)!,
        ...(paramInputs.has(id) ? { paramInputs: paramInputs.get(id) } : {}),
      })),
      outputNodes,
      skipped,
    },
  };
}

/** Strongly connected components with more than one node (Tarjan): the cycles among `ids`. */
function cyclesAmong(ids: string[], consumers: Map<string, string[]>): string[][] {
  const within = new Set(ids);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of consumers.get(v) ?? []) {
      if (!within.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component);
    }
  };
  for (const v of ids) if (!index.has(v)) visit(v);
  return out;
}
