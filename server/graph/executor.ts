/**
 * Runs what a workflow's output nodes need, in dependency order, reusing cached node outputs
 * whose keys (type, version, parameters, upstream keys) are unchanged. Emits progress events;
 * stops within one denoising step when the signal is aborted.
 */
import "#server-only";
import type { ArtifactRef, NodeResult, NodeRunContext } from "../../nodes/engine/runContext";
import { CancelledError, UnclipError, isUnclipError } from "../errors";
import type { CacheEntry, OutputCache } from "./cache";
import { nodeCacheKey } from "./cache";
import type { RunError, RunEvent } from "../../nodes/core/runEvents";
import type { ModelHost } from "./modelHost";
import type { NodeRegistry } from "./registry";
import { isCacheable, parseParam, type PlannedNode, type ValidationError } from "../../nodes/core/graphRules";
import { validateWorkflow } from "./validate";
import type { Workflow } from "../../nodes/core/workflow";
import type { SkippedNode } from "../../nodes/core/nodeModes";

/** What a stored image is: its size, kind and index in its node's batch, and, in a sweep, which cell (or the grid). */
export interface SaveImageInfo {
  width: number;
  height: number;
  kind: "image" | "preview";
  index: number;
  sweep?: SweepImageInfo;
}

/** A sweep's image: a cell's result (its index and label, "Decoder · Guidance scale = 4, …") or the grid. */
export interface SweepImageInfo {
  cell?: number;
  label: string;
  /** A cell's values (so the gallery shows the parameters that made this image, not the sweep's base). */
  overrides?: { node: string; param: string; value: unknown }[];
  grid?: boolean;
}

export interface ExecutorServices {
  registry: NodeRegistry;
  cache: OutputCache;
  models: ModelHost;
  modelsDir: string;
  valueBytes(v: unknown): number;
  readUpload(name: string): Promise<Uint8Array>;
  saveImage(runId: string, nodeId: string, png: Uint8Array, info: SaveImageInfo): Promise<ArtifactRef>;
  /** Store a node's teaching trace (JSON text); without it (the headless CLI) nothing is traced. */
  saveTrace?(runId: string, nodeId: string, json: string): Promise<ArtifactRef>;
  /** What the tensor inspector shows of a port's value (shape, dtype, statistics, pictures). */
  summarizeValue?(value: unknown): unknown;
}

export interface ExecuteOptions {
  runId: string;
  signal?: AbortSignal;
  /** Preview every k steps inside samplers (0 = none). */
  previewEvery?: number;
  onEvent?: (e: RunEvent) => void;
  /** Record a teaching trace of every executed node (nodes can also ask for it one by one). */
  trace?: boolean;
  /** Run only what these nodes need and return their outputs in `values` (instead of the output nodes). */
  targets?: string[];
  /**
   * Execute the output nodes even when their cached results would do (a sweep's cell needs its
   * images as bytes for the grid, and as its own result). What feeds them is still reused.
   */
  freshOutputs?: boolean;
}

export interface RunReport {
  ran: string[];
  cached: string[];
  ms: number;
  nodeMs: Record<string, number>;
  /** What each executed or cached node shows in the editor (images, inspector data). */
  ui: Record<string, NodeResult["ui"]>;
  /** With `targets`: their output values. */
  values?: Record<string, Record<string, unknown>>;
  /** Nodes that did not run because they are bypassed or muted (or need a muted node). */
  skipped: SkippedNode[];
  /** A sweep's cells and grid (server/graph/sweep.ts); absent for a plain run. */
  sweep?: SweepReport;
}

export interface SweepCellReport {
  index: number;
  label: string;
  overrides: { node: string; param: string; value: unknown }[];
  ran: string[];
  cached: string[];
  /** The images this cell's output nodes stored. */
  images: ArtifactRef[];
}

export interface SweepReport {
  cells: SweepCellReport[];
  /** The labelled grid image (absent when no cell stored an image). */
  grid?: ArtifactRef;
  /** The output node whose images make the grid. */
  gridNode?: string;
  /** Node executions over all cells, and what separate uncached runs of the cells would have executed. */
  executions: number;
  executionsUncached: number;
}

export class ValidationFailed extends UnclipError {
  constructor(readonly errors: ValidationError[]) {
    super("bad_input", "validation", `the workflow has ${errors.length} problem${errors.length > 1 ? "s" : ""}: ${errors.map((e) => e.message).join("; ")}`);
    this.name = "ValidationFailed";
  }
}

