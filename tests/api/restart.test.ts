/**
 * A crash in the middle of a run: the server is killed with SIGKILL while the decoder is
 * sampling, then started again on the same data directory and port. Its own server, so the
 * crash cannot disturb the other API tests.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { StreamEvent } from "../../server/api/routers/runs";
import type { Workflow } from "../../nodes/core/workflow";
import { FIXTURES_DIR } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { type Client, createClient, describeApi, EventRecorder, nodesOfType, tinyWorkflow, until } from "./helpers";

const isSnapshot = (e: StreamEvent) => e.type === "snapshot";

describeApi("API across a server crash", () => {
  let server: TestServer;
  let client: Client;
  const recorders: EventRecorder[] = [];

  beforeAll(async () => {
    server = await startServer({ modelsDir: FIXTURES_DIR });
    client = createClient(server.url);
  });

  afterAll(async () => {
    for (const r of recorders) r.close();
    await server?.stop("SIGKILL");
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  });

  function record(): EventRecorder {
    const r = new EventRecorder(client);
    recorders.push(r);
    return r;
  }

  it("marks the running run interrupted, keeps workflows and artifacts, resumes the queue, and subscriptions recover", async () => {
    const templates = (await client.workflows.templates.query()) as Workflow[];
    const textToImage = templates.find((t) => t.name === "Text to image")!;
    const tiny = tinyWorkflow(textToImage);
    const saved = await client.workflows.create.mutate({ name: "Survives a crash", graph: tiny });

    const early = record();
    await early.waitFor(isSnapshot, "the first snapshot", 20_000);

    // a finished run with a saved image
    const { runId: doneId } = await client.runs.enqueue.mutate({ workflow: tiny, workflowId: saved.id });
    expect((await early.waitForEnd(doneId, 90_000)).type).toBe("run.finished");
    const image = (await client.runs.get.query({ id: doneId })).artifacts.find((a) => a.kind === "image")!;
    const imageBytes = Buffer.from(await (await fetch(`${server.url}/api/artifacts/${image.id}`)).arrayBuffer());
    expect(imageBytes.length).toBeGreaterThan(0);

    // a long run, killed while the decoder samples, and one queued behind it
    const long = tinyWorkflow(textToImage, { decoderSteps: 200 });
    const decoderId = nodesOfType(long, "unclip.decoder")[0].id;
    const { runId: longId } = await client.runs.enqueue.mutate({ workflow: long });
    await early.waitFor((e) => e.type === "node.progress" && e.runId === longId && e.nodeId === decoderId, "the decoder to be sampling", 90_000);
    const { runId: queuedId } = await client.runs.enqueue.mutate({ workflow: tinyWorkflow(textToImage, { seed: 3 }) });
    expect((await client.runs.get.query({ id: longId })).status).toBe("running");
    expect((await client.runs.get.query({ id: queuedId })).status).toBe("queued");

    const beforeCrash = early.mark();
    const statesBeforeCrash = early.states.length;
    await server.restart("SIGKILL");

    // the subscription opened before the crash reconnects by itself (EventSource retries every
    // 3 s) and starts over with a fresh snapshot from the new process
    const reconnected = await early.waitFor(isSnapshot, "a snapshot after reconnecting", 30_000, beforeCrash);
    const afterReconnect = early.events.indexOf(reconnected) + 1;
    expect(early.states.slice(statesBeforeCrash)).toContain("connecting");
    expect(early.states.at(-1)).toBe("pending");
    expect(early.errors).toEqual([]);

    const interrupted = await client.runs.get.query({ id: longId });
    expect(interrupted.status).toBe("interrupted");
    expect(interrupted.error).toMatchObject({ code: "interrupted" });
    expect(interrupted.error!.message).toMatch(/server stopped while this run was running/);
    expect(interrupted.finishedAt).toBeInstanceOf(Date);
    expect(interrupted.artifacts.filter((a) => a.kind === "image")).toEqual([]);

    // the run that was waiting is picked up by the new process without being asked
    await until(async () => (await client.runs.get.query({ id: queuedId })).status === "finished", "the queued run to finish after the restart", 90_000);
    expect((await client.runs.pending.query()).pending).toEqual([]);

    // saved workflows and artifacts are still there
    const kept = await client.workflows.get.query({ id: saved.id });
    expect(kept.name).toBe("Survives a crash");
    expect(kept.graph).toEqual(tiny);
    const res = await fetch(`${server.url}/api/artifacts/${image.id}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(imageBytes)).toBe(true);
    expect((await client.runs.gallery.query()).map((a) => a.id)).toContain(image.id);
    expect((await client.runs.get.query({ id: doneId })).status).toBe("finished");

    // both the old (reconnected) subscription and a new one see a new run from start to end
    const fresh = record();
    await fresh.waitFor(isSnapshot, "a new subscription's snapshot", 20_000);
    const { runId: afterId } = await client.runs.enqueue.mutate({ workflow: tiny });
    for (const r of [early, fresh]) {
      const end = await r.waitForEnd(afterId, 90_000);
      expect(end.type, JSON.stringify(end)).toBe("run.finished");
      expect(
        r
          .of(afterId)
          .map((e) => e.type)
          .slice(0, 2),
      ).toEqual(["run.queued", "run.started"]);
    }
    // nothing of the interrupted run arrives from the new process. (Counted from its first snapshot, not
    // from the moment before the kill: the old process's last progress events may still be in flight then.)
    expect(early.events.slice(afterReconnect).some((e) => "runId" in e && e.runId === longId)).toBe(false);
  });
});
