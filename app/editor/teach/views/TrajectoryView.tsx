"use client";
/**
 * The prior's path through CLIP space (cosine of each step's predicted embedding to the prompt's
 * text embedding and to the final one), or an interpolation's frames (cosine to either end).
 */
import { useMemo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { EmbeddingStrips, StripKey } from "../Pictures";
import { formatNumber } from "../lib/explain";
import type { FramesTrace, StageTrace } from "../lib/nodeTrace";
import { decodeTensor } from "../lib/traceMath";

/**
 * The y range of cosines: from a round value under the lowest point to exactly 1 (a cosine never
 * exceeds 1, so an axis running to 1.05 would only mislead).
 */
export function cosineDomain(data: Record<string, number>[], keys: string[]): [number, number] {
  let lo = 1;
  for (const d of data) for (const k of keys) if (Number.isFinite(d[k])) lo = Math.min(lo, d[k]);
  const floor = Math.floor(lo * 10) / 10;
  return [Math.max(-1, Math.min(floor, 0.9)), 1];
}

function Chart({ data, x, lines }: { data: Record<string, number>[]; x: string; lines: { key: string; name: string; colour: string }[] }) {
  const domain = cosineDomain(
    data,
    lines.map((l) => l.key),
  );
  const ticks = Array.from({ length: Math.round((domain[1] - domain[0]) * 10) + 1 }, (_, k) => Math.round((domain[0] + k * 0.1) * 10) / 10).filter(
    (_, k, all) => all.length <= 11 || k % 2 === 0 || k === all.length - 1,
  );
  return (
    <div className="h-44 w-full max-w-xl" data-testid="trajectory-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 4, right: 12, bottom: 14, left: 0 }}>
          <CartesianGrid stroke="#1e293b" />
          <XAxis
            dataKey={x}
            type="number"
            domain={["dataMin", "dataMax"]}
            allowDecimals={false}
            stroke="#64748b"
            fontSize={10}
            label={{ value: x, position: "insideBottom", offset: -6, fill: "#94a3b8", fontSize: 10 }}
          />
          <YAxis
            stroke="#64748b"
            fontSize={10}
            width={40}
            domain={domain}
            ticks={ticks}
            allowDataOverflow
            label={{ value: "cosine", angle: -90, position: "insideLeft", fill: "#94a3b8", fontSize: 10 }}
          />
          <Tooltip contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 11 }} formatter={(v) => formatNumber(Number(v))} />
          <Legend verticalAlign="top" wrapperStyle={{ fontSize: 11 }} />
          {lines.map((l) => (
            <Line key={l.key} type="monotone" dataKey={l.key} name={l.name} stroke={l.colour} dot isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function PriorTrajectoryView({ stage }: { stage: StageTrace }) {
  const e = stage.embedding!;
  const data = useMemo(() => e.cosineToText.map((c, i) => ({ step: i + 1, t: stage.timesteps[i], toText: c, toFinal: e.cosineToFinal[i] })), [e, stage]);
  const rows = useMemo(() => e.predicted.map(decodeTensor), [e]);
  return (
    <div className="space-y-2" data-testid="trajectory-view">
      <Chart
        data={data}
        x="step"
        lines={[
          { key: "toText", name: "cosine to the prompt's text embedding", colour: "#38bdf8" },
          { key: "toFinal", name: "cosine to the final image embedding", colour: "#f472b6" },
        ]}
      />
      <EmbeddingStrips rows={rows} label={`predicted image embedding per step (${rows.length} rows × ${rows[0]?.length ?? 0} values)`} />
      <StripKey />
    </div>
  );
}

export function FramesView({ frames }: { frames: FramesTrace }) {
  const data = useMemo(() => frames.factors.map((f, i) => ({ frame: i + 1, factor: f, toA: frames.cosineToA[i], toB: frames.cosineToB[i] })), [frames]);
  const rows = useMemo(() => frames.embeddings.map(decodeTensor), [frames]);
  return (
    <div className="space-y-2" data-testid="frames-view">
      <Chart
        data={data}
        x="frame"
        lines={[
          { key: "toA", name: "cosine to a", colour: "#38bdf8" },
          { key: "toB", name: "cosine to b", colour: "#f472b6" },
        ]}
      />
      <EmbeddingStrips rows={rows} label={`${rows.length} frames (${frames.method}), factors ${frames.factors.map((f) => formatNumber(f)).join(", ")}`} />
      <StripKey />
    </div>
  );
}
