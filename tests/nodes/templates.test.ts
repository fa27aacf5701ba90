/** The default workflows: valid format, correctly typed wires, complete inputs, tidy layout. */
import { describe, expect, it } from "vitest";
import { parseWorkflow } from "../../nodes/core/workflow";
import { isExecutable } from "../../nodes/core/graphRules";
import { getDeclaration } from "../../nodes/registry";
import { FRAME_PADDING, FRAME_TITLE_HEIGHT } from "../../app/editor/lib/groups";
import { DEFAULT_PACKAGE, estimateNodeHeight, TEMPLATE_NODE_WIDTH, TEMPLATES } from "../../nodes/core/templates";

describe("templates", () => {
  it("are the four named workflows", () => {
    expect(TEMPLATES.map((t) => t.name)).toEqual([
      "Text to image",
      "Image variation",
      "Prompt interpolation",
      "Teaching: watch unCLIP draw",
      "Compare decoder guidance scales",
    ]);
  });

  it("the teaching template traces every executable node and opens the teaching views", () => {
    const t = TEMPLATES.find((w) => w.name === "Teaching: watch unCLIP draw")!;
    expect(t.meta?.teach).toBe(true);
    for (const n of t.nodes) expect(Boolean(n.trace), n.id).toBe(isExecutable(getDeclaration(n.type)));
  });

  for (const t of TEMPLATES) {
    describe(t.name!, () => {
      it("parse as workflows of known node types with every parameter valid", () => {
        expect(parseWorkflow(JSON.stringify(t))).toEqual(t);
        for (const n of t.nodes) {
          const d = getDeclaration(n.type);
          expect(d, n.type).toBeDefined();
          for (const p of d!.params) expect(p.schema.safeParse(n.params[p.name]).success, `${n.id}.${p.name}`).toBe(true);
        }
      });

      it("wire outputs to inputs of the same type, once per input, with every required input connected", () => {
        const byId = new Map(t.nodes.map((n) => [n.id, n]));
        const seen = new Set<string>();
        for (const l of t.links) {
          const from = getDeclaration(byId.get(l.from.node)!.type)!.outputs.find((p) => p.name === l.from.port);
          const to = getDeclaration(byId.get(l.to.node)!.type)!.inputs.find((p) => p.name === l.to.port);
          expect(from, `${l.from.node}.${l.from.port}`).toBeDefined();
          expect(to, `${l.to.node}.${l.to.port}`).toBeDefined();
          expect(to!.type === "*" || to!.type === from!.type, `${l.id}: ${from!.type} → ${to!.type}`).toBe(true);
          const key = `${l.to.node}.${l.to.port}`;
          expect(seen.has(key), key).toBe(false);
          seen.add(key);
        }
        for (const n of t.nodes) {
          for (const p of getDeclaration(n.type)!.inputs) {
            if (!p.optional) expect(seen.has(`${n.id}.${p.name}`), `${n.id}.${p.name} unconnected`).toBe(true);
          }
        }
      });

      it("use the default package, one seed for every sampler, and save the result", () => {
        const loaders = t.nodes.filter((n) => n.type === "unclip.load_package");
        expect(loaders.map((n) => n.params.package)).toEqual([DEFAULT_PACKAGE]);
        const seeds = t.nodes.filter((n) => n.type === "unclip.seed");
        expect(seeds).toHaveLength(1);
        const samplers = t.nodes.filter((n) => ["unclip.prior", "unclip.decoder", "unclip.super_res"].includes(n.type));
        for (const s of samplers)
          expect(
            t.links.some((l) => l.from.node === seeds[0].id && l.to.node === s.id && l.to.port === "seed"),
            s.id,
          ).toBe(true);
        expect(t.nodes.some((n) => n.type === "unclip.save_image")).toBe(true);
        expect(t.nodes.every((n) => isExecutable(getDeclaration(n.type)) || n.type === "unclip.note")).toBe(true);
      });

      it("are laid out left to right without overlaps", () => {
        const boxes = t.nodes.map((n) => ({ id: n.id, ...n.position, w: TEMPLATE_NODE_WIDTH, h: estimateNodeHeight(getDeclaration(n.type)!) }));
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i];
            const b = boxes[j];
            const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
          }
        }
        // each stage frame (its members' box, padding and title bar, as the editor draws it) overlaps no other frame and no node outside it
        const byId = new Map(boxes.map((b) => [b.id, b]));
        const frames = (t.groups ?? []).map((g) => {
          const m = g.nodes.map((id) => byId.get(id)!);
          const left = Math.min(...m.map((b) => b.x)) - FRAME_PADDING;
          const top = Math.min(...m.map((b) => b.y)) - FRAME_PADDING - FRAME_TITLE_HEIGHT;
          const right = Math.max(...m.map((b) => b.x + b.w)) + FRAME_PADDING;
          const bottom = Math.max(...m.map((b) => b.y + b.h)) + FRAME_PADDING;
          return { id: g.title, members: new Set(g.nodes), x: left, y: top, w: right - left, h: bottom - top };
        });
        expect(frames.length, "stage frames").toBeGreaterThanOrEqual(3);
        const hits = (a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }) =>
          a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        for (const f of frames) {
          for (const g of frames) if (g !== f) expect(hits(f, g), `frame ${f.id} overlaps frame ${g.id}`).toBe(false);
          for (const b of boxes) if (!f.members.has(b.id)) expect(hits(f, b), `frame ${f.id} overlaps ${b.id}`).toBe(false);
        }
        const x = new Map(t.nodes.map((n) => [n.id, n.position.x]));
        for (const l of t.links) expect(x.get(l.from.node)!, `${l.from.node} → ${l.to.node}`).toBeLessThan(x.get(l.to.node)!);
      });
    });
  }
});
