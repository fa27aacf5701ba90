/** Frames (groups) and reroute points in the editor's pure helpers: drawing, moving, collapsing, saving, pasting, auto-layout. */
import { describe, expect, it } from "vitest";
import { layoutGraph } from "../../app/editor/lib/autoLayout";
import { copyNodes, pasteInto } from "../../app/editor/lib/clipboard";
import { graphToWorkflow, workflowToGraph } from "../../app/editor/lib/convert";
import {
  displayGraph,
  FRAME_IN,
  FRAME_OUT,
  FRAME_PADDING,
  FRAME_TITLE_HEIGHT,
  frameNodeId,
  groupBox,
  groupNodes,
  isFrameNode,
  pruneGroups,
} from "../../app/editor/lib/groups";
import { insertPoint, reroutePath } from "../../app/editor/lib/reroute";
import type { GraphDoc, StudioGroup } from "../../app/editor/lib/types";
import { applyFrameChanges } from "../../app/editor/state/frameChanges";
import { parseWorkflow } from "../../nodes/core/workflow";
import { CATALOG, textToImageGraph } from "./helpers";

const byId = (doc: GraphDoc) => new Map(doc.nodes.map((n) => [n.id, n]));
const group = (doc: GraphDoc, title: string): StudioGroup => doc.groups!.find((g) => g.title === title)!;

describe("frames", () => {
  it("the text-to-image template opens with its four stage frames", () => {
    const g = textToImageGraph();
    expect(g.groups!.map((x) => x.title)).toEqual(["Text encoding", "Prior", "Decoder", "Super-resolution"]);
    expect(group(g, "Decoder").nodes).toEqual(["textProj", "decoder"]);
  });

  it("a frame's box wraps its members with padding and a title bar", () => {
    const g = textToImageGraph();
    const decoderFrame = group(g, "Decoder");
    const box = groupBox(decoderFrame, byId(g))!;
    const textProj = byId(g).get("textProj")!;
    const node = byId(g).get("decoder")!;
    expect(box.x).toBe(textProj.position.x - FRAME_PADDING);
    expect(box.y).toBe(Math.min(textProj.position.y, node.position.y) - FRAME_PADDING - FRAME_TITLE_HEIGHT);
    expect(box.x + box.width).toBe(node.position.x + 280 + FRAME_PADDING);
  });

  it("Ctrl+G makes a selected frame around the chosen nodes, taking them out of their old frames", () => {
    const g = textToImageGraph();
    const out = groupNodes(g, new Set(["prior", "decoder", "priorScheduler"]));
    const made = out.groups!.at(-1)!;
    expect(made).toMatchObject({ title: "Group", nodes: ["prior", "decoder", "priorScheduler"], selected: true });
    expect(new Set(out.groups!.map((x) => x.id)).size).toBe(out.groups!.length);
    expect(group(out, "Decoder").nodes).toEqual(["textProj"]);
    // a frame whose every member left goes
    expect(out.groups!.some((x) => x.title === "Prior")).toBe(false);
    const again = groupNodes(out, new Set(["textProj"]));
    expect(again.groups!.some((x) => x.title === "Decoder")).toBe(false);
  });

  it("dragging a frame moves its members by the same amount and nothing else", () => {
    const g = textToImageGraph();
    const prior = group(g, "Decoder");
    const box = groupBox(prior, byId(g))!;
    const { nodes, rest } = applyFrameChanges(
      [{ type: "position", id: frameNodeId(prior.id), position: { x: box.x + 100, y: box.y - 50 } }],
      g.nodes,
      g.groups!,
    );
    expect(rest).toEqual([]);
    const before = byId(g);
    for (const n of nodes) {
      const moved = prior.nodes.includes(n.id);
      expect(n.position, n.id).toEqual(moved ? { x: before.get(n.id)!.position.x + 100, y: before.get(n.id)!.position.y - 50 } : before.get(n.id)!.position);
    }
  });

  it("selecting a frame node selects the group; node changes pass through", () => {
    const g = textToImageGraph();
    const out = applyFrameChanges(
      [
        { type: "select", id: frameNodeId("stage2"), selected: true },
        { type: "select", id: "save", selected: true },
      ],
      g.nodes,
      g.groups!,
    );
    expect(out.groups.find((x) => x.id === "stage2")!.selected).toBe(true);
    expect(out.rest).toEqual([{ type: "select", id: "save", selected: true }]);
  });

  it("a collapsed frame hides its members and their inner wires; wires across its border end at the frame", () => {
    const g = textToImageGraph();
    const collapsed: GraphDoc = { ...g, groups: g.groups!.map((x) => (x.title === "Decoder" ? { ...x, collapsed: true } : x)) };
    const shown = displayGraph(collapsed);
    const frame = shown.nodes.find((n) => n.id === frameNodeId("stage3"))!;
    expect(isFrameNode(frame)).toBe(true);
    expect(frame.height).toBe(FRAME_TITLE_HEIGHT);
    for (const id of ["textProj", "decoder"]) expect(shown.nodes.find((n) => n.id === id)!.hidden, id).toBe(true);
    expect(shown.nodes.find((n) => n.id === "prior")!.hidden).toBeUndefined();
    const inner = shown.edges.find((e) => g.edges.find((o) => o.id === e.id && o.source === "textProj" && o.target === "decoder"))!;
    expect(inner.hidden).toBe(true);
    const out = shown.edges.find((e) => g.edges.find((o) => o.id === e.id && o.source === "decoder" && o.target === "superRes"))!;
    expect(out).toMatchObject({ source: frameNodeId("stage3"), sourceHandle: FRAME_OUT, target: "superRes" });
    const into = shown.edges.find((e) => g.edges.find((o) => o.id === e.id && o.source === "prior" && o.target === "textProj"))!;
    expect(into).toMatchObject({ source: "prior", target: frameNodeId("stage3"), targetHandle: FRAME_IN });
    // expanded again, everything is drawn as before
    expect(displayGraph(g).nodes.filter((n) => !isFrameNode(n))).toEqual(g.nodes);
  });

  it("deleting nodes prunes them from frames; an emptied frame goes", () => {
    const g = textToImageGraph();
    const left = new Set(g.nodes.map((n) => n.id).filter((id) => !["prior", "decoder"].includes(id)));
    const pruned = pruneGroups(g.groups!, left);
    expect(pruned.map((x) => x.title)).toEqual(["Text encoding", "Decoder", "Super-resolution"]);
    expect(pruned.find((x) => x.title === "Decoder")!.nodes).toEqual(["textProj"]);
  });

  it("survive save and load (collapsed and colour included), and the saved form parses", () => {
    const g = textToImageGraph();
    const doc: GraphDoc = { ...g, groups: g.groups!.map((x, i) => (i === 0 ? { ...x, collapsed: true, selected: true } : x)) };
    const wf = parseWorkflow(JSON.stringify(graphToWorkflow(doc)));
    expect(wf.groups![0]).toEqual({ id: "stage1", title: "Text encoding", color: "blue", nodes: ["tokenizer", "textEncoder"], collapsed: true });
    const back = workflowToGraph(wf, CATALOG);
    expect(back.groups).toEqual(doc.groups!.map(({ selected: _s, ...x }) => x));
  });

  it("copy/paste brings whole frames along under fresh ids, around the pasted nodes", () => {
    const g = textToImageGraph();
    const clip = copyNodes(g, new Set(["textProj", "decoder", "superResScheduler"]));
    expect(clip.groups!.map((x) => x.title)).toEqual(["Decoder"]);
    const out = pasteInto(g, clip, { at: { x: 5000, y: 0 } });
    const pasted = out.groups!.at(-1)!;
    expect(pasted.title).toBe("Decoder");
    expect(pasted.id).not.toBe("stage3");
    const fresh = out.nodes.slice(g.nodes.length).map((n) => n.id);
    expect(pasted.nodes.every((id) => fresh.includes(id))).toBe(true);
    expect(pasted.nodes).toHaveLength(2);
  });

  it("auto-layout keeps each frame's members together: frames do not overlap each other or other nodes", () => {
    const out = layoutGraph(textToImageGraph());
    const nodes = byId(out);
    const boxes = out.groups!.map((x) => ({ id: x.title, ...groupBox(x, nodes)! }));
    const inFrame = new Set(out.groups!.flatMap((x) => x.nodes));
    const loose = out.nodes.filter((n) => !inFrame.has(n.id)).map((n) => ({ id: n.id, ...n.position, width: 280, height: 160 }));
    const all = [...boxes, ...loose];
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++) {
        const a = all[i];
        const b = all[j];
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
      }
  });
});

