/**
 * Attribute measures of a toy-shapes picture read from the picture itself (no classifier, no retraining):
 *   background = palette colour nearest to the border pixels' median;
 *   shape mask = the largest 4-connected region of pixels far from that background colour;
 *   shape colour = palette colour nearest to the mask pixels' median;
 *   position = the mask's centroid against the grammar's nine places (offsets 0.12 / 0.25 of the width);
 *   size = the mask's bounding-box extent (small shapes span about 0.25-0.32 of the width, large 0.48-0.6);
 *   fill = whether the core of the mask's bounding box (a disc of 0.35 x its half extent around its centre)
 *     is shape-coloured ("filled") or background-coloured ("hollow"): a ring's hole is 0.55 of its radius.
 * Plus which attributes a caption names (size, position and background are optional in the grammar).
 * Pure functions over an RgbImage-like { width, height, rgb }, unit-tested on synthetic renders.
 */
export interface Rgb8 {
  width: number;
  height: number;
  rgb: ArrayLike<number>;
}
export type Palette = Record<string, readonly [number, number, number] | number[]>;

export interface ToyAttributes {
  background: string;
  /** null when no pixel stands out from the background (no visible shape) */
  colour: string | null;
  size: "small" | "large" | null;
  position: string | null;
  fill: "filled" | "hollow" | null;
  /** mask pixels / all pixels */
  area: number;
  centroid: [number, number] | null;
}

/** distance above which a pixel counts as not background (RGB 0-255) */
export const MASK_THRESHOLD = 64;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function nearestColour(c: readonly number[], palette: Palette): string {
  let best = "";
  let bestD = Infinity;
  for (const [name, p] of Object.entries(palette)) {
    const d = Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
    if (d < bestD) [best, bestD] = [name, d];
  }
  return best;
}

/** The grammar's place names from a centroid in [0, 1] units. */
export function positionName(cx: number, cy: number, tol = 0.06): string {
  const h = cx < 0.5 - tol ? "left" : cx > 0.5 + tol ? "right" : "";
  const v = cy < 0.5 - tol ? "top" : cy > 0.5 + tol ? "bottom" : "";
  return v && h ? `${v} ${h}` : v || h || "centre";
}

export function measureAttributes(img: Rgb8, palette: Palette): ToyAttributes {
  const { width: w, height: h, rgb } = img;
  const px = (i: number) => [rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]];
  const border: number[][] = [];
  for (let x = 0; x < w; x++) border.push(px(x), px((h - 1) * w + x));
  for (let y = 1; y < h - 1; y++) border.push(px(y * w), px(y * w + w - 1));
  const bg = [0, 1, 2].map((c) => median(border.map((p) => p[c])));
  const background = nearestColour(bg, palette);
  const far = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const p = px(i);
    far[i] = Number(Math.hypot(p[0] - bg[0], p[1] - bg[1], p[2] - bg[2]) > MASK_THRESHOLD);
  }
  // largest 4-connected component of far pixels
  const label = new Int32Array(w * h).fill(-1);
  let bestPixels: number[] = [];
  for (let s = 0; s < w * h; s++) {
    if (!far[s] || label[s] >= 0) continue;
    const comp: number[] = [];
    const stack = [s];
    label[s] = s;
    while (stack.length) {
      const i = stack.pop()!;
      comp.push(i);
      const x = i % w;
      const y = (i / w) | 0;
      for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1]) {
        if (j >= 0 && far[j] && label[j] < 0) {
          label[j] = s;
          stack.push(j);
        }
      }
    }
    if (comp.length > bestPixels.length) bestPixels = comp;
  }
  // a few stray pixels are noise, not a shape
  if (bestPixels.length < Math.max(4, (w * h) / 400)) {
    return { background, colour: null, size: null, position: null, fill: null, area: 0, centroid: null };
  }
  const mask = new Uint8Array(w * h);
  let sx = 0;
  let sy = 0;
  let x0 = w;
  let x1 = -1;
  let y0 = h;
  let y1 = -1;
  for (const i of bestPixels) {
    mask[i] = 1;
    const x = i % w;
    const y = (i / w) | 0;
    sx += x;
    sy += y;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const cx = (sx / bestPixels.length + 0.5) / w;
  const cy = (sy / bestPixels.length + 0.5) / h;
  const fg = bestPixels.map(px);
  const colour = nearestColour(
    [0, 1, 2].map((c) => median(fg.map((p) => p[c]))),
    palette,
  );
  const extent = Math.max((x1 - x0 + 1) / w, (y1 - y0 + 1) / h);
  const size = extent >= 0.4 ? "large" : "small";
  // core of the bounding box: a disc around its centre, radius 0.35 of the half extent
  const bx = (x0 + x1 + 1) / 2;
  const by = (y0 + y1 + 1) / 2;
  const r = 0.35 * (Math.max(x1 - x0 + 1, y1 - y0 + 1) / 2);
  let core = 0;
  let coreIn = 0;
  for (let y = Math.floor(by - r); y <= Math.ceil(by + r); y++)
    for (let x = Math.floor(bx - r); x <= Math.ceil(bx + r); x++) {
      if (x < 0 || y < 0 || x >= w || y >= h || Math.hypot(x + 0.5 - bx, y + 0.5 - by) > r) continue;
      core++;
      coreIn += far[y * w + x];
    }
  const fill = core === 0 || coreIn / core >= 0.5 ? "filled" : "hollow";
  return { background, colour, size, position: positionName(cx, cy), fill, area: bestPixels.length / (w * h), centroid: [cx, cy] };
}

