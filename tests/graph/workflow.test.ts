/** The saved workflow format: parsing, clear refusals, versions and the migration hook. */
import { describe, expect, it } from "vitest";
import { TEMPLATES } from "../../nodes/core/templates";
import {
  emptyWorkflow,
  parseWorkflow,
  upgradeWorkflow,
  WORKFLOW_FORMAT,
  WORKFLOW_VERSION,
  WorkflowFormatError,
  type WorkflowMigration,
} from "../../nodes/core/workflow";

const minimal = () => ({ format: WORKFLOW_FORMAT, version: WORKFLOW_VERSION, nodes: [{ id: "a", type: "unclip.int" }], links: [] });

function refusal(raw: unknown): string {
  try {
    parseWorkflow(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowFormatError);
    return (err as Error).message;
  }
  throw new Error("parseWorkflow accepted it");
}

describe("workflow format", () => {
  it("accepts every template, as an object or as JSON text, unchanged", () => {
    for (const t of TEMPLATES) {
      expect(parseWorkflow(JSON.stringify(t)), t.name).toEqual(t);
      expect(parseWorkflow(JSON.parse(JSON.stringify(t))), t.name).toEqual(t);
    }
  });

  it("fills in defaults for optional node fields", () => {
    const wf = parseWorkflow(minimal());
    expect(wf.nodes[0]).toEqual({ id: "a", type: "unclip.int", params: {}, position: { x: 0, y: 0 } });
    expect(parseWorkflow(JSON.stringify(emptyWorkflow("x")))).toEqual({ format: WORKFLOW_FORMAT, version: WORKFLOW_VERSION, name: "x", nodes: [], links: [] });
  });

  it("rejects text that is not JSON", () => {
    expect(refusal("{nodes: [")).toMatch(/^not valid JSON: /);
  });

  it("rejects JSON that is not a workflow object", () => {
    for (const raw of [null, 5, "[]", [], '"text"']) expect(refusal(raw), JSON.stringify(raw)).toBe("a workflow must be a JSON object");
  });

  it("rejects a wrong or missing format, saying what it found", () => {
    expect(refusal({ ...minimal(), format: "comfyui" })).toBe(`"format" must be "${WORKFLOW_FORMAT}", not "comfyui"`);
    const { format: _f, ...noFormat } = minimal();
    expect(refusal(noFormat)).toBe(`"format" must be "${WORKFLOW_FORMAT}" (it is missing)`);
  });

  it("rejects versions that are not positive integers", () => {
    for (const version of [0, -1, 1.5, "1", null]) expect(refusal({ ...minimal(), version }), String(version)).toMatch(/^"version" must be a positive integer/);
  });

  it("rejects a newer version than this app knows", () => {
    expect(refusal({ ...minimal(), version: WORKFLOW_VERSION + 1 })).toBe(
      `workflow format version ${WORKFLOW_VERSION + 1} is newer than this app supports (${WORKFLOW_VERSION}); update the app to open it`,
    );
  });

  it("rejects duplicate node ids and duplicate link ids", () => {
    const wf = {
      ...minimal(),
      nodes: [
        { id: "a", type: "unclip.int" },
        { id: "a", type: "unclip.float" },
      ],
    };
    expect(refusal(wf)).toBe('node id "a" is used twice');
    const link = { id: "l1", from: { node: "a", port: "value" }, to: { node: "b", port: "value" } };
    expect(refusal({ ...minimal(), links: [link, link] })).toBe('link id "l1" is used twice');
  });

  it("names the field of a malformed node or link", () => {
    expect(refusal({ ...minimal(), nodes: [{ id: "a" }] })).toMatch(/^nodes\.0\.type: /);
    expect(refusal({ ...minimal(), nodes: [{ id: "", type: "x" }] })).toMatch(/^nodes\.0\.id: /);
    expect(refusal({ ...minimal(), links: [{ id: "l1", from: { node: "a" }, to: { node: "a", port: "x" } }] })).toMatch(/^links\.0\.from\.port: /);
  });

  it("keeps unknown node types: validation reports them, parsing does not", () => {
    const wf = parseWorkflow({ ...minimal(), nodes: [{ id: "x", type: "someone.elses_node", params: { any: [1, 2] } }] });
    expect(wf.nodes[0]).toMatchObject({ id: "x", type: "someone.elses_node", params: { any: [1, 2] } });
  });

  describe("migrations", () => {
    // A version-1 → version-2 step, as a future format change would register it: positions
    // move from [x, y] pairs into objects.
    const toV2: WorkflowMigration = (w) => ({
      ...w,
      nodes: (w.nodes as { pos: [number, number] }[]).map(({ pos, ...n }) => ({ ...n, position: { x: pos[0], y: pos[1] } })),
    });
    const v1 = { format: WORKFLOW_FORMAT, version: 1, nodes: [{ id: "a", type: "t", pos: [3, 4] }], links: [] };

    it("run in order up to the target version", () => {
      const out = upgradeWorkflow(v1, { 1: toV2 }, 2);
      expect(out).toEqual({ format: WORKFLOW_FORMAT, version: 2, nodes: [{ id: "a", type: "t", position: { x: 3, y: 4 } }], links: [] });
      const order: number[] = [];
      const step =
        (n: number): WorkflowMigration =>
        (w) => (order.push(n), w);
      expect(upgradeWorkflow(v1, { 1: step(1), 2: step(2), 3: step(3) }, 4).version).toBe(4);
      expect(order).toEqual([1, 2, 3]);
    });

    it("leave a current workflow alone", () => {
      expect(upgradeWorkflow(v1, {}, 1)).toBe(v1);
    });

    it("fail clearly when one is missing or throws", () => {
      expect(() => upgradeWorkflow(v1, {}, 2)).toThrow(new WorkflowFormatError("no migration from workflow format version 1"));
      const broken: WorkflowMigration = () => {
        throw new Error("nodes must be a list");
      };
      expect(() => upgradeWorkflow(v1, { 1: broken }, 2)).toThrow("cannot migrate workflow format version 1 to 2: nodes must be a list");
    });

    it("never take a step from Object.prototype", () => {
      expect(() => upgradeWorkflow({ ...v1, version: 1 }, Object.create({ 1: toV2 }) as Record<number, WorkflowMigration>, 2)).toThrow(/no migration/);
    });

    it("are what parseWorkflow applies: the current version needs none, a newer one is refused", () => {
      expect(upgradeWorkflow(minimal())).toEqual(minimal());
      expect(() => upgradeWorkflow({ ...minimal(), version: WORKFLOW_VERSION + 1 })).toThrow(/newer than this app supports/);
    });
  });
});
