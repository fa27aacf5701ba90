import { describe, expect, it } from "vitest";
import { applyRunEvent, emptyRuns, markQueued, type StreamEvent } from "../../app/editor/lib/runState";

describe("run events → node states", () => {
  it("follows a run from queued to finished", () => {
    let s = markQueued(emptyRuns(), "r1", ["a", "b", "c"]);
    const events: StreamEvent[] = [
      { type: "run.queued", runId: "r1", position: 1 },
      { type: "run.started", runId: "r1" },
      { type: "node.cached", runId: "r1", nodeId: "a", ui: { text: "pkg" } },
      { type: "node.started", runId: "r1", nodeId: "b" },
      { type: "node.progress", runId: "r1", nodeId: "b", step: 1, steps: 4, preview: "data:image/png;base64,AAA" },
      { type: "node.progress", runId: "r1", nodeId: "b", step: 2, steps: 4 },
    ];
    for (const e of events) s = applyRunEvent(s, e);
    expect(s.runs.r1.status).toBe("running");
    expect(s.runs.r1.nodes.a).toEqual({ state: "cached", ui: { text: "pkg" } });
    expect(s.runs.r1.nodes.b).toEqual({ state: "running", step: 2, steps: 4, preview: "data:image/png;base64,AAA" });
    expect(s.runs.r1.nodes.c).toEqual({ state: "queued" });
    s = applyRunEvent(s, {
      type: "node.finished",
      runId: "r1",
      nodeId: "b",
      ms: 12,
      ui: { images: [{ id: "x", url: "/api/artifacts/x", width: 8, height: 8, kind: "image" }] },
    });
    s = applyRunEvent(s, { type: "run.finished", runId: "r1", ms: 20, ran: ["b"], cached: ["a"] });
    expect(s.runs.r1.status).toBe("finished");
    expect(s.runs.r1.nodes.b).toMatchObject({ state: "done", ms: 12, ui: { images: [{ url: "/api/artifacts/x" }] } });
    expect(s.runs.r1.nodes.c).toBeUndefined();
  });

  it("puts a failure on the node and port it names", () => {
    let s = applyRunEvent(emptyRuns(), { type: "node.error", runId: "r2", nodeId: "d", code: "bad_image", message: "boom", port: "image" });
    s = applyRunEvent(s, { type: "run.failed", runId: "r2", error: { code: "x", message: "d: boom", nodeId: "d" } });
    expect(s.runs.r2.nodes.d).toEqual({ state: "error", message: "boom", port: "image" });
    s = applyRunEvent(s, { type: "run.failed", runId: "r3", error: { code: "missing_input", message: "m", nodeId: "e", port: "tokens" } });
    expect(s.runs.r3.nodes.e).toEqual({ state: "error", message: "m", port: "tokens" });
  });

  it("takes the snapshot of active runs", () => {
    const s = applyRunEvent(emptyRuns(), {
      type: "snapshot",
      current: "r9",
      active: [{ runId: "r9", status: "running", nodes: { n: { state: "running", step: 1, steps: 2 } } }],
    });
    expect(s.runs.r9.status).toBe("running");
    expect(s.runs.r9.nodes.n).toMatchObject({ state: "running", step: 1 });
  });
});
