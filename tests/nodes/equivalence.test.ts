/**
 * The default templates reproduce the pipelines bit for bit: same prompts, steps, guidance and
 * seed through the node runners give exactly the pixels of text2image / imageVariation.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, expect, it } from "vitest";
import { DEFAULT_PACKAGE_PRIOR_GUIDANCE, templateByName } from "../../nodes/core/templates";
import type { ImageValue, TextEmbeddingValue } from "../../nodes/engine/values";
import { CancelledError } from "../../server/errors";
import { readPngTextChunks, toRgb8 } from "../../server/unclip/imageOutput";
import { decodeImage } from "../../server/unclip/imageProcessor";
import { imageVariation } from "../../server/unclip/pipelineImageVariation";
import { text2image } from "../../server/unclip/pipelineText2Image";
import { toImageArray } from "../../server/unclip/superResStage";
import type { Float32NdArray } from "../../server/unclip/tensor";
import { describeWithFixtures, TINY_CASES } from "../helpers/fixtures";
import { NodeHarness } from "./harness";

const PACKAGE = "unclip-tiny";
const harness = new NodeHarness();
afterAll(() => harness.release());

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function finalImages(results: Map<string, { outputs: Record<string, unknown> }>): Float32NdArray {
  return toImageArray((results.get("superRes")!.outputs.image as ImageValue).pixels);
}

/** The saved PNGs decode to diffusers' 8-bit rounding of the pipeline's images. */
async function expectSavedPngsMatch(images: Float32NdArray) {
  const saved = harness.saved.filter((s) => s.nodeId === "save");
  expect(saved).toHaveLength(images.shape[0]);
  for (const [i, s] of saved.entries()) {
    const { data } = await sharp(s.png).raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.from(data).equals(Buffer.from(toRgb8(images, i).rgb)), `image ${i}`).toBe(true);
  }
}

function steps(prior: number, decoder: number, superRes: number) {
  return {
    priorScheduler: { numInferenceSteps: prior },
    decoderScheduler: { numInferenceSteps: decoder },
    superResScheduler: { numInferenceSteps: superRes },
  };
}

