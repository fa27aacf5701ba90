/**
 * Results that stay, in the editor's run store: each node keeps its last results (newest first)
 * to step through, results read back after a reload fill the nodes without hiding newer ones, and
 * the runs of a batch all land on the nodes. Also the queue's batch groups and run labels.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { useRuns } from "../../app/editor/state/runStore";
import { pushResult, RESULT_HISTORY } from "../../app/editor/lib/resultHistory";
import { groupRuns, runLabel } from "../../app/editor/lib/runGroups";

const img = (id: string) => ({ images: [{ id, url: `/api/artifacts/${id}`, width: 64, height: 64, kind: "image" }] });
const finish = (runId: string, nodeId: string, id: string) => {
  useRuns.getState().apply({ type: "run.started", runId } as never);
  useRuns.getState().apply({ type: "node.finished", runId, nodeId, ms: 1, ui: img(id) } as never);
  useRuns.getState().apply({ type: "run.finished", runId } as never);
};

beforeEach(() => {
  useRuns.getState().clearOutputs();
  useRuns.setState({ tracked: {}, runs: {} });
});

describe("node result history", () => {
  it("keeps each node's results newest first, and ‹ › step through them", () => {
    for (const [run, id] of [
      ["r1", "a1"],
      ["r2", "a2"],
      ["r3", "a3"],
    ]) {
      useRuns.getState().queued(run, ["save"]);
      finish(run, "save", id);
    }
    const s = () => useRuns.getState();
    expect(s().history.save.map((u) => u.images![0].id)).toEqual(["a3", "a2", "a1"]);
    expect(s().outputs.save.images![0].id).toBe("a3");
    s().stepHistory("save", 1);
    expect(s().historyAt.save).toBe(1);
    s().stepHistory("save", 5); // no further than the oldest
    expect(s().historyAt.save).toBe(2);
    s().stepHistory("save", -1);
    expect(s().historyAt.save).toBe(1);
    // a new result shows at once, whatever was stepped to
    useRuns.getState().queued("r4", ["save"]);
    finish("r4", "save", "a4");
    expect(s().historyAt.save).toBe(0);
    expect(s().history.save[0].images![0].id).toBe("a4");
  });

  it("keeps at most RESULT_HISTORY results and never the same one twice", () => {
    let list = pushResult(undefined, img("x"));
    list = pushResult(list, img("x"));
    expect(list).toHaveLength(1);
    for (let i = 0; i < RESULT_HISTORY + 5; i++) list = pushResult(list, img(`i${i}`));
    expect(list).toHaveLength(RESULT_HISTORY);
    expect(list[0].images![0].id).toBe(`i${RESULT_HISTORY + 4}`);
  });

  it("results read back after a reload fill the nodes, but do not replace this session's", () => {
    useRuns.getState().restoreHistory({ save: [img("s2"), img("s1")], preview: [img("p1")], empty: [] });
    const s = useRuns.getState();
    expect(s.outputs.save.images![0].id).toBe("s2");
    expect(s.history.save).toHaveLength(2);
    expect(s.outputs.preview.images![0].id).toBe("p1");
    expect(s.outputs.empty).toBeUndefined();
    useRuns.getState().queued("r9", ["save"]);
    finish("r9", "save", "new");
    useRuns.getState().restoreHistory({ save: [img("old")] });
    expect(useRuns.getState().outputs.save.images![0].id).toBe("new");
    expect(useRuns.getState().history.save.map((u) => u.images![0].id)).toEqual(["new", "s2", "s1"]);
  });

  it("every run of a batch this tab queued lands on the nodes; the canvas follows each as it starts", () => {
    for (const r of ["b3", "b2", "b1"]) useRuns.getState().queued(r, ["save"]);
    expect(useRuns.getState().focusRunId).toBe("b1");
    finish("b1", "save", "i1");
    finish("b2", "save", "i2");
    expect(useRuns.getState().focusRunId).toBe("b2");
    finish("b3", "save", "i3");
    expect(useRuns.getState().history.save.map((u) => u.images![0].id)).toEqual(["i3", "i2", "i1"]);
    // someone else's run (not queued here) does not
    finish("other", "save", "theirs");
    expect(useRuns.getState().outputs.save.images![0].id).toBe("i3");
  });
});

describe("queue groups and labels", () => {
  it("gathers neighbouring runs of one batch", () => {
    const runs = [
      { id: "1", batchId: "A" },
      { id: "2", batchId: "A" },
      { id: "3", batchId: null },
      { id: "4", batchId: "B" },
      { id: "5", batchId: null },
      { id: "6", batchId: "A" },
    ];
    expect(groupRuns(runs).map((g) => [g.batchId, g.runs.map((r) => r.id)])).toEqual([
      ["A", ["1", "2"]],
      [null, ["3"]],
      ["B", ["4"]],
      [null, ["5"]],
      ["A", ["6"]],
    ]);
  });

  it("labels a run by workflow name and the start of its prompt", () => {
    expect(runLabel({ workflowName: "Cats", prompt: "a cat" })).toBe("Cats · “a cat”");
    expect(runLabel({ workflowName: null, prompt: "a\n very   long prompt about a great many things indeed" })).toBe(
      "“a very long prompt about a great many t…”",
    );
    expect(runLabel({ workflowName: null, prompt: null })).toBeNull();
  });
});
