import { describe, expect, it } from "vitest";
import { graphToWorkflow, randomizeSeeds, workflowToGraph } from "../../app/editor/lib/convert";
import { templateByName } from "../../nodes/core/templates";
import { parseWorkflow } from "../../nodes/core/workflow";
import { DATA_TYPES } from "../../nodes/core/types";
import { CATALOG } from "./helpers";

describe("workflow ↔ graph", () => {
  const wf = templateByName("Text to image")!;

  it("round-trips a template", () => {
    const g = workflowToGraph(wf, CATALOG);
    const back = graphToWorkflow(g, { name: wf.name, meta: wf.meta });
    expect(parseWorkflow(back)).toEqual(back);
    expect(back.nodes).toEqual(wf.nodes);
    expect(back.links).toEqual(wf.links);
    expect(back.meta).toEqual(wf.meta);
  });

  it("colours wires by the type of their output", () => {
    const g = workflowToGraph(wf, CATALOG);
    const e = g.edges.find((x) => x.source === "decoder" && x.target === "superRes")!;
    expect(e.style?.stroke).toBe(DATA_TYPES.IMAGE.color);
    expect(e.data?.portType).toBe("IMAGE");
  });

  it("fills parameters a saved node lacks with their defaults", () => {
    const g = workflowToGraph({ ...wf, nodes: wf.nodes.map((n) => (n.id === "prior" ? { ...n, params: {} } : n)) }, CATALOG);
    const prior = g.nodes.find((n) => n.id === "prior")!;
    expect(prior.data.params.guidanceScale).toBe(4);
  });

  it("keeps seed modes in meta.editor and redraws randomized seeds", () => {
    const g = workflowToGraph(wf, CATALOG);
    g.nodes = g.nodes.map((n) => (n.id === "decoder" ? { ...n, data: { ...n.data, seedModes: { seed: "randomize" as const } } } : n));
    const back = graphToWorkflow(g, { meta: wf.meta });
    expect(back.meta?.editor).toEqual({ seedModes: { decoder: { seed: "randomize" } } });
    const again = workflowToGraph(back, CATALOG);
    expect(again.nodes.find((n) => n.id === "decoder")!.data.seedModes).toEqual({ seed: "randomize" });
    const drawn = randomizeSeeds(again, () => 1234);
    expect(drawn.nodes.find((n) => n.id === "decoder")!.data.params.seed).toBe(1234);
    expect(drawn.nodes.find((n) => n.id === "prior")!.data.params.seed).toBe(0);
  });
});
