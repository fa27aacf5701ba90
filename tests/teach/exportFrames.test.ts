/**
 * A view's frames for slides, from a real traced decoder run on the tiny package: the GIF that
 * gifenc writes decodes (with gifuct-js, an independent parser) to one frame per denoising step,
 * at the picture's size and with the first and last frames' pixels; the PNG strip lays every
 * step side by side.
 */
import { decompressFrames, parseGIF } from "gifuct-js";
import { afterAll, expect, it } from "vitest";
import { encodeGif, enlarge, frameStrip, stageFrames } from "../../app/editor/teach/lib/exportFrames";
import type { StageTrace } from "../../nodes/core/traceFormat";
import { run, steps, testExecutor, tinyTextToImage } from "../graph/helpers";
import { describeWithFixtures } from "../helpers/fixtures";

const services = testExecutor();
const traces = new Map<string, { stage?: StageTrace }>();
services.saveTrace = (runId, nodeId, json) => {
  traces.set(nodeId, JSON.parse(json) as { stage?: StageTrace });
  return Promise.resolve({ id: `${runId}-${nodeId}`, url: `/trace/${runId}/${nodeId}`, width: 0, height: 0, kind: "trace" });
};
afterAll(() => services.models.unload());

const DECODER_STEPS = 6;

describeWithFixtures("frame export", () => {
  it("a decoder trace exports as an animated GIF with one frame per step, and as a strip", async () => {
    await run(services, tinyTextToImage({ seed: { seed: 5 }, ...steps(2, DECODER_STEPS, 2) }), { trace: true });
    const stage = traces.get("decoder")?.stage;
    if (!stage) throw new Error("no decoder trace");
    expect(stage.steps).toHaveLength(DECODER_STEPS);
    const [, h, w] = stage.steps[0].predOriginalSample.shape;

    const frames = stageFrames(stage, "predOriginalSample", 3);
    const gif = encodeGif(frames, 200);
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe("GIF89a");
    const decoded = decompressFrames(parseGIF(gif.buffer.slice(gif.byteOffset, gif.byteOffset + gif.byteLength) as ArrayBuffer), true);
    expect(decoded).toHaveLength(DECODER_STEPS);
    for (const f of decoded) {
      expect(f.dims).toMatchObject({ width: w * 3, height: h * 3, top: 0, left: 0 });
      expect(f.delay).toBe(200);
    }
    // the pictures are the steps': first frame noisy, last one the clean prediction (palette error aside)
    const meanAbsDiff = (a: Uint8ClampedArray, b: Uint8ClampedArray) => {
      let s = 0;
      for (let i = 0; i < a.length; i += 4) for (let k = 0; k < 3; k++) s += Math.abs(a[i + k] - b[i + k]);
      return s / ((a.length / 4) * 3);
    };
    expect(meanAbsDiff(decoded[0].patch, frames[0].rgba)).toBeLessThan(8);
    expect(meanAbsDiff(decoded[DECODER_STEPS - 1].patch, frames[DECODER_STEPS - 1].rgba)).toBeLessThan(8);
    expect(meanAbsDiff(frames[0].rgba, frames[DECODER_STEPS - 1].rgba)).toBeGreaterThan(1);

    const strip = frameStrip(stageFrames(stage, "sample"), 4);
    expect(strip.width).toBe(DECODER_STEPS * w + (DECODER_STEPS - 1) * 4);
    expect(strip.height).toBe(h);
  }, 120_000);
});

it("refuses frames of different sizes and an empty export", () => {
  const f = (n: number) => ({ width: n, height: n, rgba: new Uint8ClampedArray(n * n * 4) });
  expect(() => encodeGif([])).toThrow("no frames");
  expect(() => encodeGif([f(2), f(3)])).toThrow("frames differ in size: 3×3 after 2×2");
  expect(enlarge(f(2), 4).width).toBe(8);
});
