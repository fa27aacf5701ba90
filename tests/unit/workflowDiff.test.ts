/** The compare view's workflow diff (nodes/core/workflowDiff.ts): parameters, added and removed nodes, wires. */
import { describe, expect, it } from "vitest";
import { diffWorkflows, sameValue, showValue, type DescribeType } from "../../nodes/core/workflowDiff";
import { WORKFLOW_VERSION, type Workflow } from "../../nodes/core/workflow";

const wf = (nodes: Workflow["nodes"], links: Workflow["links"] = []): Workflow => ({
  format: "unclip-studio/workflow",
  version: WORKFLOW_VERSION,
  nodes,
  links,
});
const node = (id: string, type: string, params: Record<string, unknown> = {}, title?: string) => ({
  id,
  type,
  params,
  position: { x: 0, y: 0 },
  ...(title ? { title } : {}),
});
const link = (id: string, from: string, to: string) => {
  const [fn, fp] = from.split(".");
  const [tn, tp] = to.split(".");
  return { id, from: { node: fn, port: fp }, to: { node: tn, port: tp } };
};

const describeType: DescribeType = (type) =>
  ({
    "t.decoder": {
      title: "Decoder",
      params: [
        { name: "guidanceScale", label: "Guidance scale", default: 8 },
        { name: "seed", label: "Seed", default: 0 },
      ],
    },
    "t.seed": { title: "Seed", params: [{ name: "seed", label: "Seed", default: 42 }] },
  })[type];

describe("diffWorkflows", () => {
  it("lists changed parameters with node title, label and both values, in declared order", () => {
    const a = wf([node("dec", "t.decoder", { seed: 1, guidanceScale: 4 }), node("s", "t.seed", { seed: 5 })]);
    const b = wf([node("dec", "t.decoder", { seed: 1, guidanceScale: 8 }, "My decoder"), node("s", "t.seed", { seed: 6 })]);
    const d = diffWorkflows(a, b, describeType);
    expect(d.changed).toEqual([
      { nodeId: "dec", node: "My decoder", param: "guidanceScale", label: "Guidance scale", a: 4, b: 8 },
      { nodeId: "s", node: "Seed", param: "seed", label: "Seed", a: 5, b: 6 },
    ]);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.rewired).toEqual([]);
  });

  it("treats a missing parameter as its default, and reports one that differs from it", () => {
    const a = wf([node("dec", "t.decoder", { guidanceScale: 8 })]);
    const b = wf([node("dec", "t.decoder", {})]);
    expect(diffWorkflows(a, b, describeType).changed).toEqual([]);
    const c = wf([node("dec", "t.decoder", { seed: 3 })]);
    expect(diffWorkflows(b, c, describeType).changed).toEqual([{ nodeId: "dec", node: "Decoder", param: "seed", label: "Seed", a: undefined, b: 3 }]);
    // without declarations, names stand for labels and nothing has a default
    expect(diffWorkflows(b, c).changed).toEqual([{ nodeId: "dec", node: "dec", param: "seed", label: "seed", a: undefined, b: 3 }]);
  });

  it("reports nodes only in A as removed and only in B as added; a node whose type changed is both", () => {
    const a = wf([node("dec", "t.decoder"), node("old", "t.seed"), node("x", "t.seed")]);
    const b = wf([node("dec", "t.decoder"), node("new", "t.seed"), node("x", "t.decoder")]);
    const d = diffWorkflows(a, b, describeType);
    expect(d.removed).toEqual([
      { nodeId: "old", node: "Seed", type: "t.seed" },
      { nodeId: "x", node: "Seed", type: "t.seed" },
    ]);
    expect(d.added).toEqual([
      { nodeId: "new", node: "Seed", type: "t.seed" },
      { nodeId: "x", node: "Decoder", type: "t.decoder" },
    ]);
    expect(d.changed).toEqual([]);
  });

  it("compares structured values by content and lists wires only one side has", () => {
    const a = wf([node("n", "t.other", { shape: [1, 3, 64, 64], opts: { a: 1, b: [2] } })], [link("l1", "s.seed", "dec.seed")]);
    const b = wf([node("n", "t.other", { shape: [1, 3, 64, 64], opts: { b: [2], a: 1 } })], [link("l9", "s.seed", "dec.seed"), link("l2", "s.seed", "p.seed")]);
    const d = diffWorkflows(a, b);
    expect(d.changed).toEqual([]);
    expect(d.rewired).toEqual([{ link: "s.seed → p.seed", in: "b" }]);
  });
});

describe("helpers", () => {
  it("sameValue is structural", () => {
    expect(sameValue([1, { a: "x" }], [1, { a: "x" }])).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue(null, {})).toBe(false);
    expect(sameValue(1, "1")).toBe(false);
  });
  it("showValue writes one short line", () => {
    expect(showValue(undefined)).toBe("—");
    expect(showValue("a cat")).toBe("a cat");
    expect(showValue([1, 2])).toBe("[1,2]");
    expect(showValue("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
