/** Paste keeping incoming wires and finding free space, the canvas fit, and the warnings. */
import { describe, expect, it } from "vitest";
import { clearDrop, copyNodes, parseClipboard, pasteInto } from "../../app/editor/lib/clipboard";
import { contains, fitViewport, unionBox } from "../../app/editor/lib/fit";
import { graphWarnings } from "../../app/editor/lib/warnings";
import type { GraphDoc } from "../../app/editor/lib/types";
import { CATALOG, textToImageGraph } from "./helpers";

const setParam = (g: GraphDoc, id: string, name: string, value: unknown): GraphDoc => ({
  ...g,
  nodes: g.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, params: { ...n.data.params, [name]: value } } } : n)),
});

describe("paste with incoming wires", () => {
  it("keeps the Decoder's four incoming wires, from the nodes left behind", () => {
    const g = textToImageGraph();
    const into = g.edges.filter((e) => e.target === "decoder").map((e) => `${e.source}.${e.sourceHandle}->${e.targetHandle}`);
    expect(into).toHaveLength(4);
    const clip = parseClipboard(JSON.stringify(copyNodes(g, new Set(["decoder"]))))!;
    const out = pasteInto(g, clip, { at: { x: 0, y: 0 } });
    const copy = out.nodes[out.nodes.length - 1];
    expect(copy.id).not.toBe("decoder");
    const wired = out.edges.filter((e) => e.target === copy.id).map((e) => `${e.source}.${e.sourceHandle}->${e.targetHandle}`);
    expect(wired.sort()).toEqual(into.sort());
    expect(new Set(out.edges.map((e) => e.id)).size).toBe(out.edges.length);
  });

  it("leaves them out when asked (Ctrl+Shift+V), and drops wires from nodes no longer there", () => {
    const g = textToImageGraph();
    const clip = copyNodes(g, new Set(["decoder"]));
    const bare = pasteInto(g, clip, { withIncoming: false });
    expect(bare.edges).toHaveLength(g.edges.length);
    const without = { ...g, nodes: g.nodes.filter((n) => n.id !== "textProj"), edges: g.edges.filter((e) => e.source !== "textProj") };
    const out = pasteInto(without, clip);
    expect(out.edges.length - without.edges.length).toBe(3);
  });

  it("places the paste where it overlaps no node", () => {
    const g = textToImageGraph();
    const decoder = g.nodes.find((n) => n.id === "decoder")!;
    const out = pasteInto(g, copyNodes(g, new Set(["decoder"])), { at: decoder.position });
    const copy = out.nodes[out.nodes.length - 1];
    const box = (n: typeof copy) => ({ x: n.position.x, y: n.position.y, width: 280, height: 160 });
    for (const other of g.nodes) {
      const a = box(copy);
      const b = box(other);
      const apart = a.x >= b.x + b.width || b.x >= a.x + a.width || a.y >= b.y + b.height || b.y >= a.y + a.height;
      expect(apart, `overlaps ${other.id}`).toBe(true);
    }
    expect(copy.position.x).toBe(decoder.position.x);
  });

  it("moves a group down past what is in the way, not at all when nothing is", () => {
    expect(clearDrop([{ x: 0, y: 0, width: 100, height: 100 }], [{ x: 500, y: 0, width: 100, height: 100 }])).toBe(0);
    const dy = clearDrop([{ x: 0, y: 0, width: 100, height: 100 }], [{ x: 50, y: 50, width: 100, height: 100 }]);
    expect(dy).toBeGreaterThanOrEqual(150);
  });
});

