import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_PACKAGE_PRIOR_GUIDANCE, templateByName } from "../../nodes/core/templates";
import { PackageError } from "../../server/errors";
import { loadModelPackage } from "../../server/runtime/modelPackage";
import { defaultsFor, readPipelineDefaults } from "../../server/runtime/pipelineDefaults";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { text2image } from "../../server/unclip/pipelineText2Image";
import { measureAttributes } from "../../scripts/lib/toyAttributes";

const root = path.resolve(import.meta.dirname, "../..");
const TOY = path.join(root, "models/toy-shapes");
const toyIndex = JSON.parse(readFileSync(path.join(TOY, "model_index.json"), "utf8")) as Record<string, unknown>;

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** The toy package with another model_index.json: its component folders linked, not copied. */
function toyWithIndex(index: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "unclip-defaults-"));
  roots.push(dir);
  for (const entry of readdirSync(TOY, { withFileTypes: true })) {
    if (entry.isDirectory()) symlinkSync(path.join(TOY, entry.name), path.join(dir, entry.name));
  }
  writeFileSync(path.join(dir, "model_index.json"), JSON.stringify(index));
  return dir;
}

describe("a package's own pipeline defaults (model_index.json _pipeline_defaults)", () => {
  it("absent: none, so diffusers' defaults apply", () => {
    expect(readPipelineDefaults("/p", { _class_name: "UnCLIPPipeline" })).toEqual({});
  });

  it("maps diffusers' argument names to the pipelines' option names", () => {
    const d = readPipelineDefaults("/p", { _pipeline_defaults: { prior_guidance_scale: 1.5, decoder_num_inference_steps: 10 } });
    expect(d).toEqual({ priorGuidanceScale: 1.5, decoderNumInferenceSteps: 10 });
    // the variation pipeline has no prior: it takes only the decoder's and super-res settings
    expect(defaultsFor(d, ["decoderGuidanceScale", "decoderNumInferenceSteps"])).toEqual({ decoderNumInferenceSteps: 10 });
  });

  it("a bad value is the package's error, naming the file and the key", async () => {
    const dir = toyWithIndex({ ...toyIndex, _pipeline_defaults: { prior_guidance_scale: "high" } });
    const err = await loadModelPackage(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as PackageError).code).toBe("bad_config");
    expect((err as Error).message).toContain(path.join(dir, "model_index.json"));
    expect((err as Error).message).toContain("_pipeline_defaults.prior_guidance_scale");
  });

  it("an unknown key or out-of-range step count is named too", async () => {
    const unknown = await loadModelPackage(toyWithIndex({ ...toyIndex, _pipeline_defaults: { guidance: 2 } })).catch((e: Error) => e.message);
    expect(unknown).toMatch(/_pipeline_defaults: unknown key guidance \(known: prior_guidance_scale/);
    const steps = await loadModelPackage(toyWithIndex({ ...toyIndex, _pipeline_defaults: { decoder_num_inference_steps: 0 } })).catch((e: Error) => e.message);
    expect(steps).toContain("_pipeline_defaults.decoder_num_inference_steps");
  });

  it("the default toy package sets prior guidance 1, and the templates built for it start from that value", async () => {
    const pkg = await loadModelPackage(TOY);
    expect(pkg.pipelineDefaults).toEqual({ priorGuidanceScale: 1 });
    expect(DEFAULT_PACKAGE_PRIOR_GUIDANCE).toBe(pkg.pipelineDefaults.priorGuidanceScale);
    for (const name of ["Text to image", "Prompt interpolation"]) {
      const prior = templateByName(name)!.nodes.find((n) => n.type === "unclip.prior")!;
      expect(prior.params.guidanceScale, name).toBe(DEFAULT_PACKAGE_PRIOR_GUIDANCE);
    }
  });
});

describe("text2image on the toy package without a prior guidance scale", () => {
  const palette = (JSON.parse(readFileSync(path.join(root, "training/eval/eval_set.json"), "utf8")) as { colours: Record<string, number[]> }).colours;
  const PROMPT = "a large red circle in the centre on a blue background";

  it("uses the package's 1: the same picture as asking for 1, another than Karlo's 4", async () => {
    const pool = new SessionPool("cpu");
    try {
      const components = await UnclipComponents.load(TOY, pool);
      const byDefault = await text2image(components, { prompt: PROMPT, seed: 0 });
      const asked = await text2image(components, { prompt: PROMPT, seed: 0, priorGuidanceScale: 1 });
      const karlo = await text2image(components, { prompt: PROMPT, seed: 0, priorGuidanceScale: 4 });
      expect(Array.from(byDefault.images.data)).toEqual(Array.from(asked.images.data));
      expect(Array.from(byDefault.images.data)).not.toEqual(Array.from(karlo.images.data));
    } finally {
      await pool.release();
    }
  });

  // the issue's own check: the Text to image template's prompt is a filled red circle in the centre on blue, every seed
  it(`draws "${PROMPT}" as a filled red circle on blue on seeds 0-7`, async () => {
    const pool = new SessionPool("cpu");
    try {
      const components = await UnclipComponents.load(TOY, pool);
      for (let seed = 0; seed < 8; seed++) {
        const { images } = await text2image(components, { prompt: PROMPT, seed });
        const [, h, w] = images.shape;
        const rgb = Uint8Array.from(images.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
        const attributes = measureAttributes({ width: w, height: h, rgb }, palette);
        expect(attributes, `seed ${seed}`).toMatchObject({ colour: "red", fill: "filled", background: "blue", size: "large", position: "centre" });
      }
    } finally {
      await pool.release();
    }
  });
});
