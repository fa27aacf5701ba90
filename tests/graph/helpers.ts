/**
 * Shared setup for the graph-layer tests: the real node library behind the real executor, a
 * temp data directory (uploads, database), images kept in memory, and workflow builders.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { NODE_IMPLEMENTATIONS } from "../../nodes/registry";
import { templateByName } from "../../nodes/core/templates";
import { readEnv } from "../../server/env";
import { createExecutorServices } from "../../server/executorServices";
import type { RunEvent } from "../../nodes/core/runEvents";
import { type ExecuteOptions, type ExecutorServices, executeWorkflow, type RunReport, type SaveImageInfo } from "../../server/graph/executor";
import { createRegistry } from "../../server/graph/registry";
import { parseWorkflow, WORKFLOW_FORMAT, WORKFLOW_VERSION, type Workflow } from "../../nodes/core/workflow";
import { readUpload } from "../../server/uploads";
import { useTempDataDir as useTempDbDataDir } from "../db/helpers";
import { afterAll, beforeEach } from "vitest";
import { FIXTURES_DIR } from "../helpers/fixtures";

export const PACKAGE = "unclip-tiny";
export const registry = createRegistry(NODE_IMPLEMENTATIONS);

export interface SavedPng {
  runId: string;
  nodeId: string;
  png: Uint8Array;
  info: SaveImageInfo;
}

/** Executor services over the fixtures' models, images kept in `saved`, uploads from `dataDir`. */
export function testExecutor(o: { dataDir?: string; cacheBytes?: number; modelsDir?: string } = {}): ExecutorServices & { saved: SavedPng[] } {
  const saved: SavedPng[] = [];
  const env = readEnv({ DATA_DIR: o.dataDir ?? path.join(os.tmpdir(), "unclip-graph-no-data") });
  const services = createExecutorServices({
    modelsDir: o.modelsDir ?? FIXTURES_DIR,
    device: "cpu",
    cacheBytes: o.cacheBytes ?? 512 * 1024 * 1024,
    readUpload: (name) => readUpload(env, name),
    saveImage(runId, nodeId, png, info) {
      saved.push({ runId, nodeId, png, info });
      const id = `${runId}-${nodeId}-${saved.length}`;
      return Promise.resolve({ id, url: `/test/${id}.png`, width: info.width, height: info.height, kind: info.kind });
    },
  });
  return Object.assign(services, { saved });
}

/**
 * A test file's executor: uploads in a temp data folder (removed after the file), models unloaded
 * after the file, and each test starting with an empty cache and no saved images.
 */
export function useTestExecutor(prefix: string): { services: ReturnType<typeof testExecutor>; dataDir: string } {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const services = testExecutor({ dataDir });
  afterAll(async () => {
    await services.models.unload();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    services.cache.clear();
    services.saved.length = 0;
  });
  return { services, dataDir };
}

let runCounter = 0;

/** Run a workflow, collecting its events. */
export async function run(
  services: ExecutorServices,
  workflow: Workflow,
  o: Partial<ExecuteOptions> = {},
): Promise<{ report: RunReport; events: RunEvent[]; runId: string }> {
  const events: RunEvent[] = [];
  const runId = o.runId ?? `run-${++runCounter}`;
  const report = await executeWorkflow(services, workflow, {
    ...o,
    runId,
    onEvent: (e) => {
      events.push(e);
      o.onEvent?.(e);
    },
  });
  return { report, events, runId };
}

export function steps(prior: number, decoder: number, superRes: number): Record<string, Record<string, unknown>> {
  return {
    priorScheduler: { numInferenceSteps: prior },
    decoderScheduler: { numInferenceSteps: decoder },
    superResScheduler: { numInferenceSteps: superRes },
  };
}

/** A template with parameters patched per node id (a fresh copy every time). */
export function template(name: string, overrides: Record<string, Record<string, unknown>> = {}): Workflow {
  const t = templateByName(name);
  if (!t) throw new Error(`no template ${name}`);
  const wf = parseWorkflow(JSON.parse(JSON.stringify(t)));
  for (const [id, params] of Object.entries(overrides)) {
    const node = wf.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`override for unknown node ${id}`);
    node.params = { ...node.params, ...params };
  }
  return wf;
}

/** Text to image on the tiny package with 2/2/2 steps, plus any overrides. */
export function tinyTextToImage(overrides: Record<string, Record<string, unknown>> = {}): Workflow {
  return template("Text to image", { package: { package: PACKAGE }, tokenizer: { prompt: "a red circle" }, ...steps(2, 2, 2), ...overrides });
}

type NodeSpec = [id: string, type: string, params?: Record<string, unknown>];
type LinkSpec = [from: string, to: string];

/** A workflow from compact specs: links as ["node.port", "node.port"], ids l1, l2, … */
export function graph(nodes: NodeSpec[], links: LinkSpec[] = []): Workflow {
  const split = (end: string) => {
    const dot = end.lastIndexOf(".");
    return { node: end.slice(0, dot), port: end.slice(dot + 1) };
  };
  return {
    format: WORKFLOW_FORMAT,
    version: WORKFLOW_VERSION,
    nodes: nodes.map(([id, type, params]) => ({ id, type, params: params ?? {}, position: { x: 0, y: 0 } })),
    links: links.map(([from, to], i) => ({ id: `l${i + 1}`, from: split(from), to: split(to) })),
  };
}

/** A cheap runnable graph (no model): seed → noise → tensor inspector. */
export function noiseGraph(seed = 1): Workflow {
  return graph(
    [
      ["inspect", "unclip.tensor_inspector"],
      ["noise", "unclip.noise", { shape: "1,3,8,8" }],
      ["seed", "unclip.seed", { seed }],
    ],
    [
      ["seed.seed", "noise.seed"],
      ["noise.latents", "inspect.value"],
    ],
  );
}

/**
 * A fresh temp DATA_DIR for this test file (database, uploads, artifacts), MODELS_DIR pointing
 * at the fixtures; the environment and the database client are restored afterwards.
 */
export function useTempDataDir(): () => string {
  return useTempDbDataDir({ prefix: "unclip-graph-test-", modelsDir: FIXTURES_DIR });
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(v: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