describe("fit", () => {
  it("fits the bounds into the canvas less the insets, centred", () => {
    const v = fitViewport({ x: 100, y: 100, width: 2000, height: 500 }, 1000, 700, { top: 0, right: 0, bottom: 100, left: 0 });
    expect(v.zoom).toBeCloseTo(0.5);
    // the bounds' left edge at the left, vertically centred in the free 600 px
    expect(v.x + 100 * v.zoom).toBeCloseTo(0);
    expect(v.y + 100 * v.zoom).toBeCloseTo((600 - 250) / 2);
    expect(fitViewport({ x: 0, y: 0, width: 10, height: 10 }, 1000, 700, { top: 0, right: 0, bottom: 0, left: 0 }).zoom).toBe(1);
  });

  it("unites boxes and tells containment", () => {
    expect(
      unionBox([
        { x: 0, y: 0, width: 10, height: 10 },
        { x: 20, y: -5, width: 5, height: 5 },
      ]),
    ).toEqual({ x: 0, y: -5, width: 25, height: 15 });
    expect(unionBox([])).toBeNull();
    expect(contains({ x: 0, y: 0, width: 10, height: 10 }, { x: 1, y: 1, width: 9, height: 9 })).toBe(true);
    expect(contains({ x: 0, y: 0, width: 10, height: 10 }, { x: 1, y: 1, width: 10, height: 9 })).toBe(false);
  });
});

describe("warnings", () => {
  it("has none for the template as it comes", () => {
    expect(graphWarnings(textToImageGraph(), CATALOG)).toEqual([]);
  });

  it("warns on Text Proj and the Decoder when guidance is off but the decoder's scale is above 1", () => {
    const w = graphWarnings(setParam(textToImageGraph(), "textProj", "classifierFreeGuidance", false), CATALOG);
    expect(w.map((x) => `${x.nodeId}:${x.param}:${x.code}`).sort()).toEqual([
      "decoder:guidanceScale:guidance_mismatch",
      // with the decoder unguided nothing in the graph is, so the prior's pass at scale 1 is wasted too
      "prior:classifierFreeGuidance:guidance_mismatch",
      "textProj:classifierFreeGuidance:guidance_mismatch",
    ]);
  });

  it("warns the other way round: guidance on while every scale of the graph is 1", () => {
    // the template's prior is at the default toy model's 1 already; with the decoder at 1 nothing is guided
    const w = graphWarnings(setParam(textToImageGraph(), "decoder", "guidanceScale", 1), CATALOG);
    expect(w.map((x) => `${x.nodeId}:${x.code}`).sort()).toEqual(["prior:guidance_mismatch", "textProj:guidance_mismatch"]);
  });

  it("does not warn on a prior at scale 1 with guidance on while the decoder guides (diffusers' one flag)", () => {
    const w = graphWarnings(setParam(textToImageGraph(), "prior", "guidanceScale", 1), CATALOG);
    expect(w).toEqual([]);
  });

  it("warns on a value outside the widget's range but inside the schema's", () => {
    const w = graphWarnings(setParam(textToImageGraph(), "decoder", "guidanceScale", 50), CATALOG);
    expect(w).toEqual([expect.objectContaining({ nodeId: "decoder", param: "guidanceScale", code: "outside_recommended" })]);
    expect(w[0].message).toMatch(/0–20/);
    // beyond the hard limit it is an error of the validation, not a warning
    expect(graphWarnings(setParam(textToImageGraph(), "decoder", "guidanceScale", 500), CATALOG)).toEqual([]);
  });
});

