/**
 * The run queue's behaviour, the same for both backends: the in-process queue (the web server
 * executes runs itself) and the queue in Redis (runs executed by a RunWorker, events relayed over
 * Redis, PostgreSQL as the database). Order, cancel, clear, move-to-front, failures, one run at a
 * time per worker, recovery after a restart, and the server's composition end to end on
 * unclip-tiny. Each test file calls `defineQueueSuite` once with its backend.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import { closeDb } from "../../server/db/client";
import { clearQueuedRuns, enqueueRun, getRun, markRunning, type RunStatus } from "../../server/db/runs";
import { resetEnv } from "../../server/env";
import { CancelledError } from "../../server/errors";
import { createExecutorServices } from "../../server/executorServices";
import type { RunEvent } from "../../nodes/core/runEvents";
import { type ExecutorServices, executeWorkflow, type RunReport } from "../../server/graph/executor";
import { parseWorkflow, type Workflow } from "../../nodes/core/workflow";
import type { RunQueueBackend } from "../../server/queue/types";
import { BullmqRunQueue } from "../../server/queue/bullmqRunQueue";
import { dbRunStore } from "../../server/queue/dbRunStore";
import { EventHub } from "../../server/queue/eventHub";
import { type Execute, RunQueue } from "../../server/queue/runQueue";
import type { RunStore } from "../../server/queue/types";
import { createServices } from "../../server/services";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { RunWorker } from "../../server/worker/runWorker";
import { describeWithFixtures } from "../helpers/fixtures";
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from "../helpers/services";
import { type Deferred, deferred, graph, noiseGraph, registry, tinyTextToImage, useTempDataDir } from "./helpers";

export type QueueBackendKind = "in-process" | "redis";

const named = (name: string): Workflow => ({ ...noiseGraph(), name });
const report = (): RunReport => ({ ran: [], cached: [], ms: 1, nodeMs: {}, ui: {}, skipped: [] });
const status = async (id: string): Promise<RunStatus> => (await getRun(id)).status;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A stand-in executor that records which workflows ran, and how many at once. A workflow named
 * "block" waits until `release()` (or until cancelled).
 */
function fakeExecutor() {
  const order: string[] = [];
  let gate: Deferred = deferred();
  let runningNow = 0;
  let most = 0;
  const blockStarted: Deferred[] = [];
  const execute: Execute = async (run, signal) => {
    order.push(run.workflow.name ?? "?");
    runningNow += 1;
    most = Math.max(most, runningNow);
    try {
      if (run.workflow.name === "block") {
        blockStarted.shift()?.resolve();
        await Promise.race([gate.promise, new Promise((_, reject) => signal.addEventListener("abort", () => reject(new CancelledError())))]);
      } else {
        await new Promise((r) => setTimeout(r, 5));
      }
      return report();
    } finally {
      runningNow -= 1;
    }
  };
  return {
    execute,
    order,
    maxConcurrent: () => most,
    release() {
      gate.resolve();
      gate = deferred();
    },
    /** Resolves when the next "block" run has started. */
    nextBlock(): Promise<void> {
      const d = deferred();
      blockStarted.push(d);
      return d.promise;
    },
  };
}

