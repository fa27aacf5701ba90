/** Output and utility nodes on known values: inspector statistics, saving with the workflow, noise, sizes. */
import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { imageFromPixels, imageFromRgb8 } from "../../nodes/engine/images";
import { tensorStats } from "../../nodes/engine/tensorStats";
import { noiseRunner } from "../../nodes/noise/run";
import { previewImageRunner } from "../../nodes/previewImage/run";
import { PRIMITIVE_RUNNERS } from "../../nodes/primitives/run";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import { saveImageRunner } from "../../nodes/saveImage/run";
import { seedRunner } from "../../nodes/seed/run";
import { tensorInspectorRunner } from "../../nodes/tensorInspector/run";
import type { InspectEntry } from "../../nodes/tensorInspector/run";
import type { ArtifactRef, NodeRunContext } from "../../nodes/engine/runContext";
import { valueBytes } from "../../nodes/engine/values";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { NoiseStream } from "../../server/unclip/noise";
import { writeNpy } from "../../server/unclip/npy";
import { stageNoise } from "../../server/unclip/stageNoise";
import { float32, int64 } from "../../server/unclip/tensor";
import { implementationOf, runNode } from "./runNode";

function fakeContext(workflowJson = "{}", uploads: Record<string, Uint8Array> = {}) {
  const saved: { png: Uint8Array; info: { width: number; height: number; kind: string; index: number } }[] = [];
  const ctx: NodeRunContext = {
    runId: "r",
    nodeId: "n",
    signal: new AbortController().signal,
    previewEvery: 0,
    trace: false,
    addTrace: () => {},
    progress: () => {},
    loadPackage: () => Promise.reject(new Error("no packages here")),
    readUpload: (name) => Promise.resolve(uploads[name] ?? Promise.reject(new Error(`no upload ${name}`))),
    saveImage: (png, info): Promise<ArtifactRef> => {
      saved.push({ png, info });
      return Promise.resolve({ id: String(saved.length), url: `/x/${saved.length}`, width: info.width, height: info.height, kind: info.kind });
    },
    workflowJson,
  };
  return { ctx, saved };
}

describe("tensor statistics", () => {
  it("are right on a known tensor", () => {
    const s = tensorStats(float32([2, 2], Float32Array.from([1, 2, 3, 4])), 4);
    expect(s).toMatchObject({ shape: [2, 2], dtype: "float32", count: 4, nonFinite: 0, min: 1, max: 4, mean: 2.5 });
    expect(s.std).toBeCloseTo(Math.sqrt(1.25), 12); // population std of 1..4
    expect(s.histogram).toEqual({ min: 1, max: 4, counts: [1, 1, 1, 1] });
  });

  it("leave non-finite values out and count them, and handle int64 and constant tensors", () => {
    const s = tensorStats(float32([4], Float32Array.from([0, Number.NaN, Infinity, 2])));
    expect(s).toMatchObject({ nonFinite: 2, min: 0, max: 2, mean: 1, std: 1 });
    expect(s.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(s.histogram!.counts[31]).toBe(1); // the maximum lands in the last bin
    const i = tensorStats(int64([3], BigInt64Array.from([5n, 5n, 5n])));
    expect(i).toMatchObject({ dtype: "int64", min: 5, max: 5, mean: 5, std: 0 });
    expect(i.histogram!.counts[0]).toBe(3);
  });
});

describe("Tensor Inspector", () => {
  it("reports every tensor of a value with a 32-bin histogram", async () => {
    const { ctx } = fakeContext();
    const value = { kind: "image_embedding", embeds: float32([1, 4], Float32Array.from([-1, 0, 1, 2])) };
    const r = await runNode(tensorInspectorRunner, ctx, { value }, {});
    const entries = (r.ui!.inspect as { entries: InspectEntry[] }).entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ name: "embeds", shape: [1, 4], min: -1, max: 2, mean: 0.5 });
    expect(entries[0].histogram!.counts).toHaveLength(32);
    expect(r.ui!.images).toEqual([]);
  });

  it("shows images as pictures", async () => {
    const { ctx, saved } = fakeContext();
    const image = imageFromPixels(float32([2, 3, 8, 8], new Float32Array(2 * 3 * 64).fill(0.5)));
    const r = await runNode(tensorInspectorRunner, ctx, { value: image }, {});
    expect(r.ui!.images).toHaveLength(2);
    expect(saved.every((s) => s.info.kind === "preview" && s.info.width === 8)).toBe(true);
    const { data } = await sharp(saved[0].png).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBe(191); // round((0.5 · 0.5 + 0.5) · 255)
  });
});

