/**
 * The run queue over the real database store (a temp SQLite data directory): order, cancel,
 * clear, move-to-front, failures, one run at a time, and recovery after a restart. The last part
 * runs the server's composition (services.ts) end to end on unclip-tiny.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage";
import { getRun, enqueueRun, clearQueuedRuns, markRunning, type RunStatus } from "../../server/db/runs";
import { CancelledError } from "../../server/errors";
import { createExecutorServices } from "../../server/executorServices";
import type { RunEvent } from "../../server/graph/events";
import { executeWorkflow, type RunReport } from "../../server/graph/executor";
import { parseWorkflow, type Workflow } from "../../server/graph/workflow";
import { dbRunStore } from "../../server/queue/dbRunStore";
import { EventHub } from "../../server/queue/eventHub";
import { type Execute, RunQueue, type RunStore } from "../../server/queue/runQueue";
import { createServices } from "../../server/services";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { describeWithFixtures } from "../helpers/fixtures";
import { type Deferred, deferred, graph, noiseGraph, tinyTextToImage, useTempDataDir } from "./helpers";

const dataDir = useTempDataDir();

const named = (name: string): Workflow => ({ ...noiseGraph(), name });
const report = (): RunReport => ({ ran: [], cached: [], ms: 1, nodeMs: {}, ui: {} });
const status = async (id: string): Promise<RunStatus> => (await getRun(id)).status;

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

let queues: RunQueue[] = [];
function newQueue(execute: Execute, store: RunStore = dbRunStore): { queue: RunQueue; events: RunEvent[] } {
  const hub = new EventHub();
  const events: RunEvent[] = [];
  hub.subscribe((e) => events.push(e));
  const queue = new RunQueue(store, execute, hub);
  queues.push(queue);
  return { queue, events };
}

beforeEach(async () => {
  await clearQueuedRuns();
});
afterEach(async () => {
  for (const q of queues) await q.stop();
  queues = [];
});

describe("run queue on the database", () => {
  it("runs in FIFO order and records each run finished", async () => {
    const fake = fakeExecutor();
    const { queue, events } = newQueue(fake.execute);
    await queue.start();
    const blocked = fake.nextBlock();
    const ids = [];
    for (const name of ["block", "A", "B", "C"]) ids.push((await queue.enqueue(named(name))).runId);
    await blocked;
    expect(queue.current).toBe(ids[0]);
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
    const { queue, events } = newQueue(fake.execute);
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
    expect(events.filter((e) => e.type === "run.cancelled").map((e) => e.runId).sort()).toEqual([a, block].sort());
  });

  it("clear() cancels everything still queued, not the running run", async () => {
    const fake = fakeExecutor();
    const { queue, events } = newQueue(fake.execute);
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
    expect(events.filter((e) => e.type === "run.cancelled").map((e) => e.runId).sort()).toEqual([...rest].sort());
  });

  it("move-to-front changes the order; finished or unknown runs cannot move", async () => {
    const fake = fakeExecutor();
    const { queue } = newQueue(fake.execute);
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

  it("records a failing run as failed with its node, and goes on with the next", async () => {
    const executor = createExecutorServices({
      modelsDir: dataDir(),
      device: "cpu",
      cacheBytes: 1 << 20,
      readUpload: () => Promise.reject(new Error("no uploads here")),
      saveImage: async (runId, nodeId, _png, info) => ({ id: `${runId}-${nodeId}`, url: "", width: info.width, height: info.height, kind: info.kind }),
    });
    const { queue, events } = newQueue((run, signal, onEvent) => executeWorkflow(executor, run.workflow, { runId: run.id, signal, onEvent }));
    await queue.start();
    const failing = graph([["image", "unclip.load_image", { image: "" }], ["preview", "unclip.preview_image"]], [["image.image", "preview.image"]]);
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

  it("runs one at a time, however runs arrive", async () => {
    const fake = fakeExecutor();
    const { queue } = newQueue(fake.execute);
    await queue.start();
    const names = ["r1", "r2", "r3", "r4", "r5", "r6"];
    const ids = await Promise.all(names.map((n) => queue.enqueue(named(n)).then((r) => r.runId)));
    await queue.idle();
    expect(fake.maxConcurrent()).toBe(1);
    expect([...fake.order].sort()).toEqual(names);
    for (const id of ids) expect(await status(id)).toBe("finished");
  });

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
    const { queue } = newQueue(fake.execute, store);
    await queue.start();
    await looking.promise;
    const { runId } = await queue.enqueue(named("late"));
    answer.resolve();
    await queue.idle();
    expect(fake.order).toEqual(["late"]);
    expect(await status(runId)).toBe("finished");
  });

  it("after a restart: runs left queued are executed, a run left running is marked interrupted", async () => {
    const fake = fakeExecutor();
    // the process that died: one run had started, two were waiting
    const crashed = await enqueueRun({ snapshot: JSON.stringify(named("crashed")) });
    await markRunning(crashed.id);
    const waiting = [await enqueueRun({ snapshot: JSON.stringify(named("W1")) }), await enqueueRun({ snapshot: JSON.stringify(named("W2")) })];

    // a queue that is not started only stores what it is given
    const { queue } = newQueue(fake.execute);
    const later = (await queue.enqueue(named("W3"))).runId;
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.order).toEqual([]);
    expect(await status(later)).toBe("queued");

    expect(await queue.start()).toEqual({ interrupted: 1 });
    await queue.idle();
    expect(fake.order).toEqual(["W1", "W2", "W3"]);
    expect(await status(crashed.id)).toBe("interrupted");
    expect((await getRun(crashed.id)).error).toMatchObject({ code: "interrupted" });
    for (const w of waiting) expect(await status(w.id)).toBe("finished");
  });

  it("fails a queued run whose workflow this version cannot read, and runs the next", async () => {
    const fake = fakeExecutor();
    const unreadable = await enqueueRun({ snapshot: JSON.stringify({ ...named("future"), version: 99 }) });
    const fine = await enqueueRun({ snapshot: JSON.stringify(named("fine")) });
    const { queue } = newQueue(fake.execute);
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

describeWithFixtures("the server's services on unclip-tiny", () => {
  it("run a workflow from the queue into saved artifacts that carry the workflow", async () => {
    const services = createServices();
    queues.push(services.queue);
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
      const png = await readFile(path.join(dataDir(), images[0]!.path));
      expect(parseWorkflow(readPngTextChunks(png)[WORKFLOW_PNG_KEYWORD])).toEqual(wf);
      // step previews were streamed as events
      expect(services.hub.state(runId)?.status).toBe("finished");
    } finally {
      await services.models.unload();
    }
  });
});
