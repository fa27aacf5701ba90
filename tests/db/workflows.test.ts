import { describe, expect, it } from "vitest";
import { getDb } from "../../server/db/client";
import { enqueueRun, getRun } from "../../server/db/runs";
import { createWorkflow, deleteWorkflow, duplicateWorkflow, getWorkflow, listWorkflows, renameWorkflow, updateWorkflow } from "../../server/db/workflows";
import { InputError } from "../../server/errors";
import { useTempDataDir } from "./helpers";

useTempDataDir();

const graph = (n: number) => JSON.stringify({ format: "unclip-studio/workflow", version: 1, nodes: [{ id: `n${n}` }], links: [] });

describe("workflows", () => {
  it("creates, reads and lists newest first", async () => {
    const a = await createWorkflow("First", graph(1));
    const b = await createWorkflow("  Second  ", graph(2));
    expect(a.schemaVersion).toBe(1);
    expect(b.name).toBe("Second");
    const got = await getWorkflow(a.id);
    expect(got.graph).toBe(graph(1));
    expect(got.createdAt).toBeInstanceOf(Date);

    await updateWorkflow(a.id, graph(3));
    const list = await listWorkflows();
    expect(list.map((w) => w.id).slice(0, 2)).toEqual([a.id, b.id]);
    expect(Object.keys(list[0]).sort()).toEqual(["classTemplate", "id", "name", "ownerId", "shared", "updatedAt"]);
  });

  it("allows duplicate names", async () => {
    const a = await createWorkflow("Same", graph(1));
    const b = await createWorkflow("Same", graph(1));
    expect(a.id).not.toBe(b.id);
  });

  it("takes schemaVersion from the graph or from the caller", async () => {
    expect((await createWorkflow("v", JSON.stringify({ version: 3, nodes: [] }))).schemaVersion).toBe(3);
    expect((await createWorkflow("v", JSON.stringify({ nodes: [] }), 2)).schemaVersion).toBe(2);
    await expect(createWorkflow("v", JSON.stringify({ nodes: [] }))).rejects.toThrow(/schemaVersion is required/);
  });

  it("validates inputs with clear messages", async () => {
    await expect(createWorkflow("", graph(1))).rejects.toThrow(/name must not be empty/);
    await expect(createWorkflow("x".repeat(201), graph(1))).rejects.toThrow(/name must be at most 200/);
    await expect(createWorkflow("bad\u0007", graph(1))).rejects.toThrow(/control characters/);
    await expect(createWorkflow("ok", "{not json")).rejects.toThrow(/graph is not valid JSON/);
    await expect(createWorkflow("ok", 42 as unknown as string)).rejects.toBeInstanceOf(InputError);
    await expect(getWorkflow("../etc")).rejects.toThrow(/id is not a valid id/);
    await expect(getWorkflow("abc")).rejects.toMatchObject({ code: "workflow_not_found", message: "workflow abc not found" });
    await expect(updateWorkflow("abc", graph(1))).rejects.toThrow("workflow abc not found");
    await expect(renameWorkflow("abc", "x")).rejects.toThrow("workflow abc not found");
    await expect(deleteWorkflow("abc")).rejects.toThrow("workflow abc not found");
    await expect(duplicateWorkflow("abc")).rejects.toThrow("workflow abc not found");
  });

  it("renames", async () => {
    const a = await createWorkflow("Old", graph(1));
    const r = await renameWorkflow(a.id, "New name");
    expect(r.name).toBe("New name");
    expect(r.graph).toBe(graph(1));
    expect(r.updatedAt.getTime()).toBeGreaterThan(a.updatedAt.getTime());
    await expect(renameWorkflow(a.id, " ")).rejects.toThrow(/name must not be empty/);
    expect((await getWorkflow(a.id)).name).toBe("New name");
  });

  it("duplicates with a new id and the same graph", async () => {
    const a = await createWorkflow("Orig", graph(7));
    const d = await duplicateWorkflow(a.id);
    expect(d.id).not.toBe(a.id);
    expect(d.name).toBe("Orig (copy)");
    expect(d.graph).toBe(a.graph);
    expect(d.schemaVersion).toBe(a.schemaVersion);
    expect((await duplicateWorkflow(a.id, "Named")).name).toBe("Named");
    // The copy is independent.
    await updateWorkflow(d.id, graph(8));
    expect((await getWorkflow(a.id)).graph).toBe(graph(7));
  });

  it("keeps the old graph when an update is invalid", async () => {
    const a = await createWorkflow("Atomic", graph(1));
    await expect(updateWorkflow(a.id, '{"nodes": [')).rejects.toThrow(/graph is not valid JSON/);
    await expect(updateWorkflow(a.id, graph(2), { schemaVersion: 0 })).rejects.toThrow(/schemaVersion/);
    await expect(updateWorkflow(a.id, "x".repeat(10_000_001))).rejects.toThrow(/at most/);
    const got = await getWorkflow(a.id);
    expect(got.graph).toBe(graph(1));
    expect(got.updatedAt).toEqual(a.updatedAt);
  });

  it("checks expectedUpdatedAt (optimistic concurrency)", async () => {
    const a = await createWorkflow("Shared", graph(1));
    const first = await updateWorkflow(a.id, graph(2), { expectedUpdatedAt: a.updatedAt });
    expect(first.graph).toBe(graph(2));
    // A second editor still holding the original timestamp must not overwrite.
    await expect(updateWorkflow(a.id, graph(3), { expectedUpdatedAt: a.updatedAt })).rejects.toMatchObject({
      code: "workflow_conflict",
    });
    expect((await getWorkflow(a.id)).graph).toBe(graph(2));
    // ISO strings work too, and updatedAt always moves forward even within one millisecond.
    const second = await updateWorkflow(a.id, graph(4), { expectedUpdatedAt: first.updatedAt.toISOString() });
    const third = await updateWorkflow(a.id, graph(5), { expectedUpdatedAt: second.updatedAt });
    expect(third.updatedAt.getTime()).toBeGreaterThan(second.updatedAt.getTime());
    await expect(updateWorkflow(a.id, graph(6), { expectedUpdatedAt: "yesterday" })).rejects.toThrow(/expectedUpdatedAt/);
  });

  it("concurrent saves without a check all succeed, last one wins", async () => {
    const a = await createWorkflow("Busy", graph(0));
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => updateWorkflow(a.id, graph(n))));
    const times = results.map((r) => r.updatedAt.getTime());
    expect(new Set(times).size).toBe(5);
    const last = results.reduce((x, y) => (y.updatedAt > x.updatedAt ? y : x));
    expect((await getWorkflow(a.id)).graph).toBe(last.graph);
  });

  it("deletes a workflow but keeps its runs", async () => {
    const a = await createWorkflow("Doomed", graph(1));
    const run = await enqueueRun({ workflowId: a.id, snapshot: graph(1) });
    await deleteWorkflow(a.id);
    await expect(getWorkflow(a.id)).rejects.toThrow(`workflow ${a.id} not found`);
    const kept = await getRun(run.id);
    expect(kept.workflowId).toBeNull();
    expect(kept.workflowSnapshot).toBe(graph(1));
    expect(await (await getDb()).workflow.count({ where: { id: a.id } })).toBe(0);
  });
});
