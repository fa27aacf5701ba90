/**
 * The composition root of the server: one of each service per process (the Next.js server,
 * tests), created on first use. Kept on globalThis so Next's dev reloads don't start a second
 * queue over the same database. `unclip run` uses only the executor's part (executorServices.ts).
 * The in-process queue executes its runs on a worker thread (server/executorThread) so that the
 * web server keeps answering while a run goes; UNCLIP_EXECUTOR_THREAD=0 keeps them on this thread.
 */
import path from "node:path";
import { saveArtifact } from "./db/artifacts";
import { getDb } from "./db/client";
import { getEnv, type Env } from "./env";
import { cacheLimitBytes, createExecutorServices, deviceFromEnv } from "./executorServices";
import { ExecutorThread, executorThreadFromEnv } from "./executorThread/executorThread";
import { ThreadedRunQueue } from "./executorThread/threadedRunQueue";
import type { OutputCache } from "./graph/cache";
import type { ExecutorServices } from "./graph/executor";
import { executeRun } from "./graph/sweep";
import type { ModelHost } from "./graph/modelHost";
import type { NodeRegistry } from "./graph/registry";
import type { RunQueueBackend } from "./queue/types";
import { BullmqRunQueue } from "./queue/bullmqRunQueue";
import { dbRunStore } from "./queue/dbRunStore";
import { EventHub } from "./queue/eventHub";
import { type Execute, RunQueue } from "./queue/runQueue";
import { readUpload } from "./uploads";

/** What the API shows and controls of the executor that runs this process's runs (a thread's, or this thread's). */
export interface ExecutorView {
  cacheStats(): { entries: number; bytes: number };
  /** Resolves with the entries removed. */
  clearCache(): Promise<number>;
  /** Model package folders loaded (absolute). */
  loadedPackages(): string[];
  /** Resolves with the packages released. */
  unloadModels(): Promise<number>;
}

export interface Services {
  env: Env;
  registry: NodeRegistry;
  /** This thread's executor's cache and models (teach.schedule; worker processes' runs). */
  cache: OutputCache;
  models: ModelHost;
  hub: EventHub;
  /** In this process, or through Redis to `unclip worker` processes when REDIS_URL is set. */
  queue: RunQueueBackend;
  /** Executes a run on this thread: what a worker process (`unclip worker`) does with the runs it takes. */
  execute: Execute;
  /** This thread's executor services. */
  executor: ExecutorServices;
  /** The executor thread of the in-process queue (null with REDIS_URL or UNCLIP_EXECUTOR_THREAD=0). */
  thread: ExecutorThread | null;
  /** Cache and models of whatever executes the queue's runs here, for the API. */
  engine: ExecutorView;
}

export function createServices(env: Env = getEnv()): Services {
  const storage: Pick<ExecutorServices, "readUpload" | "saveImage" | "saveTrace"> = {
    readUpload: (name) => readUpload(env, name),
    async saveImage(runId, nodeId, png, info) {
      const a = await saveArtifact({
        runId,
        nodeId,
        kind: info.kind,
        data: new Uint8Array(png),
        width: info.width,
        height: info.height,
        // a sweep's cell or grid says which, so the gallery can tell the cell's parameters
        meta: { index: info.index, ...(info.sweep ? { sweep: info.sweep } : {}) },
      });
      return { id: a.id, url: `/api/artifacts/${a.id}`, width: info.width, height: info.height, kind: info.kind };
    },
    async saveTrace(runId, nodeId, json) {
      const a = await saveArtifact({ runId, nodeId, kind: "trace", data: new TextEncoder().encode(json) });
      return { id: a.id, url: `/api/artifacts/${a.id}`, width: 0, height: 0, kind: "trace" };
    },
  };
  const executor = createExecutorServices({ modelsDir: env.modelsDir, ...storage });
  const hub = new EventHub();
  const execute: Execute = (run, signal, onEvent) =>
    executeRun(executor, run.workflow, { runId: run.id, signal, previewEvery: run.options.previewEvery ?? 0, trace: run.options.trace, onEvent });
  let queue: RunQueueBackend;
  let thread: ExecutorThread | null = null;
  if (env.redisUrl) queue = new BullmqRunQueue({ redisUrl: env.redisUrl, hub, registry: executor.registry });
  else if (executorThreadFromEnv()) {
    thread = new ExecutorThread({
      bootFile: path.join(env.rootDir, "server", "executorThread", "boot.mjs"),
      modelsDir: env.modelsDir,
      device: deviceFromEnv(),
      cacheBytes: cacheLimitBytes(),
      ...storage,
    });
    queue = new ThreadedRunQueue(dbRunStore, thread, hub);
  } else queue = new RunQueue(dbRunStore, execute, hub);
  return {
    env,
    registry: executor.registry,
    cache: executor.cache,
    models: executor.models,
    hub,
    queue,
    execute,
    executor,
    thread,
    engine: executorView(executor, thread),
  };
}

/** The thread's cache and models together with this thread's (teach.schedule loads scheduler configs here). */
function executorView(executor: ExecutorServices, thread: ExecutorThread | null): ExecutorView {
  const view: ExecutorView = {
    cacheStats() {
      const t = thread?.cacheStats() ?? { entries: 0, bytes: 0 };
      return { entries: executor.cache.size + t.entries, bytes: executor.cache.bytes + t.bytes };
    },
    async clearCache() {
      const here = executor.cache.size;
      executor.cache.clear();
      return here + ((await thread?.clearCache()) ?? 0);
    },
    loadedPackages: () => [...new Set([...executor.models.loaded(), ...(thread?.loadedPackages() ?? [])])],
    async unloadModels() {
      const count = view.loadedPackages().length;
      await Promise.all([executor.models.unload(), thread?.unloadModels()]);
      return count;
    },
  };
  return view;
}

const globalForServices = globalThis as unknown as { __unclipServices?: Promise<Services> };

/** The process's services, with the database migrated and the queue started (once). */
export function getServices(): Promise<Services> {
  globalForServices.__unclipServices ??= (async () => {
    const services = createServices();
    await getDb();
    await services.queue.start();
    // the executor thread loads while the server starts, not during the first run
    services.thread?.warm();
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
