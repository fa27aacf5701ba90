/**
 * A run goes preferably to a worker that already holds its model package: with one worker warm
 * on a package and a cold one beside it, runs of that package all land on the warm worker.
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { getRun } from "../../server/db/runs";
import { parseWorkflow } from "../../nodes/core/workflow";
import type { Services } from "../../server/services";
import { tinyTextToImage } from "../graph/helpers";
import { FIXTURES_DIR, HAVE_FIXTURES } from "../helpers/fixtures";
import { describeWithServices, useWebStack } from "../helpers/services";
import { startWorker, type TestWorker } from "../helpers/workers";

async function finished(runId: string): Promise<Awaited<ReturnType<typeof getRun>>> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await getRun(runId);
    if (r.status === "finished" || r.status === "failed") return r;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describeWithServices("workers prefer the runs whose package they hold", { redis: true, postgres: true }, () => {
  if (!HAVE_FIXTURES) {
    it.skip(`reference fixtures not found at ${FIXTURES_DIR}: skipped`, () => {});
    return;
  }
  // two packages by name (the same tiny weights), so "holding a package" can differ between workers
  const modelsDir = mkdtempSync(path.join(os.tmpdir(), "unclip-affinity-models-"));
  symlinkSync(path.join(FIXTURES_DIR, "unclip-tiny"), path.join(modelsDir, "tiny-a"));
  symlinkSync(path.join(FIXTURES_DIR, "unclip-tiny"), path.join(modelsDir, "tiny-b"));
  const stack = useWebStack("affinity", () => modelsDir);
  const workers: TestWorker[] = [];
  let web: Services;
  let env: Record<string, string>;

  beforeAll(() => {
    ({ web, env } = stack());
  });

  afterAll(async () => {
    for (const w of workers) await w.kill("SIGKILL");
    rmSync(modelsDir, { recursive: true, force: true });
  });

  const run = (pkg: string, seed: number) => web.queue.enqueue(parseWorkflow(JSON.stringify(tinyTextToImage({ package: { package: pkg }, seed: { seed } }))));

  it("runs of a package go to the idle worker that holds it, not to the cold one", async () => {
    workers.push(await startWorker("warm", env));
    const first = await finished((await run("tiny-a", 1)).runId);
    expect(first.workerId).toBe("warm");
    workers.push(await startWorker("cold", env));
    // wait until both are listed, the warm one with its package
    const deadline = Date.now() + 30_000;
    while (!((await web.queue.workers()).length === 2 && (await web.queue.workers()).some((w) => w.id === "warm" && w.packages.includes("tiny-a")))) {
      if (Date.now() > deadline) throw new Error("workers not listed");
      await new Promise((r) => setTimeout(r, 100));
    }
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) placed.push((await finished((await run("tiny-a", 10 + i)).runId)).workerId ?? "none");
    expect(placed).toEqual(Array(6).fill("warm"));
    // a package nobody holds may go to either; the cold worker still takes work
    const other = await finished((await run("tiny-b", 99)).runId);
    expect(other.status).toBe("finished");
  }, 300_000);
});
