/**
 * A sweep's labelled grid image: one cell per combination (the first axis across, the second
 * down), each cell its output images side by side; the axis titles (node title · parameter) and
 * the values as labels. Drawn by sharp: the labels are one SVG (rendered by librsvg) and the cells
 * are composited onto it, so nothing here loops over pixels. Small images (the toy model's 64 px)
 * are enlarged by a whole factor with nearest-neighbour sampling so the labels fit and the pixels
 * stay exact.
 */
import sharp, { type OverlayOptions } from "sharp";

export interface GridCellImage {
  column: number;
  row: number;
  /** The cell's PNGs, drawn left to right. */
  pngs: Uint8Array[];
}

export interface GridInput {
  columnTitle: string;
  columnLabels: string[];
  /** Absent for a one-axis sweep (one row, no row labels). */
  rowTitle?: string;
  rowLabels?: string[];
  cells: GridCellImage[];
}

export interface GridLayout {
  width: number;
  height: number;
  /** Where the first cell starts, each cell's size on the grid (after enlarging), the gap between cells. */
  left: number;
  top: number;
  cellWidth: number;
  cellHeight: number;
  gap: number;
  /** The whole factor the cell images were enlarged by. */
  scale: number;
}

const PAD = 8;
const GAP = 4;
const FONT = 14;
const TITLE_BAND = 24;
const LABEL_BAND = 22;
/** Cells narrower than this are enlarged, so a value's label fits above its column. */
const MIN_CELL_WIDTH = 128;
/** Roughly the width of one character at FONT px, for cutting labels to their column. */
const CHAR_WIDTH = 8;

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function fit(s: string, width: number): string {
  const max = Math.max(3, Math.floor(width / CHAR_WIDTH));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export async function buildSweepGrid(input: GridInput): Promise<{ png: Buffer; layout: GridLayout }> {
  const columns = input.columnLabels.length;
  const rows = input.rowLabels?.length ?? 1;
  // every cell gets the size of the largest (cells of one sweep normally agree)
  const sizes = await Promise.all(
    input.cells.map(async (c) => {
      const metas = await Promise.all(c.pngs.map((p) => sharp(p).metadata()));
      return { width: metas.reduce((w, m) => w + (m.width ?? 0), 0), height: Math.max(0, ...metas.map((m) => m.height ?? 0)), metas };
    }),
  );
  const imageWidth = Math.max(1, ...sizes.map((s) => s.width));
  const imageHeight = Math.max(1, ...sizes.map((s) => s.height));
  const scale = imageWidth < MIN_CELL_WIDTH ? Math.ceil(MIN_CELL_WIDTH / imageWidth) : 1;
  const cellWidth = imageWidth * scale;
  const cellHeight = imageHeight * scale;

  const hasRows = input.rowTitle !== undefined && input.rowLabels !== undefined;
  const rowLabelWidth = hasRows ? Math.min(220, Math.max(48, ...input.rowLabels!.map((l) => l.length * CHAR_WIDTH + 16))) : 0;
  const left = PAD + (hasRows ? TITLE_BAND + rowLabelWidth : 0);
  const top = PAD + TITLE_BAND + LABEL_BAND;
  const gridWidth = columns * cellWidth + (columns - 1) * GAP;
  const gridHeight = rows * cellHeight + (rows - 1) * GAP;
  const width = left + gridWidth + PAD;
  const height = top + gridHeight + PAD;

  const text: string[] = [];
  const font = `font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="${FONT}" fill="#111827"`;
  text.push(
    `<text x="${left + gridWidth / 2}" y="${PAD + FONT + 2}" text-anchor="middle" font-weight="bold" ${font}>${xml(fit(input.columnTitle, gridWidth))}</text>`,
  );
  input.columnLabels.forEach((label, c) => {
    const x = left + c * (cellWidth + GAP) + cellWidth / 2;
    text.push(`<text x="${x}" y="${PAD + TITLE_BAND + FONT + 2}" text-anchor="middle" ${font}>${xml(fit(label, cellWidth))}</text>`);
  });
  if (hasRows) {
    const cx = PAD + TITLE_BAND / 2 + FONT / 2 - 2;
    const cy = top + gridHeight / 2;
    text.push(
      `<text x="${cx}" y="${cy}" transform="rotate(-90 ${cx} ${cy})" text-anchor="middle" font-weight="bold" ${font}>${xml(fit(input.rowTitle!, gridHeight))}</text>`,
    );
    input.rowLabels!.forEach((label, r) => {
      const y = top + r * (cellHeight + GAP) + cellHeight / 2 + FONT / 2 - 2;
      text.push(`<text x="${left - 8}" y="${y}" text-anchor="end" ${font}>${xml(fit(label, rowLabelWidth - 8))}</text>`);
    });
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#ffffff"/>${text.join("")}</svg>`;

  const layers: OverlayOptions[] = [];
  for (const [i, cell] of input.cells.entries()) {
    let x = left + cell.column * (cellWidth + GAP);
    const y = top + cell.row * (cellHeight + GAP);
    for (const [j, png] of cell.pngs.entries()) {
      const m = sizes[i].metas[j];
      const w = (m.width ?? 1) * scale;
      const h = (m.height ?? 1) * scale;
      const input = scale === 1 ? Buffer.from(png) : await sharp(png).resize(w, h, { kernel: "nearest" }).png().toBuffer();
      layers.push({ input, left: x, top: y });
      x += w;
    }
  }
  const png = await sharp(Buffer.from(svg)).composite(layers).removeAlpha().png({ compressionLevel: 6 }).toBuffer();
  return { png, layout: { width, height, left, top, cellWidth, cellHeight, gap: GAP, scale } };
}