describe("reroute points", () => {
  it("a new point goes into the stretch of the wire it lengthens least", () => {
    const from = { x: 0, y: 0 };
    const to = { x: 300, y: 0 };
    const one = insertPoint([], { x: 100, y: 50 }, from, to);
    expect(one).toEqual([{ x: 100, y: 50 }]);
    expect(insertPoint(one, { x: 250, y: 20 }, from, to)).toEqual([
      { x: 100, y: 50 },
      { x: 250, y: 20 },
    ]);
    expect(insertPoint(one, { x: 40, y: 10 }, from, to)).toEqual([
      { x: 40, y: 10 },
      { x: 100, y: 50 },
    ]);
  });

  it("the wire is drawn through every point, one curve per stretch", () => {
    const d = reroutePath({ x: 0, y: 0 }, [{ x: 100, y: 50 }], { x: 200, y: 0 });
    expect(d.startsWith("M 0,0")).toBe(true);
    expect(d.match(/C /g)).toHaveLength(2);
    expect(d).toContain(" 100,50 C ");
    expect(d.endsWith(" 200,0")).toBe(true);
  });

  it("are saved with the link, and a pasted copy of an inner wire keeps them, moved with its nodes", () => {
    const g = textToImageGraph();
    const wire = g.edges.find((e) => e.source === "decoder" && e.target === "superRes")!;
    const doc: GraphDoc = { ...g, edges: g.edges.map((e) => (e === wire ? { ...e, data: { ...e.data!, points: [{ x: 10, y: 20 }] } } : e)) };
    const wf = graphToWorkflow(doc);
    expect(wf.links.find((l) => l.id === wire.id)!.points).toEqual([{ x: 10, y: 20 }]);
    expect(workflowToGraph(parseWorkflow(wf), CATALOG).edges.find((e) => e.id === wire.id)!.data!.points).toEqual([{ x: 10, y: 20 }]);

    const clip = copyNodes(doc, new Set(["decoder", "superRes"]));
    const decoder = byId(doc).get("decoder")!;
    const out = pasteInto(doc, clip, { at: { x: decoder.position.x + 1000, y: decoder.position.y } });
    const added = out.nodes.slice(doc.nodes.length);
    const dy = added.find((n) => n.data.type === decoder.data.type)!.position.y - decoder.position.y;
    const inner = out.edges.slice(doc.edges.length).find((e) => added.some((n) => n.id === e.source) && added.some((n) => n.id === e.target))!;
    expect(inner.data!.points).toEqual([{ x: 1010, y: 20 + dy }]);
    // wires from nodes left behind come without points
    expect(
      out.edges
        .slice(doc.edges.length)
        .filter((e) => e !== inner)
        .every((e) => !e.data?.points),
    ).toBe(true);
  });
});
