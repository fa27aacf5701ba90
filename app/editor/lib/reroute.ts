/**
 * Reroute points on wires: points a wire is drawn through (saved as the link's `points`), added
 * by double-clicking the wire, dragged to move, double-clicked to remove. Only drawing changes:
 * the link still joins the same two ports, so validation and the executor never see them.
 */
import { MAX_LINK_POINTS } from "../../../nodes/core/workflow";
import type { Point } from "./types";

const dist = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * `points` with `p` inserted where it lengthens the wire least (between the output `from`, the
 * existing points in order, and the input `to`); unchanged when the wire has the most points allowed.
 */
export function insertPoint(points: readonly Point[], p: Point, from: Point, to: Point): Point[] {
  if (points.length >= MAX_LINK_POINTS) return [...points];
  const chain = [from, ...points, to];
  let best = 0;
  let bestCost = Infinity;
  for (let i = 0; i < chain.length - 1; i++) {
    const cost = dist(chain[i], p) + dist(p, chain[i + 1]) - dist(chain[i], chain[i + 1]);
    if (cost < bestCost) {
      bestCost = cost;
      best = i;
    }
  }
  const at = { x: Math.round(p.x), y: Math.round(p.y) };
  return [...points.slice(0, best), at, ...points.slice(best)];
}

/**
 * An SVG path from `from` through `points` to `to`: one curve per stretch, leaving and entering
 * each point horizontally (as wires leave outputs and enter inputs), so the wire stays smooth.
 */
export function reroutePath(from: Point, points: readonly Point[], to: Point): string {
  const chain = [from, ...points, to];
  let d = `M ${from.x},${from.y}`;
  for (let i = 1; i < chain.length; i++) {
    const a = chain[i - 1];
    const b = chain[i];
    const c = Math.max(Math.abs(b.x - a.x) / 2, 25);
    d += ` C ${a.x + c},${a.y} ${b.x - c},${b.y} ${b.x},${b.y}`;
  }
  return d;
}

/** The points moved by `delta` (a pasted copy of a wire keeps its shape beside the original). */
export function shiftPoints(points: readonly Point[] | undefined, delta: Point): Point[] | undefined {
  return points?.map((p) => ({ x: p.x + delta.x, y: p.y + delta.y }));
}