export class NodeFailed extends UnclipError {
  constructor(
    readonly nodeId: string,
    readonly cause: unknown,
  ) {
    const inner = cause as Error;
    super(isUnclipError(cause) ? cause.kind : "runtime", isUnclipError(cause) ? cause.code : "node_failed", `${nodeId}: ${inner?.message ?? String(cause)}`, {
      node: nodeId,
      ...(isUnclipError(cause) ? { port: cause.where.port, parameter: cause.where.parameter } : {}),
    });
    this.name = "NodeFailed";
  }
}

/** Describe any failure as the error the API and events carry. */
export function toRunError(err: unknown): RunError {
  if (err instanceof ValidationFailed) {
    const first = err.errors[0];
    return { code: first?.code ?? "validation", message: err.message, nodeId: first?.nodeId, port: first?.port, param: first?.param };
  }
  if (isUnclipError(err)) return { code: err.code, message: err.message, nodeId: err.where.node, port: err.where.port, param: err.where.parameter };
  return { code: "internal", message: (err as Error)?.message ?? String(err) };
}

function toDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64")}`;
}

export async function executeWorkflow(services: ExecutorServices, workflow: Workflow, o: ExecuteOptions): Promise<RunReport> {
  const started = performance.now();
  const emit = (e: RunEvent) => o.onEvent?.(e);
  const { errors, plan } = validateWorkflow(workflow, services.registry, { modelsDir: services.modelsDir, targets: o.targets });
  if (errors.length || !plan) throw new ValidationFailed(errors);

  const keys = new Map<string, string>();
  const outputs = new Map<string, Record<string, unknown>>();
  const report: RunReport = { ran: [], cached: [], ms: 0, nodeMs: {}, ui: {}, skipped: plan.skipped };
  // the workflow as run: nodes' resolved parameters (drawn seeds) replace the saved ones
  const asRun: Workflow = { ...workflow, nodes: workflow.nodes.map((n) => ({ ...n, params: { ...n.params } })) };
  const signal = o.signal ?? new AbortController().signal;
  // cancelled while queued or validating: nothing may run, not even a fully cached graph
  if (signal.aborted) throw new CancelledError();
  // Nodes whose result may differ on every run (a randomized seed) and everything downstream of
  // them: never looked up, and never stored, since their keys would never be asked for again.
  const volatile = new Set<string>();
  const traced = new Set(services.saveTrace ? workflow.nodes.filter((n) => o.trace || n.trace).map((n) => n.id) : []);

  // 1. every needed node's key and cache entry, before any work: taking the entries now keeps them
  //    for this run even if storing new results evicts them from the cache meanwhile
  const hits = new Map<string, CacheEntry>();
  const cacheableNodes = new Set<string>();
  const consumers = new Map<string, string[]>();
  const outputNodes = new Set(plan.outputNodes);
  for (const node of plan.order) {
    const inputKeys = Object.fromEntries(Object.entries(node.inputs).map(([port, src]) => [port, `${keys.get(src.node)}:${src.port}`]));
    const ownCacheable = isCacheable(node.declaration, node.params);
    const cacheable = ownCacheable && !Object.values(node.inputs).some((src) => volatile.has(src.node));
    if (!cacheable) volatile.add(node.id);
    else cacheableNodes.add(node.id);
    const key = nodeCacheKey(node, inputKeys, ownCacheable ? undefined : o.runId);
    keys.set(node.id, key);
    const hit = cacheable && !(o.freshOutputs && outputNodes.has(node.id)) ? services.cache.get(key) : undefined;
    // a traced node is run again unless its cached result already carries a trace
    if (hit && (!traced.has(node.id) || hit.result.ui?.trace)) hits.set(node.id, hit);
    for (const src of Object.values(node.inputs)) consumers.set(src.node, [...(consumers.get(src.node) ?? []), node.id]);
  }

  // 2. what must execute: output nodes and the inputs of whatever executes, unless cached; an
  //    upstream node whose consumers are all cached is not run even if its own entry was evicted
  const execute = new Set<string>();
  for (const node of [...plan.order].reverse()) {
    // a traced node must run to be traced, even when everything it feeds is cached
    const required = outputNodes.has(node.id) || traced.has(node.id) || (consumers.get(node.id) ?? []).some((c) => execute.has(c));
    if (required && !hits.has(node.id)) execute.add(node.id);
  }

  for (const node of plan.order) {
    const key = keys.get(node.id)!;
    const cacheable = cacheableNodes.has(node.id);
    if (!execute.has(node.id)) {
      // cached, or not needed because everything it feeds is cached
      const hit = hits.get(node.id);
      if (hit) outputs.set(node.id, hit.result.outputs);
      report.cached.push(node.id);
      report.ui[node.id] = hit?.result.ui;
      emit({ type: "node.cached", runId: o.runId, nodeId: node.id, ui: hit?.result.ui });
      continue;
    }
    if (signal.aborted) throw new CancelledError();
    const runner = services.registry.runner(node.type);
    if (!runner) throw new NodeFailed(node.id, new Error(`no runner for node type "${node.type}"`));

    const inputs: Record<string, unknown> = {};
    for (const [port, src] of Object.entries(node.inputs)) inputs[port] = outputs.get(src.node)?.[src.port];
    const params = wiredParams(node, inputs, workflow);
    const tracing = traced.has(node.id);
    const traceParts: Record<string, unknown> = {};
    const ctx: NodeRunContext = {
      runId: o.runId,
      nodeId: node.id,
      signal,
      previewEvery: o.previewEvery ?? 0,
      get workflowJson() {
        return JSON.stringify(asRun);
      },
      progress: (p) =>
        emit({
          type: "node.progress",
          runId: o.runId,
          nodeId: node.id,
          step: p.step,
          steps: p.steps,
          timestep: p.timestep,
          preview: p.preview ? toDataUrl(p.preview) : undefined,
        }),
      loadPackage: (name) => services.models.load(name),
      readUpload: (name) => services.readUpload(name),
      saveImage: (png, info) => services.saveImage(o.runId, node.id, png, info),
      trace: tracing,
      addTrace: (part, data) => {
        if (tracing) traceParts[part] = data;
      },
    };
    emit({ type: "node.started", runId: o.runId, nodeId: node.id });
    const t0 = performance.now();
    let result: NodeResult;
    try {
      result = await runner(ctx, inputs, params);
    } catch (err) {
      if (err instanceof CancelledError || signal.aborted) throw err instanceof CancelledError ? err : new CancelledError();
      const failure = new NodeFailed(node.id, err);
      emit({ type: "node.error", runId: o.runId, nodeId: node.id, code: failure.code, message: failure.message, port: failure.where.port });
      throw failure;
    }
    const ms = performance.now() - t0;
    if (tracing) result = await withTrace(services, o.runId, node.id, result, traceParts, ms);
    outputs.set(node.id, result.outputs);
    if (result.resolvedParams) Object.assign(asRun.nodes.find((n) => n.id === node.id)!.params, result.resolvedParams);
    report.ran.push(node.id);
    report.nodeMs[node.id] = ms;
    report.ui[node.id] = result.ui;
    if (cacheable) {
      const bytes = Object.values(result.outputs).reduce<number>((s, v) => s + services.valueBytes(v), 0);
      services.cache.set(key, result, bytes);
    }
    emit({ type: "node.finished", runId: o.runId, nodeId: node.id, ms, ui: result.ui });
  }
  if (o.targets) report.values = Object.fromEntries(plan.outputNodes.map((id) => [id, outputs.get(id) ?? {}]));
  report.ms = performance.now() - started;
  return report;
}

