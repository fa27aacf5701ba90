/**
 * The executor thread's main module (started by executorThread.ts through boot.mjs). It holds what
 * makes a run heavy: the executor, its node-output cache, the model host and its ONNX sessions.
 * onnxruntime-node's `session.run` is a synchronous native call and the guidance, image and PNG
 * work is CPU-bound JavaScript; here they hold only this thread, so the web server's event loop
 * keeps answering requests while a run goes. Runs are executed by the very same `executeRun`
 * (a plain run, or every cell of a sweep) as everywhere else; only the database and the data
 * directory stay with the main thread, which answers this thread's requests for them (uploads,
 * artifacts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { CancelledError, isUnclipError } from "../errors";
import { createExecutorServices } from "../executorServices";
import { toRunError } from "../graph/executor";
import { executeRun } from "../graph/sweep";
import type { ValidationError } from "../../nodes/core/graphRules";
import type { RunEvent } from "../../nodes/core/runEvents";
import type { ArtifactRef } from "../../nodes/engine/runContext";
import { startNoiseThread } from "../unclip/noisePrefetch";
import { deserializeError, type FromThread, type ThreadData, type ToThread } from "./protocol";

if (!parentPort) throw new Error("server/executorThread/thread.ts runs only as a worker thread (see executorThread.ts)");
const port = parentPort;
const data = workerData as ThreadData;
const post = (m: FromThread) => port.postMessage(m);

let nextRequest = 0;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

/** Ask the main thread for something only it may do, and wait for its answer. */
function ask<T>(m: FromThread & { requestId: number }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    waiting.set(m.requestId, { resolve: resolve as (v: unknown) => void, reject });
    post(m);
  });
}

const services = createExecutorServices({
  modelsDir: data.modelsDir,
  device: data.device,
  cacheBytes: data.cacheBytes,
  // a Buffer again (structured clone delivers a plain Uint8Array), as reading the file here would give
  readUpload: async (name) => {
    const bytes = await ask<Uint8Array>({ type: "readUpload", requestId: ++nextRequest, name });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  },
  // the PNG is copied, not transferred: an encoder's output may share its memory with other buffers
  saveImage: (runId, nodeId, png, info) => ask<ArtifactRef>({ type: "saveImage", requestId: ++nextRequest, runId, nodeId, png, info }),
  saveTrace: data.traces ? (runId, nodeId, json) => ask<ArtifactRef>({ type: "saveTrace", requestId: ++nextRequest, runId, nodeId, json }) : undefined,
});

// the noise thread (server/unclip/noisePrefetch.ts) starts now rather than with the first run's first
// seeded stage, which would otherwise draw its noise here while the thread boots
void startNoiseThread();

function postState(): void {
  post({ type: "state", state: { cache: { entries: services.cache.size, bytes: services.cache.bytes }, loaded: services.models.loaded() } });
}

const running = new Map<string, AbortController>();

async function run(m: Extract<ToThread, { type: "run" }>): Promise<void> {
  const controller = new AbortController();
  running.set(m.runId, controller);
  const onEvent = (event: RunEvent) => {
    post({ type: "event", event });
    // what the editor's cache and model panels show changes as nodes finish
    if (event.type === "node.finished") postState();
  };
  try {
    // a workflow with a sweep runs all its cells here, sharing this thread's cache
    const report = await executeRun(services, m.workflow, {
      runId: m.runId,
      signal: controller.signal,
      previewEvery: m.options.previewEvery ?? 0,
      trace: m.options.trace,
      onEvent,
    });
    post({ type: "finished", runId: m.runId, report });
  } catch (err) {
    const cancelled = err instanceof CancelledError || controller.signal.aborted;
    const errors = (err as { errors?: ValidationError[] }).errors;
    post({
      type: "failed",
      runId: m.runId,
      cancelled,
      error: toRunError(err),
      kind: isUnclipError(err) ? err.kind : "runtime",
      errors: errors?.map((e) => ({ ...e })),
    });
  } finally {
    running.delete(m.runId);
    postState();
  }
}

port.on("message", (m: ToThread) => {
  switch (m.type) {
    case "run":
      void run(m);
      return;
    case "cancel":
      // handled between model calls: the sampler yields after every step and checks the signal
      running.get(m.runId)?.abort();
      return;
    case "clearCache": {
      const entries = services.cache.size;
      services.cache.clear();
      postState();
      post({ type: "done", requestId: m.requestId, value: entries });
      return;
    }
    case "unloadModels": {
      const count = services.models.loaded().length;
      const answer = () => {
        postState();
        post({ type: "done", requestId: m.requestId, value: count });
      };
      services.models.unload().then(answer, (err: unknown) => {
        console.error(`executor thread: unloading models: ${(err as Error)?.message ?? String(err)}`);
        answer();
      });
      return;
    }
    case "exit":
      // at a turn of this thread's event loop, never inside a model call (see ExecutorThread.kill)
      if (!m.release) process.exit(1);
      // released or not, the thread ends: its sessions go with it
      void services.models.unload().then(
        () => process.exit(0),
        () => process.exit(0),
      );
      return;
    case "answer": {
      const w = waiting.get(m.requestId);
      waiting.delete(m.requestId);
      if (m.ok) w?.resolve(m.value);
      else w?.reject(deserializeError(m.error));
      return;
    }
  }
});

postState();
