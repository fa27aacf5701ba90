/**
 * The composition root of the server: one of each service per process (the Next.js server,
 * tests), created on first use. Kept on globalThis so Next's dev reloads don't start a second
 * queue over the same database. `unclip run` uses only the executor's part (executorServices.ts).
 */
import { saveArtifact } from "./db/artifacts";
import { getDb } from "./db/client";
import { getEnv, type Env } from "./env";
import { createExecutorServices } from "./executorServices";
import type { OutputCache } from "./graph/cache";
import { type ExecutorServices, executeWorkflow } from "./graph/executor";
import type { ModelHost } from "./graph/modelHost";
import type { NodeRegistry } from "./graph/registry";
import type { RunQueueBackend } from "./queue/types";
import { BullmqRunQueue } from "./queue/bullmqRunQueue";
import { dbRunStore } from "./queue/dbRunStore";
import { EventHub } from "./queue/eventHub";
import { type Execute, RunQueue } from "./queue/runQueue";
import { readUpload } from "./uploads";

export interface Services {
  env: Env;
  registry: NodeRegistry;
  cache: OutputCache;
  models: ModelHost;
  hub: EventHub;
  /** In this process, or through Redis to `unclip worker` processes when REDIS_URL is set. */
  queue: RunQueueBackend;
  /** How a run is executed, here or in a worker process. */
  execute: Execute;
  executor: ExecutorServices;
}

export function createServices(env: Env = getEnv()): Services {
  const executor = createExecutorServices({
    modelsDir: env.modelsDir,
    readUpload: (name) => readUpload(env, name),
    async saveImage(runId, nodeId, png, info) {
      const a = await saveArtifact({
        runId,
        nodeId,
        kind: info.kind,
        data: new Uint8Array(png),
        width: info.width,
        height: info.height,
        meta: { index: info.index },
      });
      return { id: a.id, url: `/api/artifacts/${a.id}`, width: info.width, height: info.height, kind: info.kind };
    },
    async saveTrace(runId, nodeId, json) {
      const a = await saveArtifact({ runId, nodeId, kind: "trace", data: new TextEncoder().encode(json) });
      return { id: a.id, url: `/api/artifacts/${a.id}`, width: 0, height: 0, kind: "trace" };
    },
  });
  const hub = new EventHub();
  const queue = new RunQueue(
    dbRunStore,
    (run, signal, onEvent) =>
      executeWorkflow(executor, run.workflow, { runId: run.id, signal, previewEvery: run.options.previewEvery ?? 0, trace: run.options.trace, onEvent }),
    hub,
  );
  const backend: RunQueueBackend = env.redisUrl ? new BullmqRunQueue({ redisUrl: env.redisUrl, hub, registry: executor.registry }) : queue;
  return { env, registry: executor.registry, cache: executor.cache, models: executor.models, hub, queue: backend, execute: queue.execute, executor };
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
