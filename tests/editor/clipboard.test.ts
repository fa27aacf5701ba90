import { describe, expect, it } from "vitest";
import { copyNodes, parseClipboard, pasteInto } from "../../app/editor/lib/clipboard";
import { textToImageGraph } from "./helpers";

describe("clipboard", () => {
  it("copies the chosen nodes and only the links between them", () => {
    const g = textToImageGraph();
    const clip = copyNodes(g, new Set(["decoder", "superRes", "save"]));
    expect(clip.nodes.map((n) => n.id).sort()).toEqual(["decoder", "save", "superRes"]);
    expect(clip.edges.map((e) => `${e.source}->${e.target}`).sort()).toEqual(["decoder->superRes", "superRes->save"]);
  });

  it("pastes under fresh ids with the internal links remapped, selected and offset", () => {
    const g = textToImageGraph();
    const clip = parseClipboard(JSON.stringify(copyNodes(g, new Set(["decoder", "superRes"]))))!;
    // without the wires from outside, the last edge is the one between the pasted nodes
    const out = pasteInto(g, clip, { withIncoming: false });
    expect(out.nodes).toHaveLength(g.nodes.length + 2);
    const added = out.nodes.slice(g.nodes.length);
    expect(added.every((n) => n.selected)).toBe(true);
    expect(new Set(out.nodes.map((n) => n.id)).size).toBe(out.nodes.length);
    const newEdge = out.edges[out.edges.length - 1];
    expect(added.map((n) => n.id)).toContain(newEdge.source);
    expect(added.map((n) => n.id)).toContain(newEdge.target);
    expect(new Set(out.edges.map((e) => e.id)).size).toBe(out.edges.length);
    const orig = g.nodes.find((n) => n.id === "decoder")!;
    const copy = added.find((n) => n.data.type === orig.data.type)!;
    // offset from the original, then moved down clear of the other nodes
    expect(copy.position.x).toBe(orig.position.x + 40);
    expect(copy.position.y).toBeGreaterThanOrEqual(orig.position.y + 40);
  });

  it("ignores text that is not a clipboard of this app", () => {
    expect(parseClipboard("hello")).toBeNull();
    expect(parseClipboard('{"format":"other"}')).toBeNull();
  });
});
