/** The editor's sweep logic: the dialog's value text, the sweep kept with the graph, the grid from the event stream. */
import { describe, expect, it } from "vitest";
import { applyRunEvent, emptyRuns } from "../../app/editor/lib/runState";
import { graphToWorkflow } from "../../app/editor/lib/convert";
import { axisText, parseAxisText } from "../../app/editor/sweep/sweepText";
import { parseWorkflow } from "../../nodes/core/workflow";
import { cellOverrides, runParameters } from "../../app/gallery/runParams";
import { templateByName } from "../../nodes/core/templates";

describe("the Sweep dialog's values", () => {
  it("reads lists and ranges by the parameter's kind, and writes them back", () => {
    expect(parseAxisText("1, 4, 8", "number")).toEqual({ values: [1, 4, 8] });
    expect(parseAxisText(" 0.5 .. 2 : 0.5 ", "number")).toEqual({ range: { from: 0.5, to: 2, step: 0.5 } });
    expect(parseAxisText("1..8", "number")).toEqual({ range: { from: 1, to: 8, step: 1 } });
    expect(parseAxisText("on, off", "boolean")).toEqual({ values: [true, false] });
    expect(parseAxisText("a red circle, a star", "text")).toEqual({ values: ["a red circle", "a star"] });
    expect(parseAxisText("a red circle, large\na star", "text")).toEqual({ values: ["a red circle, large", "a star"] });
    expect(axisText({ range: { from: 1, to: 8, step: 1 } }, "number")).toBe("1..8");
    expect(axisText({ values: [1, 4, 8] }, "number")).toBe("1, 4, 8");
    expect(axisText({ values: ["a, b", "c"] }, "text")).toBe("a, b\nc");
  });

  it("says what is wrong with a value", () => {
    expect(parseAxisText("1, four", "number")).toEqual({ error: '"four" is not a number' });
    expect(parseAxisText("8..1", "number")).toEqual({ error: "the range ends (1) below its start (8)" });
    expect(parseAxisText("1..1000", "number")).toEqual({ error: "the range gives 1000 values; at most 64" });
    expect(parseAxisText("maybe", "boolean")).toEqual({ error: '"maybe" is not on or off' });
    expect(parseAxisText("  ", "number")).toHaveProperty("error");
  });
});

describe("a sweep in the editor", () => {
  it("is saved with the workflow and parses back", () => {
    const sweep = { axes: [{ node: "a", param: "p", values: [1, 2] }] };
    const wf = graphToWorkflow({ nodes: [], edges: [] }, { name: "x", sweep });
    expect(parseWorkflow(JSON.stringify(wf)).sweep).toEqual(sweep);
    expect(graphToWorkflow({ nodes: [], edges: [] }, { name: "x" })).not.toHaveProperty("sweep");
  });

  it("folds progress and the grid into the run; the grid replaces the output node's images", () => {
    const grid = { id: "g", url: "/api/artifacts/g", width: 400, height: 300, kind: "image" };
    let s = emptyRuns();
    s = applyRunEvent(s, { type: "run.started", runId: "r" });
    s = applyRunEvent(s, { type: "sweep.progress", runId: "r", done: 0, total: 6 });
    s = applyRunEvent(s, { type: "node.finished", runId: "r", nodeId: "save", ms: 3, ui: { images: [{ ...grid, id: "cell6", width: 64, height: 64 }] } });
    s = applyRunEvent(s, { type: "sweep.progress", runId: "r", done: 6, total: 6, label: "x = 8" });
    expect(s.runs.r.sweep).toEqual({ done: 6, total: 6, label: "x = 8" });
    s = applyRunEvent(s, { type: "sweep.grid", runId: "r", nodeId: "save", grid });
    expect(s.runs.r.sweep?.grid).toEqual(grid);
    expect(s.runs.r.nodes.save).toEqual({ state: "done", ms: 3, ui: { images: [grid] } });
  });
});

describe("a sweep cell in the gallery", () => {
  it("shows the cell's own values, not the sweep's base", () => {
    const snapshot = JSON.stringify(templateByName("Compare decoder guidance scales"));
    const titles = new Map([["unclip.decoder", { title: "Decoder", params: [{ name: "guidanceScale", label: "Guidance scale" }] }]]);
    const meta = {
      index: 0,
      sweep: {
        cell: 4,
        label: "…",
        overrides: [
          { node: "decoder", param: "guidanceScale", value: 4 },
          { node: "seed", param: "seed", value: 2 },
        ],
      },
    };
    const params = runParameters(snapshot, titles, cellOverrides(meta));
    expect(params.find((n) => n.nodeId === "decoder")!.params).toContainEqual(["Guidance scale", "4"]);
    expect(params.find((n) => n.nodeId === "seed")!.params).toContainEqual(["seed", "2"]);
    expect(runParameters(snapshot, titles).find((n) => n.nodeId === "decoder")!.params).toContainEqual(["Guidance scale", "8"]);
    expect(cellOverrides({ index: 0 })).toEqual([]);
    expect(cellOverrides(null)).toEqual([]);
  });
});
