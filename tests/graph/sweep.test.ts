/**
 * Sweeps (XY grids) through the real executor on the tiny package: every cell bit-identical to a
 * separate run with its values, what is upstream of the swept parameters executed once per value
 * of it (counted from the cells' node executions), one labelled grid PNG that carries the
 * workflow and the sweep, progress per cell, cancel between steps; and the checks made before a
 * sweep runs (unknown node or parameter, a value the parameter refuses, too many axes, cells or
 * images), each naming what is wrong.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import { CancelledError } from "../../server/errors";
import type { RunEvent } from "../../nodes/core/runEvents";
import { ValidationFailed } from "../../server/graph/executor";
import { executeRun, SWEEP_PNG_KEYWORD, type SweepGridInfo } from "../../server/graph/sweep";
import { validateWorkflow } from "../../server/graph/validate";
import { parseWorkflow, type Workflow, WorkflowFormatError } from "../../nodes/core/workflow";
import { DEFAULT_LIMITS } from "../../server/limitsConfig";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { describeWithFixtures } from "../helpers/fixtures";
import { registry, run, tinyTextToImage, useTestExecutor } from "./helpers";

const { services } = useTestExecutor("unclip-sweep-");

const GUIDANCE = [1, 4, 8];
const SEEDS = [11, 12];

function guidanceBySeed(): Workflow {
  const wf = tinyTextToImage();
  wf.sweep = {
    axes: [
      { node: "decoder", param: "guidanceScale", values: GUIDANCE },
      { node: "seed", param: "seed", values: SEEDS },
    ],
  };
  return wf;
}

const pixels = async (png: Uint8Array) => Buffer.from(await sharp(png).raw().toBuffer());
const problems = (wf: Workflow, limits = DEFAULT_LIMITS) => validateWorkflow(wf, registry, { modelsDir: services.modelsDir, limits }).errors;

describeWithFixtures("sweeps on unclip-tiny", () => {
  it("runs 3 guidance scales × 2 seeds as 6 cells, each identical to its own run, upstream nodes once per seed, one labelled grid", async () => {
    const wf = guidanceBySeed();
    const events: RunEvent[] = [];
    const report = await executeRun(services, wf, { runId: "sweep-1", onEvent: (e) => events.push(e) });
    const sweep = report.sweep!;
    expect(sweep.cells).toHaveLength(6);
    // row-major: guidance across, seeds down
    expect(sweep.cells.map((c) => c.overrides.map((o) => o.value))).toEqual([
      [1, 11],
      [4, 11],
      [8, 11],
      [1, 12],
      [4, 12],
      [8, 12],
    ]);
    expect(sweep.cells[1].label).toBe("Decoder · Guidance scale = 4, Seed · Seed = 11");

    // node executions: the prior (and all that feeds the decoder) once per seed; the decoder and what it feeds in every cell
    const executions = (id: string) => sweep.cells.filter((c) => c.ran.includes(id)).length;
    expect(executions("prior")).toBe(2);
    expect(executions("textProj")).toBe(2);
    expect(executions("seed")).toBe(2);
    expect(executions("tokenizer")).toBe(1);
    expect(executions("textEncoder")).toBe(1);
    expect(executions("package")).toBe(1);
    for (const id of ["decoder", "superRes", "save", "preview"]) expect(executions(id), id).toBe(6);
    const plan = validateWorkflow(wf, registry, { modelsDir: services.modelsDir }).plan!.order.length;
    expect(sweep.executionsUncached).toBe(6 * plan);
    expect(sweep.executions).toBe(sweep.cells.reduce((n, c) => n + c.ran.length, 0));
    expect(plan).toBe(13);
    // first cell: all 13; a new guidance: decoder, super-res, preview, save; a new seed: also seed, prior, text proj
    expect(sweep.executions).toBe(13 + 4 + 4 + 7 + 4 + 4);
    // progress: 0 of 6 at the start, then one event per cell, in order
    expect(events.filter((e) => e.type === "sweep.progress").map((e) => (e.type === "sweep.progress" ? `${e.done}/${e.total}` : ""))).toEqual([
      "0/6",
      "1/6",
      "2/6",
      "3/6",
      "4/6",
      "5/6",
      "6/6",
    ]);

    // each cell's Save Image result is its own image, tagged with its cell
    const cellImages = services.saved.filter((s) => s.nodeId === "save" && s.info.sweep?.cell !== undefined);
    expect(cellImages.map((s) => s.info.sweep!.cell)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sweep.cells.every((c) => c.images.length === 1)).toBe(true);

    // every cell equals a separate run with its values (fresh cache: nothing shared)
    for (const [i, cell] of sweep.cells.entries()) {
      services.cache.clear();
      const before = services.saved.length;
      const [g, seed] = cell.overrides.map((o) => o.value as number);
      await run(services, tinyTextToImage({ decoder: { guidanceScale: g }, seed: { seed } }));
      const alone = services.saved.slice(before).find((s) => s.nodeId === "save")!;
      expect((await pixels(cellImages[i].png)).equals(await pixels(alone.png)), `cell ${cell.label}`).toBe(true);
      // the cell's PNG carries the cell's own workflow (its values, no sweep): it reproduces that cell
      const embedded = parseWorkflow(readPngTextChunks(cellImages[i].png)[WORKFLOW_PNG_KEYWORD]);
      expect(embedded.sweep).toBeUndefined();
      expect(embedded.nodes.find((n) => n.id === "decoder")!.params.guidanceScale).toBe(g);
      expect(embedded.nodes.find((n) => n.id === "seed")!.params.seed).toBe(seed);
    }

    // the grid: stored once, shown on the Save Image node, carrying the workflow and the sweep
    const grids = services.saved.filter((s) => s.info.sweep?.grid);
    expect(grids).toHaveLength(1);
    const grid = grids[0];
    expect(sweep.gridNode).toBe("save");
    expect(report.ui.save?.images).toEqual([sweep.grid]);
    expect(events.some((e) => e.type === "sweep.grid" && e.nodeId === "save")).toBe(true);
    const text = readPngTextChunks(grid.png);
    expect(parseWorkflow(text[WORKFLOW_PNG_KEYWORD])).toEqual(wf);
    const info = JSON.parse(text[SWEEP_PNG_KEYWORD]) as SweepGridInfo;
    expect(info.axes.map((a) => [a.title, a.labels])).toEqual([
      ["Decoder · Guidance scale", ["1", "4", "8"]],
      ["Seed · Seed", ["11", "12"]],
    ]);
    expect([info.columns, info.rows]).toEqual([3, 2]);
    expect(info.cells[5]).toEqual({ index: 5, column: 2, row: 1, label: "Decoder · Guidance scale = 8, Seed · Seed = 12" });

    // size: margins and label bands, then 3 × 2 cells (each the cell image enlarged by a whole factor) with gaps
    const cell = await sharp(cellImages[0].png).metadata();
    const { layout } = info;
    expect(layout.cellWidth).toBe(cell.width * layout.scale);
    expect(layout.cellHeight).toBe(cell.height * layout.scale);
    expect(layout.cellWidth).toBeGreaterThanOrEqual(128);
    const meta = await sharp(grid.png).metadata();
    expect([meta.width, meta.height]).toEqual([layout.width, layout.height]);
    expect(layout.width).toBe(layout.left + 3 * layout.cellWidth + 2 * layout.gap + 8);
    expect(layout.height).toBe(layout.top + 2 * layout.cellHeight + layout.gap + 8);
    expect([grid.info.width, grid.info.height]).toEqual([layout.width, layout.height]);

    // each tile is the cell's image, enlarged by nearest neighbour; the label bands hold dark text on white
    const raw = await sharp(grid.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => Array.from(raw.data.subarray((y * raw.info.width + x) * 3, (y * raw.info.width + x) * 3 + 3));
    const cellRaw = await sharp(cellImages[5].png).raw().toBuffer({ resolveWithObject: true });
    const x0 = layout.left + 2 * (layout.cellWidth + layout.gap);
    const y0 = layout.top + 1 * (layout.cellHeight + layout.gap);
    for (const [px, py] of [
      [0, 0],
      [cell.width - 1, cell.height - 1],
      [7, 13],
    ]) {
      const want = Array.from(cellRaw.data.subarray((py * cellRaw.info.width + px) * 3, (py * cellRaw.info.width + px) * 3 + 3));
      expect(at(x0 + px * layout.scale, y0 + py * layout.scale)).toEqual(want);
    }
    const darkIn = (x0b: number, y0b: number, x1b: number, y1b: number) => {
      let dark = 0;
      for (let y = y0b; y < y1b; y++) for (let x = x0b; x < x1b; x++) if (at(x, y).every((v) => v < 128)) dark++;
      return dark;
    };
    // column labels above each column, the axis title above them, the row labels left of each row
    for (let c = 0; c < 3; c++) {
      const x = layout.left + c * (layout.cellWidth + layout.gap);
      expect(darkIn(x, layout.top - 22, x + layout.cellWidth, layout.top), `label of column ${c}`).toBeGreaterThan(5);
    }
    expect(darkIn(layout.left, 0, layout.width, layout.top - 22), "the column axis title").toBeGreaterThan(20);
    for (let r = 0; r < 2; r++) {
      const y = layout.top + r * (layout.cellHeight + layout.gap);
      expect(darkIn(32, y, layout.left, y + layout.cellHeight), `label of row ${r}`).toBeGreaterThan(5);
    }
  });

  it("a second run of the same sweep reuses every upstream node and still stores each cell and the grid", async () => {
    const wf = guidanceBySeed();
    await executeRun(services, wf, { runId: "sweep-2a" });
    services.saved.length = 0;
    const again = await executeRun(services, wf, { runId: "sweep-2b" });
    for (const c of again.sweep!.cells) expect([...c.ran].sort(), c.label).toEqual(["preview", "save"]);
    expect(services.saved.filter((s) => s.info.kind === "image")).toHaveLength(7);
  });

  it("a one-axis sweep over a range makes one row", async () => {
    const wf = tinyTextToImage({ seed: { seed: 3 } });
    wf.sweep = { axes: [{ node: "decoderScheduler", param: "numInferenceSteps", range: { from: 2, to: 4, step: 1 } }] };
    const report = await executeRun(services, wf, { runId: "sweep-3" });
    expect(report.sweep!.cells.map((c) => c.overrides[0].value)).toEqual([2, 3, 4]);
    const grid = services.saved.find((s) => s.info.sweep?.grid)!;
    const info = JSON.parse(readPngTextChunks(grid.png)[SWEEP_PNG_KEYWORD]) as SweepGridInfo;
    expect([info.columns, info.rows]).toEqual([3, 1]);
    expect(info.axes[0].title).toBe("Decoder scheduler · Steps");
  });

  it("stops between steps when cancelled, with no grid", async () => {
    const controller = new AbortController();
    const wf = guidanceBySeed();
    let afterAbort = 0;
    const onEvent = (e: RunEvent) => {
      if (e.type !== "node.progress") return;
      if (controller.signal.aborted) afterAbort += 1;
      // in the second cell's decoder
      else if (e.nodeId === "decoder" && e.step === 1 && services.saved.some((s) => s.info.sweep?.cell === 0 && s.nodeId === "save")) controller.abort();
    };
    await expect(executeRun(services, wf, { runId: "sweep-4", signal: controller.signal, onEvent })).rejects.toBeInstanceOf(CancelledError);
    expect(afterAbort).toBeLessThanOrEqual(1);
    expect(services.saved.some((s) => s.info.sweep?.grid)).toBe(false);
    expect(services.saved.some((s) => s.info.sweep?.cell === 2)).toBe(false);
  });
});

describe("sweep checks", () => {
  const base = () => tinyTextToImage();

  it("refuses an unknown node, an unknown parameter and a parameter fed by a wire, naming them", () => {
    const wf = base();
    wf.sweep = { axes: [{ node: "nope", param: "x", values: [1] }] };
    expect(problems(wf).map((e) => e.message)).toEqual(['sweep axis 1: no node "nope" in the workflow']);
    wf.sweep = { axes: [{ node: "decoder", param: "guidance", values: [1] }] };
    expect(problems(wf)[0]).toMatchObject({ code: "unknown_port", nodeId: "decoder", param: "guidance" });
    expect(problems(wf)[0].message).toMatch(/^sweep axis 1: Decoder \(decoder\) has no parameter "guidance" \(parameters: .*guidanceScale/);
    wf.sweep = { axes: [{ node: "decoder", param: "seed", values: [1, 2] }] };
    // the decoder's seed parameter is overridden by the wire from the Seed node
    expect(problems(wf)[0]).toMatchObject({ nodeId: "decoder", param: "seed" });
    expect(problems(wf)[0].message).toMatch(
      /parameter "Seed" is taken from the wire from seed, so sweeping it would change nothing; sweep the node it comes from$/,
    );
  });

  it("checks every value with the parameter's own schema, naming node, parameter and value", () => {
    const wf = base();
    wf.sweep = { axes: [{ node: "decoder", param: "guidanceScale", values: [1, 500, 4] }] };
    const [e] = problems(wf);
    expect(e).toMatchObject({ code: "param_out_of_range", nodeId: "decoder", param: "guidanceScale" });
    expect(e.message).toMatch(/^sweep axis 1: Decoder \(decoder\): value 500: parameter "Guidance scale" is out of range/);
    wf.sweep = { axes: [{ node: "seed", param: "seed", values: ["one"] }] };
    expect(problems(wf)[0]).toMatchObject({ code: "param_wrong_type", nodeId: "seed", param: "seed" });
    expect(problems(wf)[0].message).toContain('value "one"');
  });

  it("refuses a randomized seed (each cell would draw its own)", () => {
    const wf = tinyTextToImage({ seed: { randomize: true } });
    wf.sweep = { axes: [{ node: "seed", param: "seed", values: [1, 2] }] };
    expect(problems(wf)[0].message).toMatch(/Randomize on.*turn Randomize off/);
  });

  it("holds the cells and the images of all cells to their limits, up front", () => {
    const wf = base();
    wf.sweep = {
      axes: [
        { node: "decoder", param: "guidanceScale", values: [1, 2, 3, 4, 5] },
        { node: "seed", param: "seed", values: [1, 2, 3, 4] },
      ],
    };
    const [cells] = problems(wf);
    expect(cells).toMatchObject({ code: "limit_exceeded", nodeId: "decoder", param: "guidanceScale" });
    expect(cells.message).toBe("the sweep: sweep cells limit exceeded: 20 asked for, the limit is 16 (set UNCLIP_MAX_SWEEP_CELLS to raise it)");
    // 3 × 2 cells of 4 images each: 24 images
    const four = tinyTextToImage({ prior: { numImagesPerPrompt: 4 } });
    four.sweep = guidanceBySeed().sweep;
    expect(problems(four)[0].message).toBe(
      "the sweep: 6 cells make 24 images; images per run limit exceeded: 24 asked for, the limit is 16 (set UNCLIP_MAX_IMAGES_PER_RUN to raise it)",
    );
    expect(problems(four, { ...DEFAULT_LIMITS, maxImagesPerRun: 24 })).toEqual([]);
    // a cell's own values are checked against the work limits too, naming the cell
    const steps = base();
    steps.sweep = { axes: [{ node: "decoderScheduler", param: "numInferenceSteps", values: [2, 300] }] };
    expect(problems(steps)[0].message).toMatch(/^sweep cell Decoder scheduler · Steps = 300: .*steps per sampler limit exceeded: 300 asked for/);
  });

  it("is refused by the executor before anything runs", async () => {
    const wf = base();
    wf.sweep = { axes: [{ node: "decoder", param: "guidanceScale", values: [1, 500] }] };
    await expect(executeRun(services, wf, { runId: "bad-sweep" })).rejects.toBeInstanceOf(ValidationFailed);
    expect(services.saved).toHaveLength(0);
  });

  it("refuses malformed sweeps when parsing: three axes, a range and a list, a huge range, an axis twice", () => {
    const refuse = (sweep: unknown) => {
      try {
        parseWorkflow({ ...base(), sweep });
      } catch (err) {
        expect(err).toBeInstanceOf(WorkflowFormatError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    const axis = (node: string) => ({ node, param: "p", values: [1] });
    expect(refuse({ axes: [axis("a"), axis("b"), axis("c")] })).toMatch(/^sweep\.axes: .*2/);
    expect(refuse({ axes: [{ node: "a", param: "p", values: [1], range: { from: 1, to: 2, step: 1 } }] })).toMatch(/needs either "values" or "range"/);
    expect(refuse({ axes: [{ node: "a", param: "p", range: { from: 0, to: 1e12, step: 1 } }] })).toMatch(/gives 1000000000001 values; at most 64 per axis/);
    expect(refuse({ axes: [{ node: "a", param: "p", range: { from: 5, to: 1, step: 1 } }] })).toMatch(/"to" \(1\) is below "from" \(5\)/);
    expect(refuse({ axes: [axis("a"), axis("a")] })).toMatch(/both axes sweep a\.p/);
    expect(refuse({ axes: [] })).toMatch(/^sweep\.axes/);
  });
});
