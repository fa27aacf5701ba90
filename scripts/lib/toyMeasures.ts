/**
 * The toy-shapes measures shared by the evaluation and the variation diagnosis: the colour of the shape
 * (palette nearest to the pixels unlike the border) and the independent shape classifier
 * (training/eval/shape_classifier.onnx), both against training/eval/eval_set.json's names and palette.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import type { RgbImage } from "../../server/unclip/imageProcessor";

export const TOY_EVAL_DIR = path.resolve(import.meta.dirname, "../../training/eval");

export interface ToyEvalRow {
  caption: string;
  shape: string;
  colour: string;
  background: string;
  /** drawn size and place (training/train.py writes them; the caption may or may not name them) */
  size: string;
  position: string;
}
export interface ToyEvalSet {
  shapes: string[];
  colours: Record<string, [number, number, number]>;
  captions: ToyEvalRow[];
}

export function loadToyEvalSet(dir = TOY_EVAL_DIR): ToyEvalSet {
  return JSON.parse(readFileSync(path.join(dir, "eval_set.json"), "utf8")) as ToyEvalSet;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Colour name of the shape: pixels far from the (median) border colour, their median, nearest palette entry;
 * null when no pixel stands out from the background. */
export function shapeColour(img: RgbImage, colours: ToyEvalSet["colours"]): string | null {
  const names = Object.keys(colours);
  const { width: w, height: h, rgb } = img;
  const at = (x: number, y: number) => [rgb[(y * w + x) * 3], rgb[(y * w + x) * 3 + 1], rgb[(y * w + x) * 3 + 2]];
  const border: number[][] = [];
  for (let x = 0; x < w; x++) border.push(at(x, 0), at(x, h - 1));
  for (let y = 0; y < h; y++) border.push(at(0, y), at(w - 1, y));
  const bg = [0, 1, 2].map((c) => median(border.map((p) => p[c])));
  const fg: number[][] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = at(x, y);
      if (Math.hypot(p[0] - bg[0], p[1] - bg[1], p[2] - bg[2]) > 64) fg.push(p);
    }
  if (fg.length === 0) return null;
  const c = [0, 1, 2].map((k) => median(fg.map((p) => p[k])));
  let best = 0;
  let bestD = Infinity;
  names.forEach((name, i) => {
    const p = colours[name];
    const d = Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
    if (d < bestD) [best, bestD] = [i, d];
  });
  return names[best];
}

export interface ShapeClassifier {
  /** Shape name of a 64x64 RGB image. */
  ofImage(img: RgbImage): Promise<string>;
  /** Shape name of a [3, 64, 64] float image in [0, 1] (e.g. a pipeline intermediate). */
  ofChw(chw: Float32Array): Promise<string>;
}

export async function loadShapeClassifier(shapes: string[], file = path.join(TOY_EVAL_DIR, "shape_classifier.onnx")): Promise<ShapeClassifier> {
  const session = await ort.InferenceSession.create(file);
  const ofChw = async (chw: Float32Array) => {
    if (chw.length !== 3 * 64 * 64) throw new Error(`the shape classifier takes [3, 64, 64] images, got ${chw.length} values`);
    const out = await session.run({ image: new ort.Tensor("float32", chw, [1, 3, 64, 64]) });
    const logits = out.logits.data as Float32Array;
    return shapes[logits.indexOf(Math.max(...logits))];
  };
  return {
    ofChw,
    ofImage(img) {
      const { width: w, height: h, rgb } = img;
      if (w !== 64 || h !== 64) throw new Error(`the shape classifier takes 64x64 images, got ${w}x${h}`);
      const chw = new Float32Array(3 * w * h);
      for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) chw[c * w * h + i] = rgb[i * 3 + c] / 255;
      return ofChw(chw);
    },
  };
}
