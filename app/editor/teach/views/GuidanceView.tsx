"use client";
/**
 * Classifier-free guidance at one step: the unconditional and conditional predictions, their
 * difference and the guided result at any scale, recomputed the scheduler's way from the
 * recorded halves (at the run's own scale it equals what the sampler used, to the bit). It is a
 * one-step what-if (the later steps would differ too), so the view offers a real re-run at the
 * chosen scale.
 */
import { useMemo, useState } from "react";
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useGraph } from "../../state/graphStore";
import { useEditorActions } from "../../useEditorActions";
import { EmbeddingStrips, StripKey, TensorPicture } from "../Pictures";
import { Key, Term } from "../Term";
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

const STD_COLOUR = "#38bdf8";
const CLIPPED_COLOUR = "#f97316";
const RUN_COLOUR = "#facc15";

export function GuidanceView({ stage, nodeId, initialStep }: { stage: StageTrace; nodeId: string; initialStep?: number }) {
  const n = stage.steps.length;
  const runScale = stage.guidanceScale ?? 1;
  const actions = useEditorActions();
  const hasScaleParam = useGraph((g) => g.nodes.find((x) => x.id === nodeId)?.data.params.guidanceScale !== undefined);
  // unasked, a middle step: there the prompt's contribution is plain to see (at step 1 both halves are mostly noise)
  const [step, setStep] = useState(initialStep ?? Math.floor(n / 2));
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
      <p className="rounded border border-sky-900 bg-sky-950/40 px-2 py-1 text-[12px] text-sky-100" data-testid="guidance-what-if">
        A one-step what-if: the pictures below recompute <b>this step only</b> from the two recorded predictions at the scale you choose. The real run used s ={" "}
        {formatNumber(runScale)} at every step; to see a whole run at another scale, re-run the sampler with it.
      </p>
      <div className="flex flex-wrap items-center gap-2 text-xs text-slate-300">
        <label htmlFor="guidance-scale">Guidance scale s</label>
        <Term id="guidance-scale">(?)</Term>
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
        {hasScaleParam && scale !== runScale && (
          <button
            type="button"
            className="rounded border border-sky-700 px-2 py-0.5 text-sky-100 hover:bg-sky-900/50"
            onClick={() => {
              useGraph.getState().setParam(nodeId, "guidanceScale", scale);
              void actions.run();
            }}
          >
            Re-run with s = {formatNumber(scale)}
          </button>
        )}
      </div>
      <p className="font-mono text-[12px] text-slate-300" data-testid="guidance-formula">
        guided = uncond + {formatNumber(scale)} · (cond − uncond)
      </p>
      <p className="text-[11px] text-slate-400" data-testid="guidance-terms">
        <Term id="unconditional">uncond</Term>: the prediction without the prompt · <Term id="conditional">cond</Term>: with it ·{" "}
        <Term id="cond-minus-uncond">cond − uncond</Term>: what the prompt adds · <Term id="epsilon-hat">ε̂</Term> · <Term id="x-0">x̂₀</Term> ·{" "}
        <Term id="cfg">classifier-free guidance</Term>
      </p>
      {spatial ? (
        <div className="flex flex-wrap gap-3">
          <TensorPicture values={parts.u} shape={s.uncond!.shape} range={range} label="unconditional prediction (ε̂ without the prompt)" size={96} />
          <TensorPicture values={parts.c} shape={s.cond!.shape} range={range} label="conditional prediction (ε̂ with the prompt)" size={96} />
          <TensorPicture values={parts.diff} shape={s.cond!.shape} range={[-d, d]} label="cond − uncond (what the prompt adds)" size={96} />
          <TensorPicture values={guided} shape={s.cond!.shape} range={range} label={`guided at s = ${formatNumber(scale)}`} size={96} />
          <TensorPicture values={x0} shape={s.sample.shape} label={`x̂₀ at s = ${formatNumber(scale)}`} size={96} />
          <p className="w-full text-[11px] text-slate-400">
            Colours: each picture&apos;s three channels shown as red, green and blue; predictions and their difference on a symmetric scale (mid-grey = 0, ±
            {formatNumber(m)} for the predictions, ±{formatNumber(d)} for the difference), x̂₀ from −1 (black) to 1 (white).
          </p>
        </div>
      ) : (
        <div className="flex flex-col gap-2">
          <EmbeddingStrips rows={[parts.u]} label="unconditional prediction" />
          <EmbeddingStrips rows={[parts.c]} label="conditional prediction" />
          <EmbeddingStrips rows={[parts.diff]} label="cond − uncond" />
          <EmbeddingStrips rows={[guided]} label={`guided at s = ${formatNumber(scale)}`} />
          <StripKey />
        </div>
      )}
      <div className="w-full max-w-xl space-y-1">
        <Key
          items={[
            {
              colour: STD_COLOUR,
              label: (
                <>
                  spread of <Term id="x-0">x̂₀</Term> (standard deviation)
                </>
              ),
            },
            { colour: CLIPPED_COLOUR, label: <>share of x̂₀ values clipped to ±{formatNumber(stage.scheduler.clipSampleRange)}</> },
            { colour: RUN_COLOUR, dashed: true, label: <>the run&apos;s scale ({formatNumber(runScale)})</> },
          ]}
        />
        <div className="h-40 w-full" data-testid="guidance-chart">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={curve} margin={{ top: 4, right: 12, bottom: 14, left: 0 }}>
              <CartesianGrid stroke="#1e293b" />
              <XAxis
                dataKey="scale"
                type="number"
                domain={[0, 15]}
                ticks={[0, 1, 2, 4, 6, 8, 10, 12, 15]}
                stroke="#64748b"
                fontSize={10}
                label={{ value: "guidance scale s", position: "insideBottom", offset: -6, fill: "#94a3b8", fontSize: 10 }}
              />
              <YAxis stroke="#64748b" fontSize={10} width={40} domain={[0, "auto"]} tickFormatter={(v) => formatNumber(Number(v))} />
              <Tooltip
                contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 11 }}
                labelFormatter={(v) => `s = ${formatNumber(Number(v))}`}
                formatter={(v) => formatNumber(Number(v))}
              />
              <Line type="monotone" dataKey="std" name="spread of x̂₀ (std)" stroke={STD_COLOUR} dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="clipped" name="share of x̂₀ clipped" stroke={CLIPPED_COLOUR} dot={false} isAnimationActive={false} />
              <ReferenceLine x={runScale} stroke={RUN_COLOUR} strokeDasharray="3 3" />
              <ReferenceLine x={scale} stroke="#e2e8f0" strokeOpacity={0.5} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </div>
    </div>
  );
}