export function defineQueueSuite(kind: QueueBackendKind): void {
  const dataDir = useTempDataDir();
  let redis: TestRedis | null = null;
  let postgres: TestPostgres | null = null;

  if (kind === "redis") {
    beforeAll(async () => {
      redis = await startRedis();
      postgres = await startPostgres();
      process.env.DATABASE_URL = await postgres.createDatabase("queue");
      process.env.REDIS_URL = redis.url;
      resetEnv();
      await closeDb();
    });
    afterAll(async () => {
      await closeDb();
      delete process.env.REDIS_URL;
      delete process.env.DATABASE_URL;
      resetEnv();
      await redis?.stop();
      await postgres?.stop();
    });
  }

  /** Executor services for a worker that never loads a model (the fake executor's runs). */
  const idleExecutor = (): ExecutorServices =>
    createExecutorServices({
      modelsDir: dataDir(),
      device: "cpu",
      cacheBytes: 1 << 20,
      readUpload: () => Promise.reject(new Error("no uploads here")),
      saveImage: (runId, nodeId, _png, info) => Promise.resolve({ id: `${runId}-${nodeId}`, url: "", width: info.width, height: info.height, kind: info.kind }),
    });

  let stops: (() => Promise<void>)[] = [];
  let workerCount = 0;

  /** A worker executing runs from Redis in this process (the fault tests use real processes). */
  async function startWorker(execute: Execute, executor: ExecutorServices): Promise<RunWorker> {
    const worker = new RunWorker({ redisUrl: redis!.url, id: `suite-worker-${++workerCount}`, executor, execute, leaseMs: 5_000 });
    await worker.start();
    stops.push(() => worker.stop({ abort: true }));
    return worker;
  }

  async function newQueue(
    execute: Execute,
    o: { store?: RunStore; executor?: ExecutorServices } = {},
  ): Promise<{ queue: RunQueueBackend; events: RunEvent[] }> {
    const hub = new EventHub();
    const events: RunEvent[] = [];
    hub.subscribe((e) => events.push(e));
    let queue: RunQueueBackend;
    if (kind === "in-process") {
      queue = new RunQueue(o.store ?? dbRunStore, execute, hub);
    } else {
      queue = new BullmqRunQueue({ redisUrl: redis!.url, hub, registry, store: o.store, reconcileEveryMs: 300 });
      await startWorker(execute, o.executor ?? idleExecutor());
    }
    stops.unshift(() => queue.stop());
    return { queue, events };
  }

  beforeEach(async () => {
    await clearQueuedRuns();
  });
  afterEach(async () => {
    for (const stop of stops) await stop();
    stops = [];
  });

  describe(`run queue (${kind})`, () => {
    it("runs in FIFO order and records each run finished", async () => {
      const fake = fakeExecutor();
      const { queue, events } = await newQueue(fake.execute);
      await queue.start();
      const blocked = fake.nextBlock();
      const ids = [(await queue.enqueue(named("block"))).runId];
      await blocked;
      for (const name of ["A", "B", "C"]) ids.push((await queue.enqueue(named(name))).runId);
      await until(() => queue.current === ids[0], "the first run to be current");
      fake.release();
      await queue.idle();
      expect(fake.order).toEqual(["block", "A", "B", "C"]);
      for (const id of ids) expect(await status(id)).toBe("finished");
      expect(events.filter((e) => e.type === "run.started").map((e) => e.runId)).toEqual(ids);
      // positions count the runs ahead that are still queued
      expect(events.filter((e) => e.type === "run.queued").map((e) => (e as { position: number }).position)).toEqual([0, 0, 1, 2]);
    });

    it("cancels a queued run (it never starts) and stops the running one", async () => {
      const fake = fakeExecutor();
      const { queue, events } = await newQueue(fake.execute);
      await queue.start();
      const blocked = fake.nextBlock();
      const block = (await queue.enqueue(named("block"))).runId;
      const a = (await queue.enqueue(named("A"))).runId;
      const b = (await queue.enqueue(named("B"))).runId;
      await blocked;
      expect(await queue.cancel(a)).toBe("cancelled");
      expect(await queue.cancel(a)).toBe("not_found");
      expect(await queue.cancel("no-such-run")).toBe("not_found");
      expect(await queue.cancel(block)).toBe("stopping");
      await queue.idle();
      expect(fake.order).toEqual(["block", "B"]);
      expect(await status(block)).toBe("cancelled");
      expect(await status(a)).toBe("cancelled");
      expect(await status(b)).toBe("finished");
      expect(
        events
          .filter((e) => e.type === "run.cancelled")
          .map((e) => e.runId)
          .sort(),
      ).toEqual([a, block].sort());
    });

    it("clear() cancels everything still queued, not the running run", async () => {
      const fake = fakeExecutor();
      const { queue, events } = await newQueue(fake.execute);
      await queue.start();
      const blocked = fake.nextBlock();
      const block = (await queue.enqueue(named("block"))).runId;
      const rest = [(await queue.enqueue(named("A"))).runId, (await queue.enqueue(named("B"))).runId];
      await blocked;
      expect(await queue.clear()).toBe(2);
      expect(await queue.clear()).toBe(0);
      fake.release();
      await queue.idle();
      expect(fake.order).toEqual(["block"]);
      expect(await status(block)).toBe("finished");
      for (const id of rest) expect(await status(id)).toBe("cancelled");
      expect(
        events
          .filter((e) => e.type === "run.cancelled")
          .map((e) => e.runId)
          .sort(),
      ).toEqual([...rest].sort());
    });

    it("move-to-front changes the order; finished or unknown runs cannot move", async () => {
      const fake = fakeExecutor();
      const { queue } = await newQueue(fake.execute);
      await queue.start();
      const blocked = fake.nextBlock();
      const block = (await queue.enqueue(named("block"))).runId;
      await queue.enqueue(named("A"));
      await queue.enqueue(named("B"));
      const c = (await queue.enqueue(named("C"))).runId;
      await blocked;
      expect(await queue.moveToFront(c)).toBe(true);
      expect(await queue.moveToFront(block)).toBe(false); // running
      expect(await queue.moveToFront("no-such-run")).toBe(false);
      fake.release();
      await queue.idle();
      expect(fake.order).toEqual(["block", "C", "A", "B"]);
      expect(await queue.moveToFront(c)).toBe(false); // finished
    });

    it("takes users in turn: A queues 5 runs, then B queues 1, and B's run is the second to start", async () => {
      const fake = fakeExecutor();
      const { queue, events } = await newQueue(fake.execute);
      await queue.start();
      const blocked = fake.nextBlock();
      const a = [(await queue.enqueue(named("block"), {}, null, "student-a")).runId];
      await blocked; // A's first run is running
      for (const name of ["A2", "A3", "A4", "A5"]) a.push((await queue.enqueue(named(name), {}, null, "student-a")).runId);
      const b = (await queue.enqueue(named("B1"), {}, null, "student-b")).runId;
      fake.release();
      await queue.idle();
      const started = events.filter((e) => e.type === "run.started").map((e) => e.runId);
      expect(started).toEqual([a[0], b, ...a.slice(1)]);
      expect(fake.order).toEqual(["block", "B1", "A2", "A3", "A4", "A5"]);
    });

    it("records a failing run as failed with its node, and goes on with the next", async () => {
      const executor = idleExecutor();
      const { queue, events } = await newQueue((run, signal, onEvent) => executeWorkflow(executor, run.workflow, { runId: run.id, signal, onEvent }), {
        executor,
      });
      await queue.start();
      const failing = graph(
        [
          ["image", "unclip.load_image", { image: "" }],
          ["preview", "unclip.preview_image"],
        ],
        [["image.image", "preview.image"]],
      );
      const invalid = graph([["inspect", "unclip.tensor_inspector"]]);
      const bad = (await queue.enqueue(failing)).runId;
      const unrunnable = (await queue.enqueue(invalid)).runId;
      const good = (await queue.enqueue(noiseGraph())).runId;
      await queue.idle();

      const failed = await getRun(bad);
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatchObject({ code: "missing_image", nodeId: "image" });
      expect(events.find((e) => e.type === "run.failed" && e.runId === bad)).toMatchObject({ error: { nodeId: "image" } });
      expect(events.find((e) => e.type === "node.error" && e.runId === bad)).toMatchObject({ nodeId: "image" });

      const refused = await getRun(unrunnable);
      expect(refused.status).toBe("failed");
      expect(refused.error).toMatchObject({ code: "missing_input", nodeId: "inspect", port: "value" });
      expect(events.find((e) => e.type === "run.failed" && e.runId === unrunnable)).toMatchObject({ errors: [{ code: "missing_input", nodeId: "inspect" }] });

      const ok = await getRun(good);
      expect(ok.status).toBe("finished");
      expect(ok.ranNodes).toEqual(["seed", "noise", "inspect"]);
      expect(queue.hub.state(good)?.status).toBe("finished");
    });

    it("runs one at a time per worker, however runs arrive", async () => {
      const fake = fakeExecutor();
      const { queue } = await newQueue(fake.execute);
      await queue.start();
      const names = ["r1", "r2", "r3", "r4", "r5", "r6"];
      const ids = await Promise.all(names.map((n) => queue.enqueue(named(n)).then((r) => r.runId)));
      await queue.idle();
      expect(fake.maxConcurrent()).toBe(1);
      expect([...fake.order].sort()).toEqual(names);
      for (const id of ids) expect(await status(id)).toBe("finished");
    });

    if (kind === "in-process") {
      it("does not strand a run enqueued while the queue was finding nothing to do", async () => {
        const fake = fakeExecutor();
        const looking = deferred();
        const answer = deferred();
        let first = true;
        const store: RunStore = {
          ...dbRunStore,
          async nextQueued() {
            const r = await dbRunStore.nextQueued();
            if (first) {
              // hold back the first answer ("nothing queued") until an enqueue has landed
              first = false;
              expect(r).toBeNull();
              looking.resolve();
              await answer.promise;
            }
            return r;
          },
        };
        const { queue } = await newQueue(fake.execute, { store });
        await queue.start();
        await looking.promise;
        const { runId } = await queue.enqueue(named("late"));
        answer.resolve();
        await queue.idle();
        expect(fake.order).toEqual(["late"]);
        expect(await status(runId)).toBe("finished");
      });
    }

    it("after a restart: runs left queued are executed; a run left running is interrupted (in-process) or retried (workers)", async () => {
      const fake = fakeExecutor();
      // the process that died: one run had started, two were waiting
      const crashed = await enqueueRun({ snapshot: JSON.stringify(named("crashed")) });
      await markRunning(crashed.id);
      const waiting = [await enqueueRun({ snapshot: JSON.stringify(named("W1")) }), await enqueueRun({ snapshot: JSON.stringify(named("W2")) })];

      // a queue that is not started only stores what it is given
      const { queue } = await newQueue(fake.execute);
      const later = (await queue.enqueue(named("W3"))).runId;
      await new Promise((r) => setTimeout(r, 50));
      expect(fake.order).toEqual([]);
      expect(await status(later)).toBe("queued");

      if (kind === "in-process") {
        expect(await queue.start()).toEqual({ interrupted: 1 });
        await queue.idle();
        expect(fake.order).toEqual(["W1", "W2", "W3"]);
        expect(await status(crashed.id)).toBe("interrupted");
        expect((await getRun(crashed.id)).error).toMatchObject({ code: "interrupted" });
      } else {
        // a web server cannot know whether a worker still runs it: the lease decides, and this
        // one never had a lease, so a worker takes it over as its second attempt
        expect(await queue.start()).toEqual({ interrupted: 0 });
        await queue.idle();
        expect(fake.order).toEqual(["W1", "W2", "W3", "crashed"]);
        expect(await getRun(crashed.id)).toMatchObject({ status: "finished", attempt: 1 });
      }
      for (const w of waiting) expect(await status(w.id)).toBe("finished");
    });

    it("fails a queued run whose workflow this version cannot read, and runs the next", async () => {
      const fake = fakeExecutor();
      const unreadable = await enqueueRun({ snapshot: JSON.stringify({ ...named("future"), version: 99 }) });
      const fine = await enqueueRun({ snapshot: JSON.stringify(named("fine")) });
      const { queue } = await newQueue(fake.execute);
      await queue.start();
      await queue.idle();
      expect(fake.order).toEqual(["fine"]);
      const r = await getRun(unreadable.id);
      expect(r.status).toBe("failed");
      expect(r.error).toMatchObject({ code: "bad_workflow" });
      expect(r.error!.message).toContain("newer than this app supports");
      expect(await status(fine.id)).toBe("finished");
    });
  });

  describeWithFixtures(`the server's services on unclip-tiny (${kind})`, () => {
    it("run a workflow from the queue into saved artifacts that carry the workflow", async () => {
      const services = createServices();
      stops.unshift(() => services.queue.stop());
      if (kind === "redis") await startWorker(services.execute, services.executor);
      try {
        await services.queue.start();
        const wf = parseWorkflow(JSON.stringify(tinyTextToImage({ seed: { seed: 11 } })));
        const { runId } = await services.queue.enqueue(wf, { previewEvery: 1 });
        await services.queue.idle();
        const r = await getRun(runId);
        expect(r.status).toBe("finished");
        expect(r.ranNodes).toContain("save");
        const images = r.artifacts.filter((a) => a.kind === "image");
        expect(images).toHaveLength(1);
        expect(images[0]).toMatchObject({ nodeId: "save", width: 64, height: 64 });
        expect(r.artifacts.some((a) => a.kind === "preview" && a.nodeId === "preview")).toBe(true);
        const png = await readFile(path.join(dataDir(), images[0].path));
        expect(parseWorkflow(readPngTextChunks(png)[WORKFLOW_PNG_KEYWORD])).toEqual(wf);
        // step previews were streamed as events
        expect(services.hub.state(runId)?.status).toBe("finished");
      } finally {
        await services.models.unload();
      }
    });
  });
}
