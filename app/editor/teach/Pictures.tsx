"use client";
/**
 * Pictures of recorded tensors: channels-first images and embedding strips, drawn on canvases.
 * Any picture enlarges on click into a dialog, with the view's own controls (its step slider)
 * under it, so a class can watch one picture change.
 */
import { type ReactNode, useEffect, useRef, useState } from "react";
import { chwToRgba } from "./lib/traceMath";

function useTensorCanvas(values: Float32Array, shape: number[], range: [number, number]) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || shape.length !== 3) return;
    const { width, height, rgba } = chwToRgba(values, shape, range);
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d")?.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [values, shape, range]);
  return ref;
}

function Enlarged({
  values,
  shape,
  range,
  label,
  controls,
  onClose,
}: {
  values: Float32Array;
  shape: number[];
  range: [number, number];
  label: string;
  controls?: ReactNode;
  onClose: () => void;
}) {
  const ref = useTensorCanvas(values, shape, range);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/70 p-6" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-label={`Enlarged: ${label}`}
        className="flex max-h-full flex-col items-center gap-3 rounded-lg border border-slate-700 bg-slate-900 p-4"
        onClick={(e) => e.stopPropagation()}
      >
        <canvas
          ref={ref}
          role="img"
          aria-label={`${label} (enlarged)`}
          className="studio-pixel rounded bg-slate-950"
          style={{ width: "min(70vh, 80vw)", height: "min(70vh, 80vw)" }}
        />
        <p className="text-sm text-slate-200">{label}</p>
        {controls && <div className="w-full min-w-[28rem]">{controls}</div>}
        <button type="button" onClick={onClose} className="rounded border border-slate-600 px-3 py-1 text-xs text-slate-200 hover:bg-slate-800">
          Close
        </button>
      </div>
    </div>
  );
}

export function TensorPicture({
  values,
  shape,
  range = [-1, 1],
  label,
  size = 112,
  controls,
}: {
  values: Float32Array;
  shape: number[];
  range?: [number, number];
  label: string;
  size?: number;
  /** Shown under the enlarged picture (e.g. the view's step slider). */
  controls?: ReactNode;
}) {
  const ref = useTensorCanvas(values, shape, range);
  const [big, setBig] = useState(false);
  return (
    <figure className="flex flex-none flex-col items-center gap-1">
      <button
        type="button"
        onClick={() => setBig(true)}
        title="Click to enlarge"
        className="cursor-zoom-in rounded outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
      >
        <canvas ref={ref} aria-label={label} role="img" className="studio-pixel rounded bg-slate-950" style={{ width: size, height: size }} />
      </button>
      <figcaption className="max-w-[9rem] text-center text-[11px] leading-tight text-slate-400">{label}</figcaption>
      {big && <Enlarged values={values} shape={shape} range={range} label={label} controls={controls} onClose={() => setBig(false)} />}
    </figure>
  );
}

/** Diverging colours: negative blue, zero dark, positive orange. */
function divergingColour(v: number, scale: number): [number, number, number] {
  const x = Math.max(-1, Math.min(1, v / scale));
  return x >= 0 ? [Math.round(30 + 225 * x), Math.round(30 + 120 * x), 30] : [30, Math.round(30 + 120 * -x), Math.round(30 + 225 * -x)];
}

/** The key of the strips' colours (one bar from −max through 0 to +max). */
export function StripKey({ max }: { max?: number }) {
  const stops = [-1, -0.5, 0, 0.5, 1].map((x) => `rgb(${divergingColour(x, 1).join(",")})`).join(", ");
  const m = max === undefined ? "max" : max.toPrecision(2);
  return (
    <div className="flex items-center gap-2 text-[11px] text-slate-400" data-testid="strip-key">
      <span>−{m}</span>
      <span aria-hidden className="inline-block h-2 w-32 rounded" style={{ background: `linear-gradient(to right, ${stops})` }} />
      <span>+{m}</span>
      <span>colour = value (blue negative, dark 0, orange positive); each column is one number of the vector</span>
    </div>
  );
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
