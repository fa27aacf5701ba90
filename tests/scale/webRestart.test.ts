/**
 * The web server killed (SIGKILL) and started again while a worker process runs a run: the run
 * goes on untouched, and the editor's subscription reconnects by itself and is shown the current
 * state (the running run, its progress, its end). Runs the built app (`next start`) with
 * REDIS_URL and a PostgreSQL DATABASE_URL, as a team deployment does.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { StreamEvent } from "../../server/api/routers/runs";
import type { Workflow } from "../../nodes/core/workflow";
import { type Client, createClient, describeApi, EventRecorder, nodesOfType, tinyWorkflow, until } from "../api/helpers";
import { FIXTURES_DIR } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { describeWithServices, startPostgres, startRedis, type TestPostgres, type TestRedis } from "../helpers/services";
import { startWorker, type TestWorker } from "../helpers/workers";

const isSnapshot = (e: StreamEvent) => e.type === "snapshot";

describeWithServices("web server restart with workers", { redis: true, postgres: true }, () => {
  describeApi("the editor's subscription across a web server restart", () => {
    let redis: TestRedis;
    let postgres: TestPostgres;
    let server: TestServer;
    let worker: TestWorker;
    let client: Client;
    const recorders: EventRecorder[] = [];

    beforeAll(async () => {
      redis = await startRedis();
      postgres = await startPostgres();
      // the run must outlast a web server restart on a fast, quiet machine: 1,000 decoder steps, above the default limit (200)
      const env = { REDIS_URL: redis.url, DATABASE_URL: await postgres.createDatabase("web"), UNCLIP_MAX_STEPS: "1000" };
      server = await startServer({ modelsDir: FIXTURES_DIR, env });
      worker = await startWorker("w1", { ...env, DATA_DIR: server.dataDir, MODELS_DIR: FIXTURES_DIR });
      client = createClient(server.url);
    });

    afterAll(async () => {
      for (const r of recorders) r.close();
      await server?.stop("SIGKILL");
      await worker?.kill("SIGKILL");
      await redis?.stop();
      await postgres?.stop();
      if (server) rmSync(server.dataDir, { recursive: true, force: true });
    });

    it("keeps the run going on the worker and shows its state after reconnecting", async () => {
      const templates = (await client.workflows.templates.query()) as Workflow[];
      const textToImage = templates.find((t) => t.name === "Text to image")!;
      const recorder = new EventRecorder(client);
      recorders.push(recorder);
      await recorder.waitFor(isSnapshot, "the first snapshot", 20_000);

      const long = tinyWorkflow(textToImage, { decoderSteps: 1000 });
      const decoderId = nodesOfType(long, "unclip.decoder")[0].id;
      const { runId } = await client.runs.enqueue.mutate({ workflow: long });
      await recorder.waitFor(
        (e) => e.type === "node.progress" && e.runId === runId && e.nodeId === decoderId,
        "the decoder to be sampling on the worker",
        90_000,
      );
      expect((await client.runs.get.query({ id: runId })).workerId).toBe("w1");

      const beforeRestart = recorder.mark();
      await server.restart("SIGKILL");

      // the subscription reconnects and its snapshot shows the run still running
      const snapshot = (await recorder.waitFor(isSnapshot, "a snapshot after reconnecting", 30_000, beforeRestart)) as Extract<
        StreamEvent,
        { type: "snapshot" }
      >;
      const active = snapshot.active as { runId: string; status: string }[];
      expect(active.find((s) => s.runId === runId)?.status).toBe("running");
      expect(recorder.errors).toEqual([]);

      // progress keeps arriving through the new server, then the end
      await recorder.waitFor((e) => e.type === "node.progress" && e.runId === runId, "progress after the restart", 60_000, beforeRestart);
      const end = await recorder.waitFor((e) => "runId" in e && e.runId === runId && e.type === "run.finished", "the run to finish", 120_000, beforeRestart);
      expect(end.type).toBe("run.finished");
      await until(async () => (await client.runs.get.query({ id: runId })).status === "finished", "the record to say finished");
      const run = await client.runs.get.query({ id: runId });
      expect(run).toMatchObject({ status: "finished", attempt: 1, workerId: "w1" });
      expect(run.artifacts.filter((a) => a.kind === "image")).toHaveLength(1);
      expect((await client.runs.workers.query()).map((w) => w.id)).toEqual(["w1"]);
    });
  });
});
