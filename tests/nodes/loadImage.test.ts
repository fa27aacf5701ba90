/** Load Image accepts PNG/JPEG/WebP within the limits and refuses everything else before decoding. */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { loadImageRunner } from "../../nodes/loadImage/run";
import type { NodeRunContext } from "../../nodes/engine/runContext";
import type { ImageValue } from "../../nodes/engine/values";
import { InputError } from "../../server/errors";
import { runNode } from "./runNode";

function ctxWith(uploads: Record<string, Uint8Array>): NodeRunContext {
  return {
    runId: "r",
    nodeId: "n",
    signal: new AbortController().signal,
    previewEvery: 0,
    trace: false,
    addTrace: () => {},
    progress: () => {},
    loadPackage: () => Promise.reject(new Error("unused")),
    readUpload: (name) => Promise.resolve(uploads[name]),
    saveImage: () => Promise.reject(new Error("unused")),
    workflowJson: "{}",
  };
}

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 10, b: 30 } } });

async function load(name: string, bytes: Uint8Array) {
  return runNode(loadImageRunner, ctxWith({ [name]: bytes }), {}, { image: name });
}

describe("Load Image", () => {
  it("loads a PNG, keeping the decoded 8-bit pixels beside the [-1, 1] floats", async () => {
    const r = await load("red.png", await solid(5, 3).png().toBuffer());
    const image = r.outputs.image as ImageValue;
    expect(image).toMatchObject({ kind: "image", width: 5, height: 3 });
    expect(image.pixels.shape).toEqual([1, 3, 3, 5]);
    expect(Array.from(image.rgb8![0].rgb.subarray(0, 3))).toEqual([200, 10, 30]);
    expect(image.pixels.data[0]).toBeCloseTo(200 / 127.5 - 1, 6);
  });

  it("loads JPEG and WebP", async () => {
    expect((await load("a.jpg", await solid(4, 4).jpeg().toBuffer())).outputs.image).toMatchObject({ width: 4 });
    expect((await load("a.webp", await solid(4, 4).webp().toBuffer())).outputs.image).toMatchObject({ width: 4 });
  });

  it("refuses a GIF, naming the file", async () => {
    const gif = await solid(4, 4).gif().toBuffer();
    const err = await load("anim.gif", gif).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe("anim.gif: a GIF image; use a PNG, JPEG or WebP file");
  });

  it("refuses a file over 20 MB before looking at it", async () => {
    const big = new Uint8Array(20 * 1024 * 1024 + 1);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await expect(load("huge.png", big)).rejects.toThrow(/^huge\.png: the file is 20\.0 MB; images may be at most 20\.0 MB$/);
  });

  it("refuses an image over 4096 px a side from its header", async () => {
    const wide = await solid(4097, 2).png().toBuffer();
    await expect(load("wide.png", wide)).rejects.toThrow("wide.png: the image is 4097×2 px; at most 4096 px a side is accepted");
  });

  it("refuses garbage, a truncated file and an empty choice clearly", async () => {
    await expect(load("notes.txt", new TextEncoder().encode("hello"))).rejects.toThrow(/^notes\.txt: not a recognised image; use a PNG, JPEG or WebP file$/);
    const png = await solid(8, 8).png().toBuffer();
    await expect(load("cut.png", png.subarray(0, 40))).rejects.toThrow(/^cut\.png: /);
    await expect(runNode(loadImageRunner, ctxWith({}), {}, {})).rejects.toThrow(/choose an uploaded image/);
  });
});
