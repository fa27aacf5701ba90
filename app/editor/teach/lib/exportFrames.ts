/**
 * A view's frames for slides: every step of a sampler's trace as RGBA images, encoded as an
 * animated GIF with gifenc (a maintained encoder: palette quantisation and LZW are not ours) or
 * laid side by side into one strip. Pure functions over arrays, so Node tests can check the bytes.
 */
import { GIFEncoder, applyPalette, quantize } from "gifenc";
import type { StageTrace } from "./nodeTrace";
import { absMax, chwToRgba, decodeTensor } from "./traceMath";

export interface RgbaFrame {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

export type FrameSource = "sample" | "predOriginalSample" | "modelOutput";

/** Nearest-neighbour enlargement, so a 32 px picture stays crisp on a slide. */
export function enlarge(frame: RgbaFrame, factor: number): RgbaFrame {
  const k = Math.max(1, Math.floor(factor));
  if (k === 1) return frame;
  const width = frame.width * k;
  const height = frame.height * k;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(y / k);
    for (let x = 0; x < width; x++) {
      const s = (sy * frame.width + Math.floor(x / k)) * 4;
      rgba.set(frame.rgba.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return { width, height, rgba };
}

/** One frame per recorded step of a spatial stage (decoder, super-res): x_t, x̂₀ or the model's prediction. */
export function stageFrames(stage: StageTrace, source: FrameSource, scale = 1): RgbaFrame[] {
  return stage.steps.map((s) => {
    const t = s[source];
    if (t.shape.length !== 3) throw new Error(`step ${s.index + 1}: ${source} is not a picture (shape ${t.shape.join("×")})`);
    const values = decodeTensor(t);
    const m = source === "modelOutput" ? absMax(values) : 1;
    return enlarge(chwToRgba(values, t.shape, [-m, m]), scale);
  });
}

/** An animated GIF (looping) with one frame per entry, each shown `delayMs`. */
export function encodeGif(frames: readonly RgbaFrame[], delayMs = 250): Uint8Array {
  if (!frames.length) throw new Error("no frames to export");
  const { width, height } = frames[0];
  const gif = GIFEncoder();
  for (const f of frames) {
    if (f.width !== width || f.height !== height) throw new Error(`frames differ in size: ${f.width}×${f.height} after ${width}×${height}`);
    const palette = quantize(f.rgba, 256);
    gif.writeFrame(applyPalette(f.rgba, palette), width, height, { palette, delay: delayMs, repeat: 0 });
  }
  gif.finish();
  return gif.bytes();
}

/** The frames left to right with a `gap` of background between them, as one RGBA image. */
export function frameStrip(frames: readonly RgbaFrame[], gap = 4, background: [number, number, number] = [255, 255, 255]): RgbaFrame {
  if (!frames.length) throw new Error("no frames to export");
  const height = Math.max(...frames.map((f) => f.height));
  const width = frames.reduce((w, f) => w + f.width, 0) + gap * (frames.length - 1);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([...background, 255], p * 4);
  let x0 = 0;
  for (const f of frames) {
    for (let y = 0; y < f.height; y++) rgba.set(f.rgba.subarray(y * f.width * 4, (y + 1) * f.width * 4), (y * width + x0) * 4);
    x0 += f.width + gap;
  }
  return { width, height, rgba };
}