describe("Save Image and Preview Image", () => {
  it("save PNGs with the workflow in a tEXt chunk and the exact pixels", async () => {
    const workflow = JSON.stringify({ format: "unclip-studio/workflow", version: 1, nodes: [], links: [], name: "café ☕" });
    const { ctx, saved } = fakeContext(workflow);
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const r = await runNode(saveImageRunner, ctx, { image: imageFromRgb8([{ width: 4, height: 3, rgb }]) }, {});
    expect(r.ui!.images).toHaveLength(1);
    expect(saved[0].info).toEqual({ width: 4, height: 3, kind: "image", index: 0 });
    expect(readPngTextChunks(saved[0].png)[WORKFLOW_PNG_KEYWORD]).toBe(workflow);
    const { data } = await sharp(saved[0].png).raw().toBuffer({ resolveWithObject: true });
    expect(Uint8Array.from(data)).toEqual(rgb);
  });

  it("previews are not saved as images and carry no workflow", async () => {
    const { ctx, saved } = fakeContext('{"x":1}');
    await runNode(previewImageRunner, ctx, { image: imageFromPixels(float32([1, 3, 8, 8])) }, {});
    expect(saved[0].info.kind).toBe("preview");
    expect(readPngTextChunks(saved[0].png)[WORKFLOW_PNG_KEYWORD]).toBeUndefined();
  });

  it("refuse something that is not an image, naming the port", async () => {
    const { ctx } = fakeContext();
    await expect(runNode(saveImageRunner, ctx, { image: float32([1, 3, 8, 8]) }, {})).rejects.toThrow(/input "image": expected an image, got a float32 tensor/);
  });
});

describe("Noise, Seed and primitives", () => {
  it('draws the named stream, so "decoder:latents" is exactly the decoder\'s own starting noise', async () => {
    const { ctx } = fakeContext();
    const r = await runNode(noiseRunner, ctx, { seed: 11 }, { shape: "1,3,8,8", stream: "decoder:latents", seed: 3 });
    const mine = r.outputs.latents as { shape: number[]; data: Float32Array };
    const theirs = stageNoise("decoder", [1, 3, 8, 8], 2, { seed: 11, latentsName: "l", stepNoiseName: "s" }).latents;
    expect(mine.shape).toEqual([1, 3, 8, 8]);
    expect(Array.from(mine.data)).toEqual(Array.from(theirs.data));
    const plain = await runNode(noiseRunner, ctx, {}, { shape: "2, 5", seed: 3 });
    expect(Array.from((plain.outputs.latents as { data: Float32Array }).data)).toEqual(Array.from(new NoiseStream(3, "noise").randn(10)));
    await expect(runNode(noiseRunner, ctx, {}, { shape: "1,x" })).rejects.toThrow(/parameter "Shape"/);
  });

  it("reads noise from an uploaded .npy", async () => {
    const npy = writeNpy(float32([2, 2], Float32Array.from([1, 2, 3, 4])));
    const { ctx } = fakeContext("{}", { "n.npy": npy });
    const r = await runNode(noiseRunner, ctx, {}, { source: "file", file: "n.npy" });
    expect(r.outputs.latents).toEqual(float32([2, 2], Float32Array.from([1, 2, 3, 4])));
    const ints = writeNpy(int64([1], BigInt64Array.from([1n])));
    const { ctx: c2 } = fakeContext("{}", { "i.npy": ints });
    await expect(runNode(noiseRunner, c2, {}, { source: "file", file: "i.npy" })).rejects.toThrow(/i\.npy: holds int64 values/);
  });

  it("seed nodes give their seed or a fresh one, and primitives their value", async () => {
    const { ctx } = fakeContext();
    expect((await runNode(seedRunner, ctx, {}, { seed: 123 })).outputs.seed).toBe(123);
    const random = (await runNode(seedRunner, ctx, {}, { seed: 123, randomize: true })).outputs.seed as number;
    expect(Number.isSafeInteger(random) && random >= 0).toBe(true);
    expect((await runNode(implementationOf(PRIMITIVE_RUNNERS, "unclip.float"), ctx, {}, { value: 0.25 })).outputs.value).toBe(0.25);
    await expect(runNode(implementationOf(PRIMITIVE_RUNNERS, "unclip.int"), ctx, {}, { value: 0.5 })).rejects.toThrow(/Integer: parameter "Value"/);
  });
});

describe("valueBytes", () => {
  it("counts typed arrays and nested values", () => {
    const image = imageFromRgb8([{ width: 2, height: 2, rgb: new Uint8Array(12) }]);
    expect(valueBytes(image)).toBeGreaterThanOrEqual(12 * 4 + 12);
    expect(valueBytes(image)).toBeLessThan(12 * 4 + 12 + 400);
    expect(valueBytes(float32([1000]))).toBeGreaterThanOrEqual(4000);
    expect(valueBytes(7)).toBe(8);
    expect(valueBytes(undefined)).toBe(0);
    const shared = float32([100]);
    expect(valueBytes({ a: shared, b: shared })).toBeLessThan(2 * 400);
  });
});
