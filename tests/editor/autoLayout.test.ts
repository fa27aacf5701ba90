import { describe, expect, it } from "vitest";
import { layoutGraph } from "../../app/editor/lib/autoLayout";
import { textToImageGraph } from "./helpers";

describe("auto-layout", () => {
  it("places every node left of the nodes it feeds, without overlaps", () => {
    const g = textToImageGraph();
    const out = layoutGraph(g);
    const pos = new Map(out.nodes.map((n) => [n.id, n.position]));
    for (const e of out.edges) expect(pos.get(e.source)!.x).toBeLessThan(pos.get(e.target)!.x);
    const boxes = out.nodes.map((n) => ({ ...n.position, w: 280, h: 160 }));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i],
          b = boxes[j];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap).toBe(false);
      }
  });
});
