/**
 * The in-process queue executes runs on the executor thread (server/executorThread): the web
 * server's API answers while a run holds the thread with model calls, cancel still lands within
 * one step, failures are recorded as in the main thread, a thread that dies fails its run with a
 * clear error and the next run gets a new one, and the images are the same bytes as the main
 * thread's executor makes. Real services (database in a temp DATA_DIR, ONNX sessions, the
 * tRPC router called in-process).
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../nodes/core/runEvents";
import { appRouter } from "../../server/api/root";
import { getRun } from "../../server/db/runs";
import { personalContext } from "../../server/api/trpc";
import { UnclipError } from "../../server/errors";
import { ExecutorThread } from "../../server/executorThread/executorThread";
import { createServices, type Services } from "../../server/services";
import { describeWithFixtures } from "../helpers/fixtures";
import { graph, noiseGraph, run, template, testExecutor, tinyTextToImage, useTempDataDir } from "./helpers";

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("an executor thread that cannot start", () => {
  it("fails the run saying so, and names the setting that runs on the main thread instead", async () => {
    const thread = new ExecutorThread({
      bootFile: path.join(os.tmpdir(), "no-such-dir", "boot.mjs"),
      modelsDir: os.tmpdir(),
      device: "cpu",
      cacheBytes: 1 << 20,
      readUpload: () => Promise.reject(new Error("no uploads here")),
      saveImage: () => Promise.reject(new Error("no images here")),
    });
    try {
      const err = await thread
        .execute({ id: "r1", workflow: noiseGraph(), options: {} }, new AbortController().signal, () => {})
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(UnclipError);
      expect(err).toMatchObject({ code: "executor_thread_stopped" });
      expect((err as Error).message).toMatch(/^the executor thread could not start \(.*no-such-dir.*\); set UNCLIP_EXECUTOR_THREAD=0/);
    } finally {
      await thread.stop();
    }
  });
});

describeWithFixtures("runs on the executor thread (in-process queue)", () => {
  const dataDir = useTempDataDir();
  let services: Services;
  const events: RunEvent[] = [];
  const ended = (runId: string) => events.find((e) => "runId" in e && e.runId === runId && ["run.finished", "run.failed", "run.cancelled"].includes(e.type));
  const decoderSteps = (runId: string) => events.filter((e) => e.type === "node.progress" && e.runId === runId && e.nodeId === "decoder").length;
  const caller = () => appRouter.createCaller(personalContext(services));

  beforeAll(async () => {
    services = createServices();
    services.hub.subscribe((e) => events.push(e));
    await services.queue.start();
  });
  afterAll(async () => {
    await services.queue.stop();
    await services.models.unload();
  });

  it("answers API calls while the largest allowed run executes, and cancel lands within one step", async () => {
    expect(services.thread).not.toBeNull();
    // 16 images on unclip-small with the most decoder steps allowed: minutes of model calls
    const wf = template("Text to image", {
      package: { package: "unclip-small" },
      tokenizer: { prompt: "a red circle" },
      seed: { seed: 5, randomize: false },
      prior: { numImagesPerPrompt: 16 },
      priorScheduler: { numInferenceSteps: 2 },
      decoderScheduler: { numInferenceSteps: 200 },
    });
    const { runId } = await caller().runs.enqueue({ workflow: wf });
    await until(() => decoderSteps(runId) >= 1, "the decoder's first step");

    const [pending, stats, models] = await Promise.all([caller().runs.pending(), caller().cache.stats(), caller().models.list()]);
    // answered while the run still goes
    expect(ended(runId)).toBeUndefined();
    expect(services.hub.state(runId)?.status).toBe("running");
    expect(pending.current).toBe(runId);
    expect(stats.entries).toBeGreaterThan(0); // the thread reported the nodes it has cached so far
    expect(models.find((m) => m.name === "unclip-small")?.loaded).toBe(true);
    // the sessions live on the thread: the web server's own thread loaded nothing
    expect(services.models.loaded()).toEqual([]);

    const stepsAtCancel = decoderSteps(runId);
    expect(await caller().runs.cancel({ id: runId })).toMatchObject({ result: "stopping" });
    await until(() => !!ended(runId), "the run to end");
    expect(ended(runId)?.type).toBe("run.cancelled");
    expect(decoderSteps(runId) - stepsAtCancel).toBeLessThanOrEqual(1);
    expect((await getRun(runId)).status).toBe("cancelled");
  });

  it("records failures from the thread as the main thread would: the node, the port, every validation error", async () => {
    const failing = graph(
      [
        ["image", "unclip.load_image", { image: "" }],
        ["preview", "unclip.preview_image"],
      ],
      [["image.image", "preview.image"]],
    );
    const invalid = graph([["inspect", "unclip.tensor_inspector"]]);
    const bad = (await services.queue.enqueue(failing)).runId;
    const unrunnable = (await services.queue.enqueue(invalid)).runId;
    await until(() => !!ended(bad) && !!ended(unrunnable), "both runs to end");

    expect((await getRun(bad)).error).toMatchObject({ code: "missing_image", nodeId: "image" });
    expect(events.find((e) => e.type === "node.error" && e.runId === bad)).toMatchObject({ nodeId: "image" });
    expect((await getRun(unrunnable)).error).toMatchObject({ code: "missing_input", nodeId: "inspect", port: "value" });
    expect(ended(unrunnable)).toMatchObject({ type: "run.failed", errors: [{ code: "missing_input", nodeId: "inspect" }] });
  });

  it("makes the same image bytes as the executor on the main thread", async () => {
    const wf = tinyTextToImage({ seed: { seed: 11, randomize: false } });
    const { runId } = await services.queue.enqueue(wf);
    await until(() => !!ended(runId), "the run to end");
    const r = await getRun(runId);
    expect(r.status).toBe("finished");
    const image = r.artifacts.find((a) => a.kind === "image" && a.nodeId === "save")!;
    const fromThread = await readFile(path.join(dataDir(), image.path));

    const direct = testExecutor();
    try {
      await run(direct, wf);
    } finally {
      await direct.models.unload();
    }
    const fromMain = direct.saved.find((s) => s.nodeId === "save" && s.info.kind === "image")!;
    expect(Buffer.compare(fromThread, Buffer.from(fromMain.png))).toBe(0);
  });

  it("stores the teaching traces the thread records, through the main thread", async () => {
    const { runId } = await services.queue.enqueue(tinyTextToImage({ seed: { seed: 13, randomize: false } }), { trace: true });
    await until(() => !!ended(runId), "the run to end");
    expect(ended(runId)?.type).toBe("run.finished");
    const { traces } = await caller().teach.traces({ runId });
    expect(traces.map((t) => t.nodeId)).toEqual(expect.arrayContaining(["decoder", "superRes"]));
    const decoder = traces.find((t) => t.nodeId === "decoder")!;
    const json = JSON.parse(await readFile(path.join(dataDir(), (await getRun(runId)).artifacts.find((a) => a.id === decoder.id)!.path), "utf8")) as {
      runId: string;
      nodeId: string;
    };
    expect(json).toMatchObject({ runId, nodeId: "decoder" });
  });

  it("fails the run of a thread that dies with a clear error, and runs the next on a new thread", async () => {
    const starts = services.thread!.starts;
    const long = tinyTextToImage({ prior: { numImagesPerPrompt: 16 }, decoderScheduler: { numInferenceSteps: 200 }, seed: { seed: 3, randomize: false } });
    const { runId } = await services.queue.enqueue(long);
    await until(() => decoderSteps(runId) >= 1, "the decoder's first step");
    await services.thread!.kill();
    await until(() => !!ended(runId), "the run to end");
    expect(ended(runId)?.type).toBe("run.failed");
    const failed = await getRun(runId);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "executor_thread_stopped" });
    expect(failed.error!.message).toContain("the thread executing it ended");
    expect(services.engine.loadedPackages()).toEqual([]); // what the dead thread held is gone

    const next = (await services.queue.enqueue(tinyTextToImage({ seed: { seed: 12, randomize: false } }))).runId;
    await until(() => !!ended(next), "the next run to end");
    expect((await getRun(next)).status).toBe("finished");
    expect(services.thread!.starts).toBe(starts + 1);
  });
});
