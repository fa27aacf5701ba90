"use client";
/**
 * Per-step timeline of a sampler: x_t, the predicted clean result x̂₀ and the prediction the
 * scheduler used, at the chosen step; for the prior, the embeddings as strips. Opens at step 1
 * (pure noise) so Play runs the sampling forward. Super-res marks which UNet ran; learned_range
 * shows where the model put the step's variance. The frames export as a GIF or a PNG strip.
 */
import { useMemo, useState } from "react";
import { EmbeddingStrips, StripKey, TensorPicture } from "../Pictures";
import { Term } from "../Term";
import { formatNumber } from "../lib/explain";
import type { StageTrace } from "../lib/nodeTrace";
import { absMax, decodeTensor } from "../lib/traceMath";
import { ExportFrames } from "./ExportFrames";
import { StepSlider } from "./StepSlider";

export function TimelineView({ stage, initialStep = 0 }: { stage: StageTrace; initialStep?: number }) {
  const n = stage.steps.length;
  const [step, setStep] = useState(initialStep);
  const [playing, setPlaying] = useState(false);
  const i = Math.min(step, n - 1);
  const s = stage.steps[i];
  const sample = useMemo(() => decodeTensor(s.sample), [s]);
  const x0 = useMemo(() => decodeTensor(s.predOriginalSample), [s]);
  const prediction = useMemo(() => decodeTensor(s.modelOutput), [s]);
  const spatial = s.sample.shape.length === 3;
  const predicted = useMemo(() => stage.embedding?.predicted.map(decodeTensor) ?? [], [stage]);
  const describe = `step ${i + 1} of ${n} · t = ${s.timestep}${s.prevTimestep !== null ? ` → ${s.prevTimestep}` : " → 0"}`;
  const slider = <StepSlider step={i} steps={n} onChange={setStep} playing={playing} onPlaying={setPlaying} describe={describe} />;
  const sliderCopy = <StepSlider step={i} steps={n} onChange={setStep} playing={playing} onPlaying={setPlaying} describe={describe} drivesPlayback={false} />;
  const predRange = useMemo<[number, number]>(() => [-absMax(prediction), absMax(prediction)], [prediction]);
  return (
    <div className="space-y-3" data-testid="timeline-view">
      {slider}
      {i === 0 && spatial && (
        <p className="text-[12px] text-slate-400">
          Step 1 starts from pure noise: at the last training timestep almost no signal is left (<Term id="alpha-bar" /> ≈ {formatNumber(s.alphaProdT)}), so
          noise is what the model was trained to clean up there. Press Play to run the sampling forward.
        </p>
      )}
      <div className="flex flex-wrap items-start gap-4">
        {spatial ? (
          <>
            <TensorPicture values={sample} shape={s.sample.shape} label={`x_t (t = ${s.timestep}): the noisy sample`} controls={sliderCopy} />
            <TensorPicture values={x0} shape={s.predOriginalSample.shape} label="x̂₀: the clean image predicted at this step" controls={sliderCopy} />
            <TensorPicture
              values={prediction}
              shape={s.modelOutput.shape}
              range={predRange}
              label={stage.scheduler.predictionType === "epsilon" ? "ε̂: the noise the model predicts" : "the model's prediction"}
              controls={sliderCopy}
            />
          </>
        ) : (
          <div className="flex w-full flex-col gap-2">
            <EmbeddingStrips rows={[sample]} label={`x_t at t = ${s.timestep} (normalised prior latents, ${sample.length} values)`} />
            <EmbeddingStrips rows={[x0]} label="x̂₀: the clean embedding the prior predicts (normalised)" />
            {predicted.length > 0 && (
              <EmbeddingStrips rows={predicted} highlight={i} label="every step's prediction in CLIP space (rows = steps, this step bright)" />
            )}
            <StripKey />
          </div>
        )}
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 self-center text-[12px]">
          <dt className="text-slate-500">stage</dt>
          <dd className="text-slate-200">
            {stage.stage}
            {stage.batch > 1 ? ` (image 1 of ${stage.batch})` : ""}
          </dd>
          <dt className="text-slate-500">
            <Term id="timestep">t</Term>
          </dt>
          <dd className="font-mono text-slate-200">{s.timestep}</dd>
          <dt className="text-slate-500">
            <Term id="alpha-bar" />
          </dt>
          <dd className="font-mono text-slate-200">{formatNumber(s.alphaProdT)}</dd>
          {s.unet && (
            <>
              <dt className="text-slate-500">UNet</dt>
              <dd className="font-mono text-amber-300" data-testid="timeline-unet">
                {s.unet}
              </dd>
            </>
          )}
          {s.meanVarianceFraction !== null && (
            <>
              <dt className="text-slate-500">
                <Term id="variance">learned variance</Term>
              </dt>
              <dd className="text-slate-200">
                {formatNumber(s.meanVarianceFraction)} of the way from <Term id="beta-tilde" /> to <Term id="beta" /> (mean over values)
              </dd>
            </>
          )}
          {stage.guidanceScale !== null && (
            <>
              <dt className="text-slate-500">
                <Term id="guidance-scale">guidance</Term>
              </dt>
              <dd className="text-slate-200">scale {formatNumber(stage.guidanceScale)}</dd>
            </>
          )}
        </dl>
      </div>
      {stage.stage === "super_res" && (
        <div className="space-y-1">
          <ol className="flex flex-wrap gap-1" aria-label="UNet per step">
            {stage.steps.map((x) => (
              <li
                key={x.index}
                className={`rounded px-1.5 text-[10px] ${x.index === i ? "ring-1 ring-sky-400" : ""} ${x.unet === "super_res_last" ? "bg-amber-500/30 text-amber-200" : "bg-slate-800 text-slate-300"}`}
              >
                {x.timestep}: {x.unet === "super_res_last" ? "last" : "first"}
              </li>
            ))}
          </ol>
          <p className="text-[11px] text-slate-400">
            Key: <span className="rounded bg-slate-800 px-1 text-slate-300">grey</span> super_res_first ran this step,{" "}
            <span className="rounded bg-amber-500/30 px-1 text-amber-200">amber</span> super_res_last (only the last step, down to t = 0).
          </p>
        </div>
      )}
      {spatial && <ExportFrames stage={stage} />}
    </div>
  );
}
