"use client";
/**
 * Classifier-free guidance at one step: the unconditional and conditional predictions, their
 * difference and the guided result at any scale, recomputed the scheduler's way from the
 * recorded halves (at the run's own scale it equals what the sampler used, to the bit).
 */
import { useMemo, useState } from "react";
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { EmbeddingStrips, TensorPicture } from "../Pictures";
import { formatNumber } from "../lib/explain";
import type { StageTrace } from "../lib/nodeTrace";
import { absMax, decodeTensor, difference, guide, predictX0 } from "../lib/traceMath";
import { StepSlider } from "./StepSlider";

const SCALES = Array.from({ length: 31 }, (_, k) => k * 0.5);

function std(v: Float32Array): number {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length || 1;
  let s = 0;
  for (const x of v) s += (x - m) * (x - m);
  return Math.sqrt(s / (v.length || 1));
}

export function GuidanceView({ stage }: { stage: StageTrace }) {
  const n = stage.steps.length;
  const runScale = stage.guidanceScale ?? 1;
  const [step, setStep] = useState(Math.floor(n / 2));
  const [playing, setPlaying] = useState(false);
  const [scale, setScale] = useState(runScale);
  const s = stage.steps[Math.min(step, n - 1)];
  const parts = useMemo(() => {
    const u = decodeTensor(s.uncond!);
    const c = decodeTensor(s.cond!);
    return { u, c, diff: difference(c, u), sample: decodeTensor(s.sample) };
  }, [s]);
  const guided = useMemo(() => guide(parts.u, parts.c, scale), [parts, scale]);
  const x0 = useMemo(() => predictX0(parts.sample, guided, s.alphaProdT, stage.scheduler), [parts, guided, s, stage.scheduler]);
  const curve = useMemo(() => {
    const range = stage.scheduler.clipSampleRange;
    return SCALES.map((k) => {
      const x = predictX0(parts.sample, guide(parts.u, parts.c, k), s.alphaProdT, stage.scheduler);
      let clipped = 0;
      for (const v of x) if (stage.scheduler.clipSample && Math.abs(v) >= range) clipped++;
      return { scale: k, std: std(x), clipped: clipped / x.length };
    });
  }, [parts, s, stage.scheduler]);
  const spatial = s.sample.shape.length === 3;
  const m = Math.max(absMax(parts.u), absMax(parts.c));
  const d = absMax(parts.diff);
  const range: [number, number] = [-m, m];
  return (
    <div className="space-y-3" data-testid="guidance-view">
      <StepSlider
        step={Math.min(step, n - 1)}
        steps={n}
        onChange={setStep}
        playing={playing}
        onPlaying={setPlaying}
        describe={`step ${Math.min(step, n - 1) + 1} of ${n} · t = ${s.timestep}`}
      />
      <div className="flex items-center gap-2 text-xs text-slate-300">
        <label htmlFor="guidance-scale">Guidance scale s</label>
        <input
          id="guidance-scale"
          type="range"
          min={0}
          max={15}
          step={0.5}
          value={scale}
          onChange={(e) => setScale(Number(e.target.value))}
          className="w-56 accent-sky-400"
        />
        <span className="font-mono" data-testid="guidance-scale">
          {formatNumber(scale)}
        </span>
        <button type="button" className="rounded border border-slate-700 px-2 py-0.5 hover:bg-slate-800" onClick={() => setScale(runScale)}>
          this run: {formatNumber(runScale)}
        </button>
      </div>
      <p className="font-mono text-[12px] text-slate-300" data-testid="guidance-formula">
        guided = uncond + {formatNumber(scale)} · (cond − uncond)
      </p>
      {spatial ? (
        <div className="flex flex-wrap gap-3">
          <TensorPicture values={parts.u} shape={s.uncond!.shape} range={range} label="unconditional prediction" size={96} />
          <TensorPicture values={parts.c} shape={s.cond!.shape} range={range} label="conditional prediction" size={96} />
          <TensorPicture values={parts.diff} shape={s.cond!.shape} range={[-d, d]} label="cond − uncond (what the prompt adds)" size={96} />
          <TensorPicture values={guided} shape={s.cond!.shape} range={range} label={`guided at s = ${formatNumber(scale)}`} size={96} />
          <TensorPicture values={x0} shape={s.sample.shape} label={`x̂₀ at s = ${formatNumber(scale)}`} size={96} />
        </div>
      ) : (
        <div className="flex flex-col gap-2">
          <EmbeddingStrips rows={[parts.u]} label="unconditional prediction" />
          <EmbeddingStrips rows={[parts.c]} label="conditional prediction" />
          <EmbeddingStrips rows={[parts.diff]} label="cond − uncond" />
          <EmbeddingStrips rows={[guided]} label={`guided at s = ${formatNumber(scale)}`} />
        </div>
      )}
      <div className="h-40 w-full max-w-xl" data-testid="guidance-chart">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={curve} margin={{ top: 4, right: 12, bottom: 14, left: 0 }}>
            <CartesianGrid stroke="#1e293b" />
            <XAxis
              dataKey="scale"
              stroke="#64748b"
              fontSize={10}
              label={{ value: "guidance scale", position: "insideBottom", offset: -6, fill: "#94a3b8", fontSize: 10 }}
            />
            <YAxis stroke="#64748b" fontSize={10} width={40} />
            <Tooltip contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 11 }} formatter={(v) => formatNumber(Number(v))} />
            <Line type="monotone" dataKey="std" name="spread of x̂₀ (std)" stroke="#38bdf8" dot={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="clipped" name="share of x̂₀ clipped" stroke="#f97316" dot={false} isAnimationActive={false} />
            <ReferenceLine x={runScale} stroke="#facc15" strokeDasharray="3 3" />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
