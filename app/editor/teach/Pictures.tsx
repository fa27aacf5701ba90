"use client";
/** Small pictures of recorded tensors: channels-first images and embedding strips, drawn on canvases. */
import { useEffect, useRef } from "react";
import { chwToRgba } from "./lib/traceMath";

export function TensorPicture({
  values,
  shape,
  range = [-1, 1],
  label,
  size = 112,
}: {
  values: Float32Array;
  shape: number[];
  range?: [number, number];
  label: string;
  size?: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || shape.length !== 3) return;
    const { width, height, rgba } = chwToRgba(values, shape, range);
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d")?.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [values, shape, range]);
  return (
    <figure className="flex flex-none flex-col items-center gap-1">
      <canvas ref={ref} aria-label={label} role="img" className="studio-pixel rounded bg-slate-950" style={{ width: size, height: size }} />
      <figcaption className="max-w-[8rem] text-center text-[11px] leading-tight text-slate-400">{label}</figcaption>
    </figure>
  );
}

/** Diverging colours: negative blue, zero dark, positive orange. */
function divergingColour(v: number, scale: number): [number, number, number] {
  const x = Math.max(-1, Math.min(1, v / scale));
  return x >= 0 ? [Math.round(30 + 225 * x), Math.round(30 + 120 * x), 30] : [30, Math.round(30 + 120 * -x), Math.round(30 + 225 * -x)];
}

/** Rows of embedding values as coloured cells (one row per step or frame). */
export function EmbeddingStrips({ rows, label, highlight }: { rows: Float32Array[]; label: string; highlight?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !rows.length) return;
    const width = rows[0].length;
    canvas.width = width;
    canvas.height = rows.length;
    let scale = 0;
    for (const r of rows) for (const v of r) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    const image = new ImageData(width, rows.length);
    rows.forEach((r, y) =>
      r.forEach((v, x) => {
        const [red, green, blue] = divergingColour(v, scale || 1);
        const o = (y * width + x) * 4;
        image.data.set([red, green, blue, highlight === undefined || highlight === y ? 255 : 110], o);
      }),
    );
    canvas.getContext("2d")?.putImageData(image, 0, 0);
  }, [rows, highlight]);
  return (
    <figure className="flex min-w-0 flex-1 flex-col gap-1">
      <canvas
        ref={ref}
        aria-label={label}
        role="img"
        className="studio-pixel w-full rounded bg-slate-950"
        style={{ height: Math.max(10, Math.min(140, rows.length * 10)) }}
      />
      <figcaption className="text-[11px] text-slate-400">{label}</figcaption>
    </figure>
  );
}
