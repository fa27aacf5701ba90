/**
 * The composition root of the server: one of each service per process (the Next.js server, the
 * CLI's `unclip run`, tests), created on first use. Kept on globalThis so Next's dev reloads
 * don't start a second queue over the same database.
 */
import { NODE_DECLARATIONS } from "../nodes/index";
import { RUNNERS } from "../nodes/runners";
import { valueBytes } from "../nodes/values";
import { saveArtifact } from "./db/artifacts";
import { getDb } from "./db/client";
import { getEnv, type Env } from "./env";
import { OutputCache } from "./graph/cache";
import { type ExecutorServices, executeWorkflow } from "./graph/executor";
import { ModelHost } from "./graph/modelHost";
import { createRegistry, type NodeRegistry } from "./graph/registry";
import { dbRunStore } from "./queue/dbRunStore";
import { EventHub } from "./queue/eventHub";
import { RunQueue } from "./queue/runQueue";
import type { Device } from "./runtime/device";
import { readUpload } from "./uploads";

export interface Services {
  env: Env;
  registry: NodeRegistry;
  cache: OutputCache;
  models: ModelHost;
  hub: EventHub;
  queue: RunQueue;
  executor: ExecutorServices;
}

function cacheLimitBytes(): number {
  const mb = Number(process.env.UNCLIP_CACHE_MB ?? 1024);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 1024) * 1024 * 1024;
}

export function createServices(env: Env = getEnv()): Services {
  const registry = createRegistry(NODE_DECLARATIONS, RUNNERS);
  const cache = new OutputCache(cacheLimitBytes());
  const models = new ModelHost(env.modelsDir, (process.env.UNCLIP_DEVICE as Device | undefined) ?? "auto");
  const hub = new EventHub();
  const executor: ExecutorServices = {
    registry,
    cache,
    models,
    modelsDir: env.modelsDir,
    valueBytes,
    readUpload: (name) => readUpload(env, name),
    async saveImage(runId, nodeId, png, info) {
      const a = await saveArtifact({ runId, nodeId, kind: info.kind, data: new Uint8Array(png), width: info.width, height: info.height, meta: { index: info.index } });
      return { id: a.id, url: `/api/artifacts/${a.id}`, width: info.width, height: info.height, kind: info.kind };
    },
  };
  const queue = new RunQueue(dbRunStore, (run, signal, onEvent) =>
    executeWorkflow(executor, run.workflow, { runId: run.id, signal, previewEvery: run.options.previewEvery ?? 0, onEvent }),
  hub);
  return { env, registry, cache, models, hub, queue, executor };
}

const globalForServices = globalThis as unknown as { __unclipServices?: Promise<Services> };

/** The process's services, with the database migrated and the queue started (once). */
export function getServices(): Promise<Services> {
  globalForServices.__unclipServices ??= (async () => {
    const services = createServices();
    await getDb();
    await services.queue.start();
    return services;
  })().catch((err) => {
    globalForServices.__unclipServices = undefined;
    throw err;
  });
  return globalForServices.__unclipServices;
}

/** Stop the queue and forget the services (tests). */
export async function resetServices(): Promise<void> {
  const s = await globalForServices.__unclipServices?.catch(() => undefined);
  globalForServices.__unclipServices = undefined;
  if (s) {
    await s.queue.stop();
    await s.models.unload();
  }
}
