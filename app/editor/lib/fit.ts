/**
 * Where to put the view so the whole graph fits the part of the canvas nothing covers: the
 * minimap and zoom controls sit over the canvas's bottom corners, so the fit keeps clear of a
 * band at the bottom, and output nodes get room under them for the image a run will add.
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Insets {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** The union of boxes, or null for none. */
export function unionBox(boxes: readonly Box[]): Box | null {
  if (!boxes.length) return null;
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * The viewport that shows `bounds` (flow coordinates) centred in a `width`×`height` canvas less
 * `insets` (screen pixels), at most `maxZoom` and at least `minZoom`.
 */
export function fitViewport(bounds: Box, width: number, height: number, insets: Insets, maxZoom = 1, minZoom = 0.1): Viewport {
  const freeW = Math.max(1, width - insets.left - insets.right);
  const freeH = Math.max(1, height - insets.top - insets.bottom);
  const zoom = Math.max(minZoom, Math.min(maxZoom, freeW / Math.max(1, bounds.width), freeH / Math.max(1, bounds.height)));
  const x = insets.left + (freeW - bounds.width * zoom) / 2 - bounds.x * zoom;
  const y = insets.top + (freeH - bounds.height * zoom) / 2 - bounds.y * zoom;
  return { x, y, zoom };
}

/** Whether `inner` (screen pixels) lies wholly inside `outer`. */
export function contains(outer: Box, inner: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}
