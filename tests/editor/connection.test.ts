import { describe, expect, it } from "vitest";
import { reaches } from "../../nodes/core/graphRules";
import { checkConnection } from "../../app/editor/lib/connection";
import { CATALOG, textToImageGraph } from "./helpers";

describe("connection validation", () => {
  const graph = textToImageGraph();

  it("accepts a wire of matching types into a free input", () => {
    const g = { ...graph, edges: graph.edges.filter((e) => !(e.target === "save" && e.targetHandle === "image")) };
    expect(checkConnection({ source: "decoder", sourceHandle: "image", target: "save", targetHandle: "image" }, g, CATALOG)).toEqual({ ok: true });
  });

  it("refuses incompatible types", () => {
    const v = checkConnection({ source: "decoder", sourceHandle: "image", target: "textEncoder", targetHandle: "tokens" }, graph, CATALOG);
    expect(v).toMatchObject({ ok: false, code: "type_mismatch" });
  });

  it("refuses a second link into an input", () => {
    const v = checkConnection({ source: "decoder", sourceHandle: "image", target: "save", targetHandle: "image" }, graph, CATALOG);
    expect(v).toMatchObject({ ok: false, code: "duplicate_input" });
  });

  it("refuses self-links", () => {
    const v = checkConnection({ source: "superRes", sourceHandle: "image", target: "superRes", targetHandle: "image" }, graph, CATALOG);
    expect(v).toMatchObject({ ok: false, code: "self_link" });
  });

  it("refuses cycles", () => {
    // superRes → decoder.image would close decoder → superRes; use a graph where that input is free
    const g = { ...graph, edges: graph.edges.filter((e) => e.target !== "textProj" || e.targetHandle !== "imageEmbedding") };
    expect(reaches(g.edges, "prior", "textProj")).toBe(false);
    const nodes = [...g.nodes, { id: "ie", type: "studio" as const, position: { x: 0, y: 0 }, data: { type: "unclip.image_encoder", params: {} } }];
    const edges = [...g.edges, { id: "x1", source: "decoder", sourceHandle: "image", target: "ie", targetHandle: "pixelValues" }];
    // ie depends on decoder, decoder depends on textProj: ie → textProj closes a loop
    const v = checkConnection({ source: "ie", sourceHandle: "imageEmbedding", target: "textProj", targetHandle: "imageEmbedding" }, { nodes, edges }, CATALOG);
    expect(v).toMatchObject({ ok: false, code: "cycle" });
  });

  it("lets a wildcard input take any type", () => {
    const nodes = [...graph.nodes, { id: "insp", type: "studio" as const, position: { x: 0, y: 0 }, data: { type: "unclip.tensor_inspector", params: {} } }];
    expect(
      checkConnection({ source: "prior", sourceHandle: "imageEmbedding", target: "insp", targetHandle: "value" }, { nodes, edges: graph.edges }, CATALOG),
    ).toEqual({ ok: true });
  });
});
