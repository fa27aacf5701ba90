/** `unclip run`: a saved workflow executed headless, as a real process. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import { templateByName } from "../../nodes/core/templates";
import { parseWorkflow } from "../../nodes/core/workflow";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { describeWithFixtures, FIXTURES_DIR } from "../helpers/fixtures";
import { runUnclip } from "../helpers/cli";

const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-cli-run-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// an empty models directory with one package folder: enough for validation, nothing can load
const fakeModels = path.join(tmp, "models");
mkdirSync(path.join(fakeModels, "pkg"), { recursive: true });

const workflowFile = path.join(tmp, "text-to-image.json");
writeFileSync(workflowFile, JSON.stringify(templateByName("Text to image"), null, 2));

const unclip = (args: string[], cwd = tmp) => runUnclip(args, { cwd });

const tinySets = [
  "--set",
  "package.package=unclip-tiny",
  "--set",
  "priorScheduler.numInferenceSteps=2",
  "--set",
  "decoderScheduler.numInferenceSteps=2",
  "--set",
  "superResScheduler.numInferenceSteps=2",
  "--set",
  "seed.seed=31",
  "--set",
  "tokenizer.prompt=a green star",
];

describe("unclip run: refusals", () => {
  it("names every bad --set and every validation problem, one per line, exit 2", async () => {
    const r = await unclip([
      "run",
      workflowFile,
      "--models-dir",
      fakeModels,
      "--quiet",
      "--set",
      "package.package=pkg",
      "--set",
      "nosuchnode.seed=1",
      "--set",
      "decoder.nosuchparam=1",
      "--set",
      "decoder.guidanceScale=loud",
      "--set",
      "priorScheduler.numInferenceSteps=1",
      "--set",
      "missing-equals",
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toBe(`unclip run: ${workflowFile}: 5 problems:`);
    expect(lines).toHaveLength(6);
    expect(r.stderr).toContain('--set nosuchnode.seed: no node "nosuchnode" in the workflow');
    expect(r.stderr).toContain(
      '--set decoder.nosuchparam: Decoder (decoder) has no parameter "nosuchparam" (parameters: guidanceScale, seed, startStep, endStep)',
    );
    expect(r.stderr).toMatch(/Decoder \(decoder\): parameter "Guidance scale" has the wrong type: .*\(got "loud"\) \(from --set decoder.guidanceScale=loud\)/);
    expect(r.stderr).toMatch(/Prior scheduler \(priorScheduler\): parameter "Steps" is out of range: .*\(got 1\)/);
    expect(r.stderr).toContain("--set missing-equals: expected NODE_ID.PARAM=VALUE");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("reports a model package that is not in the models directory, exit 2", async () => {
    const r = await unclip(["run", workflowFile, "--models-dir", fakeModels, "--set", "package.package=../outside"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Load Model Package (package): model "../outside" is not a folder inside the models directory');
  });

  it("refuses a file that is not a workflow, or not there, in one line, exit 2", async () => {
    const cases: [string, string, RegExp][] = [
      ["not-json.json", "{ nodes: ", /not-json\.json: not valid JSON/],
      [
        "wrong-format.json",
        JSON.stringify({ format: "other", version: 1, nodes: [], links: [] }),
        /wrong-format\.json: "format" must be "unclip-studio\/workflow", not "other"/,
      ],
      [
        "newer.json",
        JSON.stringify({ ...templateByName("Text to image"), version: 99 }),
        /newer\.json: workflow format version 99 is newer than this app supports/,
      ],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(path.join(tmp, name), text);
      const r = await unclip(["run", name, "--models-dir", fakeModels]);
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split("\n"), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(message);
    }
    const missing = await unclip(["run", "nope.json", "--models-dir", fakeModels]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("unclip run: nope.json: no such file");
  });

  it("reports an invalid graph (unknown node type, links to a missing node) with every problem", async () => {
    // (without its frames: a frame naming a node that is gone is refused by parsing, before validation)
    const { groups: _frames, ...wf } = templateByName("Text to image")!;
    const broken = { ...wf, nodes: [...wf.nodes.filter((n) => n.id !== "textEncoder"), { id: "extra", type: "someone.elses_node", params: {} }] };
    writeFileSync(path.join(tmp, "broken.json"), JSON.stringify(broken));
    const r = await unclip(["run", "broken.json", "--models-dir", fakeModels, "--set", "package.package=pkg"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('extra: unknown node type "someone.elses_node"');
    expect(r.stderr).toContain('refers to node "textEncoder", which is not in the workflow');
  });

  it("checks its own flags", async () => {
    const none = await unclip(["run"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("a workflow file is required");
    const device = await unclip(["run", workflowFile, "--device", "tpu"]);
    expect(device.code).toBe(2);
    expect(device.stderr).toContain("--device must be one of auto, cpu, cuda");
    const dir = await unclip(["run", workflowFile, "--models-dir", path.join(tmp, "no-such-dir")]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain("is not a folder");
    const help = await unclip(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: unclip run WORKFLOW.json");
  });
});

describe("unclip run without models", () => {
  it("reads a Load Image path relative to the working directory and saves under a safe file name", async () => {
    const red = await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .png()
      .toBuffer();
    writeFileSync(path.join(tmp, "red.png"), red);
    const wf = {
      format: "unclip-studio/workflow",
      version: 1,
      nodes: [
        { id: "load", type: "unclip.load_image", params: { image: "red.png" } },
        { id: "out image", type: "unclip.save_image" },
      ],
      links: [{ id: "l1", from: { node: "load", port: "image" }, to: { node: "out image", port: "image" } }],
    };
    writeFileSync(path.join(tmp, "copy.json"), JSON.stringify(wf));
    const r = await unclip(["run", "copy.json", "--models-dir", fakeModels, "--output-dir", "copies", "--quiet"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // a node id is made safe for a file name
    expect(r.stdout).toBe(`${path.join("copies", "out_image-0.png")}\n`);
    const saved = await readFile(path.join(tmp, "copies", "out_image-0.png"));
    const { data, info } = await sharp(saved).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([6, 4]);
    expect([...data.subarray(0, 3)]).toEqual([255, 0, 0]);
    expect(parseWorkflow(readPngTextChunks(saved)[WORKFLOW_PNG_KEYWORD]).nodes.map((n) => n.id)).toEqual(["load", "out image"]);
  });
});

describeWithFixtures("unclip run on unclip-tiny", () => {
  it("runs the Text to image template into --output-dir and prints the files written", async () => {
    const out = path.join(tmp, "out");
    const r = await unclip(["run", workflowFile, "--models-dir", FIXTURES_DIR, "--output-dir", out, "--device", "cpu", ...tinySets]);
    expect(r.stderr).not.toContain("unclip run:");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path.join(out, "save-0.png")}\n`);
    // progress per sampling node, then a summary, all on stderr
    expect(r.stderr).toMatch(/decoder\s+2\/2 steps/);
    expect(r.stderr).toMatch(/ran 13 nodes in [\d.]+ s/);
    expect(readdirSync(out)).toEqual(["save-0.png"]);
    const png = await readFile(path.join(out, "save-0.png"));
    expect((await sharp(png).metadata()).width).toBe(64);
    // the PNG carries the workflow as run, --set values included
    const embedded = parseWorkflow(readPngTextChunks(png)[WORKFLOW_PNG_KEYWORD]);
    expect(embedded.nodes.find((n) => n.id === "seed")!.params.seed).toBe(31);
    expect(embedded.nodes.find((n) => n.id === "tokenizer")!.params.prompt).toBe("a green star");

    // that PNG runs again as a workflow, to the same pixels, into a new file beside the first
    const again = await unclip(["run", path.join(out, "save-0.png"), "--models-dir", FIXTURES_DIR, "--output-dir", out, "--device", "cpu", "--quiet"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
    expect(again.stdout).toBe(`${path.join(out, "save-0-1.png")}\n`);
    const first = await sharp(png).raw().toBuffer();
    const second = await sharp(await readFile(path.join(out, "save-0-1.png")))
      .raw()
      .toBuffer();
    expect(second.equals(first)).toBe(true);
  });
});
