/** `unclip run` with a sweep: the template's own sweep on the default model, --sweep flags, refusals. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import { COMPARE_GUIDANCE_TEMPLATE } from "../../nodes/core/sweepTemplates";
import { templateByName } from "../../nodes/core/templates";
import { parseWorkflow } from "../../nodes/core/workflow";
import { SWEEP_PNG_KEYWORD, type SweepGridInfo } from "../../server/graph/sweep";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { describeWithFixtures, FIXTURES_DIR } from "../helpers/fixtures";
import { runUnclip } from "../helpers/cli";

const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-cli-sweep-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const unclip = (args: string[]) => runUnclip(args, { cwd: tmp });

const templateFile = path.join(tmp, "compare-guidance.json");
writeFileSync(templateFile, JSON.stringify(templateByName(COMPARE_GUIDANCE_TEMPLATE), null, 2));
const textToImageFile = path.join(tmp, "text-to-image.json");
writeFileSync(textToImageFile, JSON.stringify(templateByName("Text to image"), null, 2));

const CELLS = ["cell-01-save-0.png", "cell-02-save-0.png", "cell-03-save-0.png", "cell-04-save-0.png", "cell-05-save-0.png", "cell-06-save-0.png"];
const pixels = async (file: string) =>
  Buffer.from(
    await sharp(await readFile(file))
      .raw()
      .toBuffer(),
  );

describe("unclip run --sweep: refusals (exit 2, nothing written)", () => {
  it("names a value the parameter refuses, an unknown parameter, and more than two axes", async () => {
    const out = path.join(tmp, "refused");
    const bad = await unclip(["run", textToImageFile, "--quiet", "--output-dir", out, "--sweep", "decoder.guidanceScale=1,500", "--sweep", "seed.nosuch=1,2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/sweep axis 1: Decoder \(decoder\): value 500: parameter "Guidance scale" is out of range/);
    const unknown = await unclip(["run", textToImageFile, "--quiet", "--output-dir", out, "--sweep", "seed.nosuch=1,2"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/sweep axis 1: Seed \(seed\) has no parameter "nosuch"/);
    const three = await unclip(["run", textToImageFile, "--quiet", "--output-dir", out, "--sweep", "a.b=1", "--sweep", "c.d=1", "--sweep", "e.f=1"]);
    expect(three.code).toBe(2);
    expect(three.stderr).toMatch(/--sweep: at most 2 parameters \(a grid has two axes\), got 3/);
    const many = await unclip(["run", textToImageFile, "--quiet", "--output-dir", out, "--sweep", "seed.seed=1..20"]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/sweep cells limit exceeded: 20 asked for, the limit is 16 \(set UNCLIP_MAX_SWEEP_CELLS to raise it\)/);
    expect(readdirSync(tmp)).not.toContain("refused");
  });
});

describe("unclip run: the Compare decoder guidance scales template on the default model", () => {
  it("writes the labelled grid and one PNG per cell; each cell's PNG reproduces that cell", async () => {
    const out = path.join(tmp, "template");
    const r = await unclip(["run", templateFile, "--output-dir", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...CELLS, "sweep-grid.png"]);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .map((f) => path.basename(f))
        .sort(),
    ).toEqual([...CELLS, "sweep-grid.png"]);
    expect(r.stderr).toContain("cell 6/6: Decoder · Guidance scale = 8, Seed · Seed = 2");
    // 13 nodes; the first cell runs all, a new guidance 4 of them, a new seed 7: 36 of 78
    expect(r.stderr).toContain("sweep of 6 cells: 36 node executions (42 saved by the cache)");

    const grid = await readFile(path.join(out, "sweep-grid.png"));
    const text = readPngTextChunks(grid);
    expect(parseWorkflow(text[WORKFLOW_PNG_KEYWORD])).toEqual(templateByName(COMPARE_GUIDANCE_TEMPLATE));
    const info = JSON.parse(text[SWEEP_PNG_KEYWORD]) as SweepGridInfo;
    expect(info.axes.map((a) => a.labels)).toEqual([
      ["1", "4", "8"],
      ["1", "2"],
    ]);
    const meta = await sharp(grid).metadata();
    expect([meta.width, meta.height]).toEqual([info.layout.width, info.layout.height]);

    // the fifth cell (guidance 4, seed 2) run again from its own PNG gives the same pixels
    const again = path.join(tmp, "again");
    const single = await unclip(["run", path.join(out, CELLS[4]), "--quiet", "--output-dir", again]);
    expect(single.code, single.stderr).toBe(0);
    expect(readdirSync(again)).toEqual(["save-0.png"]);
    expect((await pixels(path.join(again, "save-0.png"))).equals(await pixels(path.join(out, CELLS[4])))).toBe(true);
    const cellWf = parseWorkflow(readPngTextChunks(await readFile(path.join(out, CELLS[4])))[WORKFLOW_PNG_KEYWORD]);
    expect(cellWf.nodes.find((n) => n.id === "decoder")!.params.guidanceScale).toBe(4);
    expect(cellWf.nodes.find((n) => n.id === "seed")!.params.seed).toBe(2);
  });
});

describeWithFixtures("unclip run --sweep on unclip-tiny", () => {
  it("decoder.guidanceScale=1,4,8 × seed.seed=1,2 writes the grid and six cells", async () => {
    const out = path.join(tmp, "flags");
    const r = await unclip([
      "run",
      textToImageFile,
      "--quiet",
      "--models-dir",
      FIXTURES_DIR,
      "--set",
      "package.package=unclip-tiny",
      "--set",
      "priorScheduler.numInferenceSteps=2",
      "--set",
      "decoderScheduler.numInferenceSteps=2",
      "--set",
      "superResScheduler.numInferenceSteps=2",
      "--sweep",
      "decoder.guidanceScale=1,4,8",
      "--sweep",
      "seed.seed=1..2",
      "--output-dir",
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...CELLS, "sweep-grid.png"]);
    const wf = parseWorkflow(readPngTextChunks(await readFile(path.join(out, "sweep-grid.png")))[WORKFLOW_PNG_KEYWORD]);
    expect(wf.sweep).toEqual({
      axes: [
        { node: "decoder", param: "guidanceScale", values: [1, 4, 8] },
        { node: "seed", param: "seed", range: { from: 1, to: 2, step: 1 } },
      ],
    });
  });
});