/** Which optional attributes a caption of the grammar names (shape and colour are always named). */
export function namedAttributes(caption: string): { size: boolean; position: boolean; background: boolean } {
  return {
    size: /\b(small|large)\b/.test(caption),
    position: /\b(in the|at the|on the) (centre|middle|top|bottom|left|right)\b/.test(caption),
    background: /\bbackground\b/.test(caption),
  };
}

/** Expected fill of a shape name: only the ring is hollow (the ring / circle pair differs only by fill). */
export const expectedFill = (shape: string): "filled" | "hollow" => (shape === "ring" ? "hollow" : "filled");

/** One generated picture of a caption, as the seed-diversity measure needs it. */
export interface SeedSample {
  caption: string;
  attributes: Pick<ToyAttributes, "size" | "position" | "background">;
}

export interface FreedomFigures {
  /** captions that leave this attribute free and were drawn on at least two seeds */
  captions: number;
  /** of those, how many got more than one value across their seeds */
  varied: number;
  /** mean number of distinct values per caption */
  meanDistinct: number;
  /** what a uniform random choice among `choices` values would give for the same number of seeds */
  uniformDistinct: number;
}

/**
 * Seed diversity where the caption leaves freedom: for every caption that does not name its size (position,
 * background), how many different sizes (positions, backgrounds) its seeds drew. A model that collapses to one
 * picture per caption scores 1 distinct value; a uniform choice among k values over s seeds expects
 * k·(1 − (1 − 1/k)^s).
 */
export function seedDiversity(samples: SeedSample[], choices: { size: number; position: number; background: number }) {
  const byCaption = new Map<string, SeedSample[]>();
  for (const s of samples) byCaption.set(s.caption, [...(byCaption.get(s.caption) ?? []), s]);
  const figures = (key: "size" | "position" | "background"): FreedomFigures => {
    let captions = 0;
    let varied = 0;
    let distinctSum = 0;
    let uniformSum = 0;
    for (const [caption, group] of byCaption) {
      if (namedAttributes(caption)[key] || group.length < 2) continue;
      const distinct = new Set(group.map((s) => s.attributes[key] ?? "none")).size;
      captions++;
      varied += Number(distinct > 1);
      distinctSum += distinct;
      const k = choices[key];
      uniformSum += k * (1 - Math.pow(1 - 1 / k, group.length));
    }
    return { captions, varied, meanDistinct: captions ? distinctSum / captions : 0, uniformDistinct: captions ? uniformSum / captions : 0 };
  };
  return { size: figures("size"), position: figures("position"), background: figures("background") };
}
