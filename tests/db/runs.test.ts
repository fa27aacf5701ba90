import { deflateSync, crc32 } from "node:zlib";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { saveArtifact } from "../../server/db/artifacts";
import { closeDb, getDb } from "../../server/db/client";
import {
  cancelQueuedRun,
  clearQueuedRuns,
  enqueueRun,
  getRun,
  listPendingRuns,
  listRuns,
  markCancelled,
  markFailed,
  markFinished,
  markInterruptedOnStartup,
  markRunning,
  moveRunToFront,
  nextQueuedRun,
  toRunError,
} from "../../server/db/runs";
import { createWorkflow, getWorkflow } from "../../server/db/workflows";
import { InputError } from "../../server/errors";
import { parseLastLine, runChild, runChildAndKill, runChildAsync, switchDataDir, useTempDataDir } from "./helpers";

const dataDir = useTempDataDir();
const snap = JSON.stringify({ version: 1, nodes: [], links: [] });

/** A valid w×h grey PNG. */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((w + 1) * h, 0x80);
  for (let y = 0; y < h; y++) raw[y * (w + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Start each queue test from an empty queue. */
async function drainQueue() {
  await clearQueuedRuns();
}

describe("run queue", () => {
  it("keeps FIFO order and takes the lowest position next", async () => {
    await drainQueue();
    const a = await enqueueRun({ snapshot: snap, options: { previewEvery: 5, trace: true } });
    const b = await enqueueRun({ snapshot: snap });
    const c = await enqueueRun({ snapshot: snap });
    expect(a.status).toBe("queued");
    expect(a.options).toEqual({ previewEvery: 5, trace: true });
    expect(b.queuePosition).toBeGreaterThan(a.queuePosition);
    expect(c.queuePosition).toBeGreaterThan(b.queuePosition);
    expect((await listPendingRuns()).map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect((await nextQueuedRun())?.id).toBe(a.id);
  });

  it("moves a run to the front", async () => {
    await drainQueue();
    const a = await enqueueRun({ snapshot: snap });
    const b = await enqueueRun({ snapshot: snap });
    const c = await enqueueRun({ snapshot: snap });
    const moved = await moveRunToFront(c.id);
    expect(moved.queuePosition).toBeLessThan(a.queuePosition);
    expect((await listPendingRuns()).map((r) => r.id)).toEqual([c.id, a.id, b.id]);
    await moveRunToFront(b.id);
    expect((await listPendingRuns()).map((r) => r.id)).toEqual([b.id, c.id, a.id]);
    // New runs still go to the back.
    const d = await enqueueRun({ snapshot: snap });
    expect((await listPendingRuns()).map((r) => r.id)).toEqual([b.id, c.id, a.id, d.id]);
  });

  it("cancels one queued run and clears the rest", async () => {
    await drainQueue();
    const a = await enqueueRun({ snapshot: snap });
    const b = await enqueueRun({ snapshot: snap });
    const c = await enqueueRun({ snapshot: snap });
    const cancelled = await cancelQueuedRun(b.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    expect(cancelled.error?.code).toBe("cancelled");
    expect((await listPendingRuns()).map((r) => r.id)).toEqual([a.id, c.id]);
    await expect(cancelQueuedRun(b.id)).rejects.toMatchObject({ code: "run_state" });
    expect(await clearQueuedRuns()).toBe(2);
    expect(await listPendingRuns()).toEqual([]);
    expect((await getRun(a.id)).status).toBe("cancelled");
    expect(await nextQueuedRun()).toBeNull();
  });

  it("moves through running to finished, failed or cancelled and refuses wrong transitions", async () => {
    await drainQueue();
    const a = await enqueueRun({ snapshot: snap });
    const running = await markRunning(a.id);
    expect(running.status).toBe("running");
    expect(running.startedAt).toBeInstanceOf(Date);
    await expect(markRunning(a.id)).rejects.toThrow(`run ${a.id} is running, so it cannot be marked running`);
    await expect(moveRunToFront(a.id)).rejects.toMatchObject({ code: "run_state" });
    await expect(cancelQueuedRun(a.id)).rejects.toMatchObject({ code: "run_state" });
    const done = await markFinished(a.id, { ranNodes: ["n1", "n2"], cachedNodes: ["n0"], timings: { totalMs: 12 } });
    expect(done).toMatchObject({ status: "finished", ranNodes: ["n1", "n2"], cachedNodes: ["n0"], timings: { totalMs: 12 } });
    expect(done.finishedAt).toBeInstanceOf(Date);
    await expect(markFailed(a.id, { code: "x", message: "y" })).rejects.toMatchObject({ code: "run_state" });

    const b = await enqueueRun({ snapshot: snap });
    await markRunning(b.id);
    const failed = await markFailed(b.id, toRunError(new InputError("bad_param", "steps must be at least 2", { node: "n3" })));
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "bad_param", message: "steps must be at least 2", where: { node: "n3" } });

    const c = await enqueueRun({ snapshot: snap });
    await markRunning(c.id);
    const stopped = await markCancelled(c.id, { ranNodes: ["n1"] });
    expect(stopped).toMatchObject({ status: "cancelled", ranNodes: ["n1"], error: { code: "cancelled" } });

    await expect(markRunning("nope")).rejects.toThrow("run nope not found");
    await expect(markFinished(c.id, { ranNodes: "n1" as unknown as string[] })).rejects.toBeInstanceOf(InputError);
  });

  it("validates enqueue input", async () => {
    await expect(enqueueRun({ snapshot: "{" })).rejects.toThrow(/snapshot is not valid JSON/);
    await expect(enqueueRun({ snapshot: snap, workflowId: "missing" })).rejects.toThrow("workflow missing not found");
    await expect(enqueueRun({ snapshot: snap, options: { previewEvery: -1 } })).rejects.toThrow(/previewEvery/);
  });

  it("lists recent runs with artifact counts and gets one with its artifacts", async () => {
    const w = await createWorkflow("Listed", snap);
    const r = await enqueueRun({ workflowId: w.id, snapshot: snap });
    await markRunning(r.id);
    await saveArtifact({ runId: r.id, nodeId: "save", kind: "image", data: png(2, 2) });
    await saveArtifact({ runId: r.id, nodeId: "save", kind: "image", data: png(2, 2) });
    await saveArtifact({ runId: r.id, nodeId: "decoder", kind: "preview", data: png(1, 1) });
    await markFinished(r.id, { ranNodes: ["save"] });
    const later = await enqueueRun({ snapshot: snap });

    const list = await listRuns({ limit: 2 });
    expect(list.map((x) => x.id)).toEqual([later.id, r.id]);
    expect(list[1]).toMatchObject({ workflowName: "Listed", artifactCounts: { image: 2, preview: 1, trace: 0 } });
    expect(list[1]).not.toHaveProperty("workflowSnapshot");
    const more = await listRuns({ limit: 1, cursor: later.id });
    expect(more.map((x) => x.id)).toEqual([r.id]);
    expect((await listRuns({ status: "finished" })).every((x) => x.status === "finished")).toBe(true);
    await expect(listRuns({ status: "weird" as never })).rejects.toBeInstanceOf(InputError);

    const full = await getRun(r.id);
    expect(full.workflowSnapshot).toBe(snap);
    expect(full.artifacts.map((a) => a.kind)).toEqual(["image", "image", "preview"]);
    await expect(getRun("nope")).rejects.toThrow("run nope not found");
  });

  it("deleting a run removes its artifact records (cascade)", async () => {
    const r = await enqueueRun({ snapshot: snap });
    await saveArtifact({ runId: r.id, nodeId: "save", kind: "image", data: png(1, 1) });
    const db = await getDb();
    await db.run.delete({ where: { id: r.id } });
    expect(await db.artifact.count({ where: { runId: r.id } })).toBe(0);
  });
});

describe("restart", () => {
  it("marks runs left running by a killed process as interrupted", async () => {
    const dir = path.join(dataDir(), "..", "crash");
    await switchDataDir(dir);
    try {
      await getDb();
      const queued = await enqueueRun({ snapshot: snap });
      await closeDb();

      const exited = runChild(dir, "running", "exit");
      expect(exited.code, exited.stderr).toBe(0);
      const killed = await runChildAndKill(dir, "running", "hang");
      expect(killed.result.signal).toBe("SIGKILL");
      const ids = [parseLastLine(exited.stdout).id, killed.line.id] as string[];

      // A fresh client, as after a restart.
      await switchDataDir(dir);
      for (const id of ids) expect((await getRun(id)).status).toBe("running");
      expect(await markInterruptedOnStartup()).toBe(2);
      for (const id of ids) {
        const r = await getRun(id);
        expect(r.status).toBe("interrupted");
        expect(r.finishedAt).toBeInstanceOf(Date);
        expect(r.error).toMatchObject({ code: "interrupted", message: expect.stringContaining("server stopped") as unknown });
      }
      // Queued runs are untouched and still first in line.
      expect((await nextQueuedRun())?.id).toBe(queued.id);
      expect(await markInterruptedOnStartup()).toBe(0);
    } finally {
      await switchDataDir(dataDir());
    }
  });

  it("several processes enqueue at once without losing or reordering runs", async () => {
    const dir = path.join(dataDir(), "..", "writers");
    await switchDataDir(dir);
    try {
      await getDb();
      const children = Promise.all([runChildAsync(dir, "enqueue", "25"), runChildAsync(dir, "enqueue", "25")]);
      try {
        // This process writes at the same time.
        for (let i = 0; i < 25; i++) await enqueueRun({ snapshot: snap });
      } finally {
        // Never leave the children writing into a directory that is about to be removed.
        for (const r of await children) expect(r.code, r.stderr).toBe(0);
      }
      const pending = await listPendingRuns();
      expect(pending).toHaveLength(75);
      expect(new Set(pending.map((r) => r.queuePosition)).size).toBe(75);
    } finally {
      await switchDataDir(dataDir());
    }
  });

  it("keeps data across a real process restart", async () => {
    const dir = path.join(dataDir(), "..", "restart");
    const written = runChild(dir, "write", "Persisted");
    expect(written.code, written.stderr).toBe(0);
    const id = parseLastLine(written.stdout).id as string;
    const read = runChild(dir, "read", id);
    expect(read.code, read.stderr).toBe(0);
    expect(parseLastLine(read.stdout)).toMatchObject({ id, name: "Persisted" });

    await switchDataDir(dir);
    try {
      expect((await getWorkflow(id)).name).toBe("Persisted");
    } finally {
      await switchDataDir(dataDir());
    }
  });
});
