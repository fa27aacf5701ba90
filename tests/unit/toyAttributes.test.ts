import { describe, expect, it } from "vitest";
import { expectedFill, measureAttributes, namedAttributes, positionName, seedDiversity } from "../../scripts/lib/toyAttributes";

// the palette of training/toyshapes/data.py
const PALETTE = {
  red: [220, 40, 40],
  yellow: [240, 220, 50],
  green: [40, 170, 60],
  cyan: [50, 200, 220],
  blue: [40, 70, 220],
  pink: [235, 90, 200],
  white: [245, 245, 245],
  black: [25, 25, 25],
} as const;
type Name = keyof typeof PALETTE;

/** A 64x64 picture: `inside(dx, dy)` (pixel offsets from the centre, in units of the radius) in `fg` on `bg`. */
function draw(inside: (dx: number, dy: number) => boolean, fg: Name, bg: Name, cx: number, cy: number, radius: number, size = 64) {
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const dx = ((x + 0.5) / size - cx) / radius;
      const dy = ((y + 0.5) / size - cy) / radius;
      rgb.set(PALETTE[inside(dx, dy) ? fg : bg], (y * size + x) * 3);
    }
  return { width: size, height: size, rgb };
}
const disc = (dx: number, dy: number) => Math.hypot(dx, dy) <= 1;
const ring = (dx: number, dy: number) => Math.hypot(dx, dy) <= 1 && Math.hypot(dx, dy) >= 0.55;
const square = (dx: number, dy: number) => Math.max(Math.abs(dx), Math.abs(dy)) <= 0.8;

describe("toy attribute measures", () => {
  it("reads a large red disc in the centre on blue as filled, red, large, centre, blue", () => {
    const a = measureAttributes(draw(disc, "red", "blue", 0.5, 0.5, 0.3), PALETTE);
    expect(a).toMatchObject({ background: "blue", colour: "red", size: "large", position: "centre", fill: "filled" });
  });

  it("reads a ring of the same size as hollow", () => {
    const a = measureAttributes(draw(ring, "red", "blue", 0.5, 0.5, 0.3), PALETTE);
    expect(a).toMatchObject({ background: "blue", colour: "red", size: "large", position: "centre", fill: "hollow" });
  });

  it("reads a small ring in the top left as hollow, small, top left", () => {
    const a = measureAttributes(draw(ring, "yellow", "black", 0.25, 0.25, 0.16), PALETTE);
    expect(a).toMatchObject({ background: "black", colour: "yellow", size: "small", position: "top left", fill: "hollow" });
  });

  it("reads a small square at the bottom right on white, and a large one on the left", () => {
    expect(measureAttributes(draw(square, "green", "white", 0.75, 0.75, 0.16), PALETTE)).toMatchObject({
      background: "white",
      colour: "green",
      size: "small",
      position: "bottom right",
      fill: "filled",
    });
    expect(measureAttributes(draw(square, "pink", "cyan", 0.38, 0.5, 0.3), PALETTE)).toMatchObject({
      background: "cyan",
      colour: "pink",
      size: "large",
      position: "left",
      fill: "filled",
    });
  });

  it("reports no shape on a plain picture", () => {
    const a = measureAttributes(
      draw(() => false, "red", "cyan", 0.5, 0.5, 0.3),
      PALETTE,
    );
    expect(a).toMatchObject({ background: "cyan", colour: null, fill: null, size: null, position: null });
  });

  it("names places, fills and the attributes a caption names", () => {
    expect(positionName(0.5, 0.62)).toBe("bottom");
    expect(positionName(0.75, 0.5)).toBe("right");
    expect(expectedFill("ring")).toBe("hollow");
    expect(expectedFill("circle")).toBe("filled");
    expect(namedAttributes("a large red circle in the centre on a blue background")).toEqual({ size: true, position: true, background: true });
    expect(namedAttributes("one yellow ring")).toEqual({ size: false, position: false, background: false });
    expect(namedAttributes("a pink background with a star in the top left corner")).toEqual({ size: false, position: true, background: true });
  });
});

describe("seedDiversity", () => {
  const sample = (caption: string, size: "small" | "large", position: string, background: string) => ({ caption, attributes: { size, position, background } });
  const choices = { size: 2, position: 9, background: 7 };

  it("counts only captions that leave the attribute free, and how many values their seeds drew", () => {
    const d = seedDiversity(
      [
        sample("a red circle", "large", "centre", "blue"),
        sample("a red circle", "large", "centre", "blue"),
        sample("a red circle", "large", "centre", "blue"),
        sample("a small green star", "small", "top", "black"),
        sample("a small green star", "small", "left", "white"),
        sample("a small green star", "large", "right", "white"),
      ],
      choices,
    );
    // "a red circle" names nothing: one size, one position, one background on three seeds (collapsed)
    // "a small green star" names its size, so it counts for position (3 distinct) and background (2) only
    expect(d.size).toMatchObject({ captions: 1, varied: 0, meanDistinct: 1 });
    expect(d.position).toMatchObject({ captions: 2, varied: 1, meanDistinct: 2 });
    expect(d.background).toMatchObject({ captions: 2, varied: 1, meanDistinct: 1.5 });
    // a uniform choice among 2 sizes over 3 seeds draws 2·(1 − 1/8) = 1.75 distinct sizes on average
    expect(d.size.uniformDistinct).toBeCloseTo(1.75, 6);
    expect(d.position.uniformDistinct).toBeCloseTo(9 * (1 - Math.pow(8 / 9, 3)), 6);
  });

  it("ignores captions drawn on a single seed", () => {
    expect(seedDiversity([sample("a red circle", "large", "centre", "blue")], choices).size.captions).toBe(0);
  });
});
