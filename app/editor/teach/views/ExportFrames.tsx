"use client";
/** Buttons that save a sampler's steps for slides: an animated GIF and a PNG strip. */
import { useState } from "react";
import type { StageTrace } from "../lib/nodeTrace";
import { type FrameSource, encodeGif, frameStrip, stageFrames } from "../lib/exportFrames";

const SOURCES: { value: FrameSource; label: string }[] = [
  { value: "predOriginalSample", label: "x̂₀ (predicted clean image)" },
  { value: "sample", label: "x_t (noisy sample)" },
  { value: "modelOutput", label: "ε̂ (predicted noise)" },
];

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Slides want pictures of a few hundred pixels: enlarge small ones by a whole factor. */
function slideScale(stage: StageTrace): number {
  const side = stage.steps[0]?.sample.shape[2] ?? 64;
  return Math.max(1, Math.floor(256 / side));
}

export function ExportFrames({ stage }: { stage: StageTrace }) {
  const [source, setSource] = useState<FrameSource>("predOriginalSample");
  const [error, setError] = useState<string | null>(null);
  const name = `${stage.stage}-${source === "predOriginalSample" ? "x0" : source === "sample" ? "xt" : "eps"}`;
  const gif = () => {
    try {
      const bytes = encodeGif(stageFrames(stage, source, slideScale(stage)), 300);
      download(new Blob([new Uint8Array(bytes)], { type: "image/gif" }), `${name}.gif`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const strip = () => {
    try {
      const s = frameStrip(stageFrames(stage, source, 2));
      const canvas = document.createElement("canvas");
      canvas.width = s.width;
      canvas.height = s.height;
      canvas.getContext("2d")?.putImageData(new ImageData(new Uint8ClampedArray(s.rgba), s.width, s.height), 0, 0);
      canvas.toBlob((b) => b && download(b, `${name}-strip.png`), "image/png");
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div className="flex flex-wrap items-center gap-2 text-[12px] text-slate-300" data-testid="export-frames">
      <span>Export every step of</span>
      <select
        aria-label="Frames to export"
        value={source}
        onChange={(e) => setSource(e.target.value as FrameSource)}
        className="rounded bg-slate-800 px-1 py-0.5"
      >
        {SOURCES.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </select>
      <button type="button" onClick={gif} className="rounded border border-slate-700 px-2 py-0.5 hover:bg-slate-800">
        GIF
      </button>
      <button type="button" onClick={strip} className="rounded border border-slate-700 px-2 py-0.5 hover:bg-slate-800">
        PNG strip
      </button>
      {error && <span className="text-red-300">{error}</span>}
    </div>
  );
}
