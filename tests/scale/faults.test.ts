/**
 * Runs spread over worker processes (`unclip worker`) behind one queue in Redis, PostgreSQL as
 * the database, this process playing the web server. Faults are real: a worker killed with
 * SIGKILL mid-run, Redis killed and restarted empty while runs wait, and 50 runs over two workers.
 * The database is the source of truth throughout: every run ends exactly once.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { getRun } from "../../server/db/runs";
import type { RunEvent } from "../../nodes/core/runEvents";
import { parseWorkflow, type Workflow } from "../../nodes/core/workflow";
import type { Services } from "../../server/services";
import { FIXTURES_DIR, HAVE_FIXTURES } from "../helpers/fixtures";
import { describeWithServices, type TestRedis, useWebStack } from "../helpers/services";
import { startWorker, type TestWorker } from "../helpers/workers";
import { steps, tinyTextToImage } from "../graph/helpers";

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tiny = (seed: number, overrides: Record<string, Record<string, unknown>> = {}): Workflow =>
  parseWorkflow(JSON.stringify(tinyTextToImage({ seed: { seed }, ...overrides })));

describeWithServices("workers behind a queue in Redis", { redis: true, postgres: true }, () => {
  if (!HAVE_FIXTURES) {
    it.skip(`reference fixtures not found at ${FIXTURES_DIR}: skipped`, () => {});
    return;
  }
  const stack = useWebStack("faults", () => FIXTURES_DIR);
  let redis: TestRedis;
  let dataDir: string;
  let web: Services;
  let workerEnv: Record<string, string>;
  const workers: TestWorker[] = [];
  const events: RunEvent[] = [];

  beforeAll(async () => {
    ({ redis, dataDir, web, env: workerEnv } = stack());
    web.hub.subscribe((e) => events.push(e));
    workers.push(await startWorker("w1", workerEnv), await startWorker("w2", workerEnv));
  });

  afterAll(async () => {
    for (const w of workers) await w.kill("SIGKILL");
  });

  /** Each run finished once, with its one image on disk. */
  async function expectFinishedOnce(runIds: string[]): Promise<void> {
    for (const id of runIds) {
      const r = await getRun(id);
      expect(r.status, `${id}: ${JSON.stringify(r.error)}`).toBe("finished");
      const images = r.artifacts.filter((a) => a.kind === "image");
      expect(images).toHaveLength(1);
      expect(existsSync(path.join(dataDir, images[0].path))).toBe(true);
      expect(events.filter((e) => e.type === "run.finished" && e.runId === id)).toHaveLength(1);
    }
  }

  it("a worker killed mid-run: the run is retried once on the other worker and finishes once", async () => {
    const { runId } = await web.queue.enqueue(tiny(5, steps(2, 150, 2)));
    await until(() => events.some((e) => e.type === "node.progress" && e.runId === runId && e.nodeId === "decoder"), "the decoder to be sampling");
    const first = await getRun(runId);
    expect(first).toMatchObject({ status: "running", attempt: 1 });
    const victim = workers.find((w) => w.id === first.workerId)!;
    await victim.kill("SIGKILL");

    await until(async () => (await getRun(runId)).status !== "running", "the run to end after its worker died");
    const retried = await getRun(runId);
    expect(retried.attempt).toBe(2);
    expect(retried.workerId).not.toBe(victim.id);
    await until(() => events.some((e) => e.type === "run.finished" && e.runId === runId), "the finished event");
    await expectFinishedOnce([runId]);

    // a replacement joins
    workers.splice(workers.indexOf(victim), 1, await startWorker(`${victim.id}b`, workerEnv));
  });

  it("Redis restarted empty while runs wait: the queue resumes, nothing lost or run twice", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await web.queue.enqueue(tiny(100 + i))).runId);
    await until(async () => (await getRun(ids[0])).status === "finished", "the first run to finish");
    await redis.restart();
    await until(async () => {
      for (const id of ids) if ((await getRun(id)).status !== "finished") return false;
      return true;
    }, "every run to finish after the restart");
    await web.queue.idle();
    for (const id of ids) expect((await getRun(id)).attempt).toBe(1);
    await until(() => ids.every((id) => events.some((e) => e.type === "run.finished" && e.runId === id)), "an end event for every run");
    await expectFinishedOnce(ids);
  });

  it("50 runs over two workers: all finish, each exactly once, records and artifacts all present", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await web.queue.enqueue(tiny(1000 + i))).runId);
    await until(
      async () => {
        for (const id of ids) if ((await getRun(id)).status !== "finished") return false;
        return true;
      },
      "all 50 runs to finish",
      600_000,
    );
    await web.queue.idle();
    await expectFinishedOnce(ids);
    const runs = await Promise.all(ids.map((id) => getRun(id)));
    expect(runs.every((r) => r.attempt === 1)).toBe(true);
    expect(new Set(runs.map((r) => r.workerId)).size).toBe(2);
    // the workers say what they hold: both loaded the tiny package
    const listed = await web.queue.workers();
    expect(listed.map((w) => w.id).sort()).toEqual(workers.map((w) => w.id).sort());
    for (const w of listed) expect(w.packages).toContain("unclip-tiny");
  }, 900_000);
});