describeWithFixtures("node templates reproduce the pipelines", () => {
  it("Text to image equals text2image for the same seed, bit for bit", async () => {
    const template = templateByName("Text to image")!;
    harness.saved.length = 0;
    const results = await harness.runWorkflow(template, {
      package: { package: PACKAGE },
      seed: { seed: 1234 },
      tokenizer: { prompt: "a red circle" },
      ...steps(3, 3, 2),
    });
    const c = await harness.loadPackage(PACKAGE);
    const ref = await text2image(c, {
      prompt: "a red circle",
      seed: 1234,
      // the template starts from the default toy package's prior guidance (its _pipeline_defaults), not unclip-tiny's
      priorGuidanceScale: DEFAULT_PACKAGE_PRIOR_GUIDANCE,
      priorNumInferenceSteps: 3,
      decoderNumInferenceSteps: 3,
      superResNumInferenceSteps: 2,
    });
    const images = finalImages(results);
    expect(images.shape).toEqual(ref.images.shape);
    expect(sameBits(images.data, ref.images.data)).toBe(true);
    await expectSavedPngsMatch(ref.images);
    const embedded = JSON.parse(readPngTextChunks(harness.saved.find((s) => s.nodeId === "save")!.png)["unclip-studio-workflow"]) as {
      nodes: { id: string; params: Record<string, unknown> }[];
    };
    expect(embedded.nodes.find((n) => n.id === "seed")!.params.seed).toBe(1234);
  });

  it("also with several prompts, several images per prompt, other guidance scales", async () => {
    const template = templateByName("Text to image")!;
    const results = await harness.runWorkflow(template, {
      package: { package: PACKAGE },
      seed: { seed: 77 },
      tokenizer: { prompt: "a blue square\na green star", batch: true },
      prior: { numImagesPerPrompt: 2, guidanceScale: 2.5 },
      decoder: { guidanceScale: 5 },
      ...steps(2, 3, 2),
    });
    const c = await harness.loadPackage(PACKAGE);
    const ref = await text2image(c, {
      prompt: ["a blue square", "a green star"],
      numImagesPerPrompt: 2,
      priorGuidanceScale: 2.5,
      decoderGuidanceScale: 5,
      seed: 77,
      priorNumInferenceSteps: 2,
      decoderNumInferenceSteps: 3,
      superResNumInferenceSteps: 2,
    });
    expect(sameBits(finalImages(results).data, ref.images.data)).toBe(true);
  });

  it("and without classifier-free guidance (both scales 1, both toggles off)", async () => {
    const template = templateByName("Text to image")!;
    const results = await harness.runWorkflow(template, {
      package: { package: PACKAGE },
      seed: { seed: 5 },
      tokenizer: { prompt: "a pink ring" },
      prior: { guidanceScale: 1, classifierFreeGuidance: false },
      textProj: { classifierFreeGuidance: false },
      decoder: { guidanceScale: 1 },
      ...steps(2, 2, 2),
    });
    const c = await harness.loadPackage(PACKAGE);
    const ref = await text2image(c, {
      prompt: "a pink ring",
      priorGuidanceScale: 1,
      decoderGuidanceScale: 1,
      seed: 5,
      priorNumInferenceSteps: 2,
      decoderNumInferenceSteps: 2,
      superResNumInferenceSteps: 2,
    });
    expect(sameBits(finalImages(results).data, ref.images.data)).toBe(true);
  });

  it("Image variation equals imageVariation for the variation case's input.png", async () => {
    const png = await readFile(path.join(TINY_CASES, "variation-image", "input.png"));
    harness.uploads.set("input.png", png);
    harness.saved.length = 0;
    const template = templateByName("Image variation")!;
    const results = await harness.runWorkflow(template, {
      package: { package: PACKAGE },
      seed: { seed: 106 },
      image: { image: "input.png" },
      imageEncoder: { numImagesPerPrompt: 2 },
      decoderScheduler: { numInferenceSteps: 4 },
      superResScheduler: { numInferenceSteps: 3 },
    });
    const c = await harness.loadPackage(PACKAGE);
    const ref = await imageVariation(c, {
      image: await decodeImage(png, "input.png"),
      numImagesPerPrompt: 2,
      seed: 106,
      decoderNumInferenceSteps: 4,
      superResNumInferenceSteps: 3,
      recordIntermediates: true,
    });
    const pixelValues = results.get("imageProcessor")!.outputs.pixelValues as Float32NdArray;
    expect(sameBits(pixelValues.data, ref.intermediates!.pixel_values.data as Float32Array)).toBe(true);
    expect(sameBits(finalImages(results).data, ref.images.data)).toBe(true);
    await expectSavedPngsMatch(ref.images);
  });

  it("Prompt interpolation makes one image per frame, from the first prompt to the second", async () => {
    const template = templateByName("Prompt interpolation")!;
    const results = await harness.runWorkflow(template, {
      package: { package: PACKAGE },
      interpolate: { frames: 3 },
      ...steps(2, 2, 2),
    });
    const text = results.get("interpolate")!.outputs.embedding as TextEmbeddingValue;
    const a = results.get("textEncoderA")!.outputs.embedding as TextEmbeddingValue;
    const b = results.get("textEncoderB")!.outputs.embedding as TextEmbeddingValue;
    const D = a.cond.promptEmbeds.shape[1];
    expect(text.cond.promptEmbeds.shape).toEqual([3, D]);
    expect(sameBits(text.cond.promptEmbeds.data.subarray(0, D), a.cond.promptEmbeds.data)).toBe(true);
    expect(sameBits(text.cond.promptEmbeds.data.subarray(2 * D), b.cond.promptEmbeds.data)).toBe(true);
    expect(finalImages(results).shape).toEqual([3, 64, 64, 3]);
  });

  it("samplers report every step, attach previews on image stages, and stop when cancelled", async () => {
    const template = templateByName("Text to image")!;
    harness.progress.length = 0;
    harness.previewEvery = 2;
    try {
      await harness.runWorkflow(template, { package: { package: PACKAGE }, tokenizer: { prompt: "x" }, ...steps(2, 4, 2) });
    } finally {
      harness.previewEvery = 0;
    }
    const of = (node: string) => harness.progress.filter((p) => p.nodeId === node);
    expect(of("prior").map((p) => p.step)).toEqual([0, 1, 2]);
    expect(of("prior").some((p) => p.preview)).toBe(false);
    expect(of("decoder").map((p) => [p.step, Boolean(p.preview)])).toEqual([
      [0, false],
      [1, false],
      [2, true],
      [3, false],
      [4, true],
    ]);
    const preview = of("decoder")[2].preview!;
    expect(Array.from(preview.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    const decoderSize = (await harness.loadPackage(PACKAGE)).pkg.configs.decoder!.sample_size;
    expect((await sharp(preview).metadata()).width).toBe(decoderSize);

    const controller = new AbortController();
    harness.signal = controller.signal;
    const ctxProgress = harness.progress.length;
    const stopAt = (e: { nodeId: string; step: number }) => e.nodeId === "decoder" && e.step === 2 && controller.abort();
    const push = harness.progress.push.bind(harness.progress);
    harness.progress.push = (...items) => {
      items.forEach(stopAt);
      return push(...items);
    };
    try {
      const err = await harness
        .runWorkflow(template, { package: { package: PACKAGE }, tokenizer: { prompt: "y" }, ...steps(2, 6, 2) })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
    } finally {
      harness.signal = new AbortController().signal;
      harness.progress.push = push;
    }
    expect(
      harness.progress
        .slice(ctxProgress)
        .filter((p) => p.nodeId === "decoder")
        .at(-1)!.step,
    ).toBe(2);
  });
});
