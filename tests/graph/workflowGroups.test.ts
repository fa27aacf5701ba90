/** The workflow format's optional frames (`groups`) and reroute points (`links[].points`): accepted, and refused with clear messages. */
import { describe, expect, it } from "vitest";
import { upstreamOf } from "../../app/learn/lib/lessonGraph";
import { resolveModes } from "../../nodes/core/nodeModes";
import { templateByName } from "../../nodes/core/templates";
import { getDeclaration } from "../../nodes/registry";
import { MAX_GROUPS, MAX_LINK_POINTS, parseWorkflow, WORKFLOW_FORMAT, WorkflowFormatError } from "../../nodes/core/workflow";

const base = (extra: Record<string, unknown> = {}) => ({
  format: WORKFLOW_FORMAT,
  version: 1,
  nodes: [
    { id: "a", type: "unclip.int" },
    { id: "b", type: "unclip.int" },
    { id: "c", type: "unclip.int" },
  ],
  links: [{ id: "l1", from: { node: "a", port: "value" }, to: { node: "b", port: "value" } }],
  ...extra,
});

function refusal(raw: unknown): string {
  try {
    parseWorkflow(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowFormatError);
    return (err as Error).message;
  }
  throw new Error("parseWorkflow accepted it");
}

describe("workflow frames (groups)", () => {
  it("are optional: a version-1 file without them parses as before", () => {
    expect(parseWorkflow(base()).groups).toBeUndefined();
  });

  it("keep id, title, colour, members and collapsed as saved", () => {
    const groups = [
      { id: "g1", title: "Prior", color: "purple", nodes: ["a", "b"], collapsed: true },
      { id: "g2", title: "", nodes: ["c"] },
    ];
    expect(parseWorkflow(JSON.stringify(base({ groups }))).groups).toEqual(groups);
  });

  it("refuse a member that is not a node, naming the group and the node", () => {
    expect(refusal(base({ groups: [{ id: "g1", title: "x", nodes: ["a", "ghost"] }] }))).toBe('group "g1" names node "ghost", which is not in the workflow');
  });

  it("refuse two groups with one id, and a node in two groups", () => {
    expect(
      refusal(
        base({
          groups: [
            { id: "g1", title: "x", nodes: ["a"] },
            { id: "g1", title: "y", nodes: ["b"] },
          ],
        }),
      ),
    ).toBe('group id "g1" is used twice');
    expect(
      refusal(
        base({
          groups: [
            { id: "g1", title: "x", nodes: ["a"] },
            { id: "g2", title: "y", nodes: ["b", "a"] },
          ],
        }),
      ),
    ).toBe('node "a" is in two groups ("g1" and "g2"); a node is in one group at most');
    expect(refusal(base({ groups: [{ id: "g1", title: "x", nodes: ["a", "a"] }] }))).toBe('group "g1" names node "a" twice');
  });

  it("refuse a bad shape with the path of the field", () => {
    expect(refusal(base({ groups: [{ id: "g1", title: "x", nodes: [] }] }))).toMatch(/^groups\.0\.nodes: /);
    expect(refusal(base({ groups: [{ id: "g1", title: "x", nodes: ["a"], color: "pink" }] }))).toMatch(/^groups\.0\.color: /);
    expect(refusal(base({ groups: [{ id: "", title: "x", nodes: ["a"] }] }))).toMatch(/^groups\.0\.id: /);
    expect(refusal(base({ groups: [{ id: "g1", title: "x".repeat(201), nodes: ["a"] }] }))).toMatch(/^groups\.0\.title: /);
    expect(refusal(base({ groups: { g1: ["a"] } }))).toMatch(/^groups: /);
  });

  it(`refuse more than ${MAX_GROUPS} groups`, () => {
    const nodes = Array.from({ length: MAX_GROUPS + 1 }, (_, i) => ({ id: `n${i}`, type: "unclip.int" }));
    const groups = nodes.map((n, i) => ({ id: `g${i}`, title: "", nodes: [n.id] }));
    expect(refusal({ ...base(), nodes, links: [], groups })).toMatch(new RegExp(`^groups: .*${MAX_GROUPS}`));
  });
});

describe("reroute points on links", () => {
  const withPoints = (points: unknown) => base({ links: [{ id: "l1", from: { node: "a", port: "value" }, to: { node: "b", port: "value" }, points }] });

  it("are optional and kept in order", () => {
    expect(parseWorkflow(base()).links[0].points).toBeUndefined();
    const points = [
      { x: 10, y: 20 },
      { x: -5.5, y: 300 },
    ];
    expect(parseWorkflow(withPoints(points)).links[0].points).toEqual(points);
  });

  it(`are at most ${MAX_LINK_POINTS} finite points on the canvas`, () => {
    const many = Array.from({ length: MAX_LINK_POINTS + 1 }, (_, i) => ({ x: i, y: i }));
    expect(refusal(withPoints(many))).toMatch(new RegExp(`^links\\.0\\.points: .*${MAX_LINK_POINTS}`));
    expect(refusal(withPoints([{ x: 1 }]))).toMatch(/^links\.0\.points\.0\.y: /);
    expect(refusal(withPoints([{ x: 1e9, y: 0 }]))).toMatch(/^links\.0\.points\.0\.x: /);
    // JSON cannot carry Infinity, but an object handed over directly can
    expect(refusal(withPoints([{ x: Infinity, y: 0 }]))).toMatch(/^links\.0\.points\.0\.x: /);
  });
});

describe("taking part of a workflow", () => {
  it("keeps frames naming only the nodes left, so the part parses again", () => {
    const part = upstreamOf(templateByName("Text to image")!, "prior");
    expect(part.groups!.map((g) => g.title)).toEqual(["Text encoding", "Prior"]);
    expect(parseWorkflow(JSON.stringify(part)).nodes.map((n) => n.id)).toContain("prior");
  });

  it("bypassed and muted nodes leave their frames when modes are resolved", () => {
    const wf = structuredClone(templateByName("Text to image")!);
    wf.nodes.find((n) => n.id === "superRes")!.mode = "mute";
    const { workflow } = resolveModes(wf, getDeclaration);
    expect(workflow.groups!.map((g) => g.title)).toEqual(["Text encoding", "Prior", "Decoder"]);
    expect(() => parseWorkflow(JSON.stringify(workflow))).not.toThrow();
  });
});
