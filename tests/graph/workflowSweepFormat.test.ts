/** Workflow format version 2 (the `sweep` field): version-1 files load through the 1 → 2 migration. */
import { describe, expect, it } from "vitest";
import { COMPARE_GUIDANCE_TEMPLATE } from "../../nodes/core/sweepTemplates";
import { templateByName } from "../../nodes/core/templates";
import { axisValues, cellWorkflow, sweepCellCount, sweepCells } from "../../nodes/core/sweep";
import { migrateV1toV2, parseWorkflow, upgradeWorkflow, WORKFLOW_FORMAT, WORKFLOW_VERSION } from "../../nodes/core/workflow";

describe("workflow format version 2", () => {
  it("is the current version", () => {
    expect(WORKFLOW_VERSION).toBe(2);
  });

  it("loads a version-1 file through the migration: same nodes and links, now version 2, no sweep", () => {
    const current = templateByName("Text to image")!;
    const v1 = { ...JSON.parse(JSON.stringify(current)), version: 1 } as Record<string, unknown>;
    const loaded = parseWorkflow(JSON.stringify(v1));
    expect(loaded).toEqual(current);
    expect(loaded.version).toBe(2);
    expect(loaded.sweep).toBeUndefined();
  });

  it("drops a stray sweep from a version-1 file (version 1 ignored it, so it never meant a grid)", () => {
    const v1 = { format: WORKFLOW_FORMAT, version: 1, nodes: [], links: [], sweep: { axes: [{ node: "a", param: "b", values: [1] }] } };
    expect(upgradeWorkflow(v1)).toEqual({ format: WORKFLOW_FORMAT, version: 2, nodes: [], links: [] });
    expect(parseWorkflow(v1).sweep).toBeUndefined();
    expect(migrateV1toV2({ version: 1, sweep: 1, nodes: [] })).toEqual({ version: 1, nodes: [] });
  });

  it("keeps a version-2 sweep through JSON, lists and ranges alike", () => {
    const t = templateByName(COMPARE_GUIDANCE_TEMPLATE)!;
    expect(parseWorkflow(JSON.stringify(t)).sweep).toEqual({
      axes: [
        { node: "decoder", param: "guidanceScale", values: [1, 4, 8] },
        { node: "seed", param: "seed", values: [1, 2] },
      ],
    });
    const ranged = parseWorkflow({ ...t, sweep: { axes: [{ node: "decoder", param: "guidanceScale", range: { from: 0.1, to: 1, step: 0.1 } }] } });
    expect(axisValues(ranged.sweep!.axes[0])).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(sweepCellCount(ranged.sweep!)).toBe(10);
  });

  it("enumerates cells row by row and writes each cell's values into its own workflow, without the sweep", () => {
    const t = templateByName(COMPARE_GUIDANCE_TEMPLATE)!;
    const cells = sweepCells(t.sweep!);
    expect(cells.map((c) => [c.column, c.row])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    const wf = cellWorkflow(t, cells[4]);
    expect(wf.sweep).toBeUndefined();
    expect(wf.nodes.find((n) => n.id === "decoder")!.params.guidanceScale).toBe(4);
    expect(wf.nodes.find((n) => n.id === "seed")!.params.seed).toBe(2);
    // the template itself is untouched
    expect(t.nodes.find((n) => n.id === "decoder")!.params.guidanceScale).toBe(8);
  });
});