/**
 * A node's parameters with those converted to inputs taken from their wires, each parsed by the
 * parameter's own schema (its limits and choices apply as if typed in). The wired values leave
 * `inputs`, so the runner sees them only as parameters. A bad value stops the run as a validation
 * error naming the node and parameter, before the node starts.
 */
function wiredParams(node: PlannedNode, inputs: Record<string, unknown>, workflow: Workflow): Record<string, unknown> {
  if (!node.paramInputs?.length) return node.params;
  const params = { ...node.params };
  const errors: ValidationError[] = [];
  const saved = workflow.nodes.find((n) => n.id === node.id);
  const where = `${saved?.title ?? node.declaration.title} (${node.id})`;
  for (const name of node.paramInputs) {
    const spec = node.declaration.params.find((p) => p.name === name);
    if (!spec) continue;
    const src = node.inputs[name];
    const checked = parseParam(spec, inputs[name], src ? `the wire from ${src.node}` : "its input");
    delete inputs[name];
    if ("problem" in checked) errors.push({ code: checked.problem.code, nodeId: node.id, param: name, message: `${where}: ${checked.problem.message}` });
    else params[name] = checked.value;
  }
  if (errors.length) throw new ValidationFailed(errors);
  return params;
}

/** Store a traced node's parts and its output ports' summaries as one artifact, referenced from its ui. */
async function withTrace(
  services: ExecutorServices,
  runId: string,
  nodeId: string,
  result: NodeResult,
  parts: Record<string, unknown>,
  ms: number,
): Promise<NodeResult> {
  const ports = Object.fromEntries(Object.entries(result.outputs).map(([port, v]) => [port, services.summarizeValue?.(v) ?? null]));
  const json = JSON.stringify({ format: "unclip-studio/node-trace", version: 1, runId, nodeId, ms, ports, ...parts });
  const ref = await services.saveTrace!(runId, nodeId, json);
  return { ...result, ui: { ...result.ui, trace: ref } };
}