describe("node looks and modes in the saved workflow", () => {
  it("keeps mode, collapsed, pinned and colour through graph ↔ workflow, and pinned nodes stay put on auto-layout", async () => {
    const { graphToWorkflow, workflowToGraph } = await import("../../app/editor/lib/convert");
    const { layoutGraph } = await import("../../app/editor/lib/autoLayout");
    const g = textToImageGraph();
    const look = {
      ...g,
      nodes: g.nodes.map((n) =>
        n.id === "superRes"
          ? { ...n, data: { ...n.data, mode: "bypass" as const, collapsed: true, pinned: true, color: "red" as const }, position: { x: -999, y: 777 } }
          : n,
      ),
    };
    const wf = graphToWorkflow(look);
    expect(wf.nodes.find((n) => n.id === "superRes")).toMatchObject({ mode: "bypass", collapsed: true, pinned: true, color: "red" });
    expect(wf.nodes.find((n) => n.id === "decoder")).not.toHaveProperty("mode");
    const back = workflowToGraph(wf, CATALOG).nodes.find((n) => n.id === "superRes")!;
    expect(back.data).toMatchObject({ mode: "bypass", collapsed: true, pinned: true, color: "red" });
    expect(back.draggable).toBe(false);
    const laid = layoutGraph(look);
    expect(laid.nodes.find((n) => n.id === "superRes")!.position).toEqual({ x: -999, y: 777 });
    expect(laid.nodes.find((n) => n.id === "decoder")!.position).not.toEqual(g.nodes.find((n) => n.id === "decoder")!.position);
  });
});

describe("parameters converted to inputs", () => {
  it("keep paramInputs through graph ↔ workflow, take a FLOAT wire into the decoder's guidance scale and refuse a STRING one", async () => {
    const { graphToWorkflow, workflowToGraph } = await import("../../app/editor/lib/convert");
    const { checkConnection } = await import("../../app/editor/lib/connection");
    const g = textToImageGraph();
    const nodes = [
      ...g.nodes.map((n) => (n.id === "decoder" ? { ...n, data: { ...n.data, paramInputs: ["guidanceScale"] } } : n)),
      { id: "f", type: "studio" as const, position: { x: 0, y: 0 }, data: { type: "unclip.float", params: { value: 3 } } },
      { id: "s", type: "studio" as const, position: { x: 0, y: 0 }, data: { type: "unclip.string", params: { value: "x" } } },
    ];
    const wf = graphToWorkflow({ nodes, edges: g.edges });
    expect(wf.nodes.find((n) => n.id === "decoder")).toMatchObject({ paramInputs: ["guidanceScale"] });
    expect(wf.nodes.find((n) => n.id === "prior")).not.toHaveProperty("paramInputs");
    expect(workflowToGraph(wf, CATALOG).nodes.find((n) => n.id === "decoder")!.data.paramInputs).toEqual(["guidanceScale"]);
    const graph = { nodes, edges: g.edges };
    expect(checkConnection({ source: "f", sourceHandle: "value", target: "decoder", targetHandle: "guidanceScale" }, graph, CATALOG)).toEqual({ ok: true });
    expect(checkConnection({ source: "s", sourceHandle: "value", target: "decoder", targetHandle: "guidanceScale" }, graph, CATALOG)).toMatchObject({
      ok: false,
      code: "type_mismatch",
    });
    // not converted on the prior: no such input there
    expect(checkConnection({ source: "f", sourceHandle: "value", target: "prior", targetHandle: "guidanceScale" }, graph, CATALOG)).toMatchObject({
      ok: false,
      code: "unknown_port",
    });
  });
});

describe("run to here", () => {
  it("mutes every other output node in what is sent: the decoder reaches only its preview", async () => {
    const { runToHere } = await import("../../app/editor/lib/runToHere");
    const { graphToWorkflow } = await import("../../app/editor/lib/convert");
    const wf = graphToWorkflow(textToImageGraph());
    const r = runToHere(wf, ["decoder"], CATALOG)!;
    expect(r.outputs).toEqual(["preview"]);
    expect(r.workflow.nodes.find((n) => n.id === "save")!.mode).toBe("mute");
    expect(r.workflow.nodes.find((n) => n.id === "preview")!.mode).toBeUndefined();
    expect(wf.nodes.find((n) => n.id === "save")!.mode).toBeUndefined(); // the editor's own workflow is untouched
    expect(runToHere(wf, ["save"], CATALOG)!.outputs).toEqual(["save"]);
    expect(runToHere(wf, ["tokenizer"], CATALOG)).toBeNull();
  });
});
