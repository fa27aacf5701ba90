"use client";
/**
 * A step scrubber with play/pause: the shared control of the per-step views. Play runs forward and
 * stops at the last step (as sampling does); Play pressed there starts again from step 1. A second
 * copy of the control (under an enlarged picture) passes `drivesPlayback={false}`, so only one
 * timer advances the step.
 */
import { useEffect } from "react";

export function StepSlider({
  step,
  steps,
  onChange,
  playing,
  onPlaying,
  describe,
  drivesPlayback = true,
}: {
  step: number;
  steps: number;
  onChange: (i: number) => void;
  playing: boolean;
  onPlaying: (p: boolean) => void;
  describe: string;
  drivesPlayback?: boolean;
}) {
  useEffect(() => {
    if (!playing || !drivesPlayback) return;
    const timer = setTimeout(() => {
      if (step + 1 >= steps) onPlaying(false);
      else onChange(step + 1);
    }, 350);
    return () => clearTimeout(timer);
  }, [playing, step, steps, onChange, onPlaying, drivesPlayback]);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button
        type="button"
        onClick={() => {
          if (!playing && step + 1 >= steps) onChange(0);
          onPlaying(!playing);
        }}
        className="w-16 flex-none rounded border border-slate-700 px-2 py-0.5 text-xs text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
      >
        {playing ? "❚❚ Pause" : "▶ Play"}
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(0, steps - 1)}
        value={step}
        aria-label="Step"
        onChange={(e) => {
          onPlaying(false);
          onChange(Number(e.target.value));
        }}
        className="min-w-[8rem] flex-1 accent-sky-400"
      />
      <span className="flex-none text-right font-mono text-[11px] text-slate-300" data-testid="step-label">
        {describe}
      </span>
    </div>
  );
}
