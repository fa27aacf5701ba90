/** `unclip export-python`: the editor's diffusers export from the command line, as a real process. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { templateByName } from "../../nodes/core/templates";
import { describeWithFixtures, TINY_PACKAGE } from "../helpers/fixtures";
import { runUnclip } from "../helpers/cli";

const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-cli-export-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A package whose model_index.json records the hub id it came from (the tiny package's parts, linked). */
function packageWithSource(name: string, source: string): string {
  const models = path.join(tmp, "models");
  const dir = path.join(models, name);
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(TINY_PACKAGE)) {
    if (entry !== "model_index.json") symlinkSync(path.join(TINY_PACKAGE, entry), path.join(dir, entry));
  }
  const index = JSON.parse(readFileSync(path.join(TINY_PACKAGE, "model_index.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(path.join(dir, "model_index.json"), JSON.stringify({ ...index, _name_or_path: source }));
  return models;
}

function workflowFile(name: string, pkg: string): string {
  const wf = structuredClone(templateByName(name)!);
  for (const n of wf.nodes) if ("package" in n.params) n.params.package = pkg;
  const file = path.join(tmp, `${name.replace(/\W+/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(wf));
  return file;
}

describeWithFixtures("unclip export-python", () => {
  it("writes the UnCLIPPipeline call with the model id the package records", async () => {
    const models = packageWithSource("karlo-like", "kakaobrain/karlo-v1-alpha");
    const out = path.join(tmp, "t2i.py");
    const r = await runUnclip(["export-python", workflowFile("Text to image", "karlo-like"), "--models-dir", models, "--output", out], { cwd: tmp });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const script = readFileSync(out, "utf8");
    expect(script).toContain('pipe = UnCLIPPipeline.from_pretrained("kakaobrain/karlo-v1-alpha")');
    expect(script).toContain("prior_num_inference_steps=25,");
  });

  it("refuses a graph diffusers cannot express, naming its nodes (exit 2)", async () => {
    const r = await runUnclip(["export-python", workflowFile("Prompt interpolation", "toy-shapes")], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Interpolate Text Embeddings \(Frames\) \(interpolate\) has no diffusers equivalent/);
  });
});
