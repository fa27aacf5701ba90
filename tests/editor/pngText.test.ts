import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { isPng, readPngTextChunks, workflowTextFromPng } from "../../app/editor/lib/pngText";
import { addPngTextChunks } from "../../server/unclip/imageOutput";
import { templateByName } from "../../nodes/core/templates";

async function tinyPng(): Promise<Buffer> {
  return sharp(Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]), { raw: { width: 2, height: 2, channels: 3 } })
    .png()
    .toBuffer();
}

describe("PNG tEXt reader", () => {
  it("reads the workflow the server embeds, UTF-8 included", async () => {
    const wf = { ...templateByName("Text to image")!, name: "café ☕" };
    const png = addPngTextChunks(await tinyPng(), { "unclip-studio-workflow": JSON.stringify(wf), other: "x" });
    const bytes = new Uint8Array(png);
    expect(isPng(bytes)).toBe(true);
    expect(readPngTextChunks(bytes).other).toBe("x");
    expect(JSON.parse(workflowTextFromPng(bytes)!)).toEqual(wf);
  });

  it("returns null for a PNG without a workflow and throws for other files", async () => {
    expect(workflowTextFromPng(new Uint8Array(await tinyPng()))).toBeNull();
    expect(() => readPngTextChunks(new TextEncoder().encode("not a png at all"))).toThrow(/not a PNG/);
  });

  it("keeps what it read from a truncated file", async () => {
    const png = addPngTextChunks(await tinyPng(), { a: "1" });
    expect(readPngTextChunks(new Uint8Array(png.subarray(0, png.length - 20))).a).toBe("1");
  });
});
