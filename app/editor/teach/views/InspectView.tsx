"use client";
/** The tensor inspector for an output port (or the edge leaving it): shape, dtype, statistics, histogram, pictures. */
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatNumber } from "../lib/explain";
import type { PortSummary } from "../lib/nodeTrace";

function Histogram({ h }: { h: NonNullable<PortSummary["entries"][number]["histogram"]> }) {
  const width = (h.max - h.min) / h.counts.length;
  const data = h.counts.map((count, k) => ({ from: h.min + k * width, count }));
  return (
    <div className="h-28 w-72" data-testid="histogram">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
          <XAxis dataKey="from" stroke="#64748b" fontSize={9} tickFormatter={(v) => formatNumber(Number(v))} />
          <YAxis stroke="#64748b" fontSize={9} width={36} />
          <Tooltip
            contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 11 }}
            labelFormatter={(v) => `from ${formatNumber(Number(v))}`}
          />
          <Bar dataKey="count" fill="#38bdf8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function InspectView({ summary, title }: { summary: PortSummary; title: string }) {
  return (
    <div className="space-y-3" data-testid="inspect-view">
      <h3 className="text-xs font-semibold text-slate-200">
        {title} <span className="font-normal text-slate-500">· {summary.kind}</span>
      </h3>
      {summary.value !== undefined && <p className="font-mono text-sm text-slate-200">{String(summary.value)}</p>}
      {summary.entries.length === 0 && summary.value === undefined && <p className="text-[12px] text-slate-400">No tensors in this value.</p>}
      {summary.entries.map((e) => (
        <div key={e.name} className="flex flex-wrap items-start gap-4">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 text-[12px]" data-testid="tensor-stats">
            <dt className="text-slate-500">tensor</dt>
            <dd className="font-mono text-slate-200">{e.name}</dd>
            <dt className="text-slate-500">shape</dt>
            <dd className="font-mono text-slate-200">[{e.shape.join(", ")}]</dd>
            <dt className="text-slate-500">dtype</dt>
            <dd className="font-mono text-slate-200">{e.dtype}</dd>
            {(["min", "max", "mean", "std"] as const).map((k) => (
              <div key={k} className="contents">
                <dt className="text-slate-500">{k}</dt>
                <dd className="font-mono text-slate-200">{e[k] === null ? "—" : formatNumber(e[k])}</dd>
              </div>
            ))}
            {e.nonFinite > 0 && (
              <>
                <dt className="text-red-400">non-finite</dt>
                <dd className="font-mono text-red-300">{e.nonFinite}</dd>
              </>
            )}
          </dl>
          {e.histogram && <Histogram h={e.histogram} />}
        </div>
      ))}
      {summary.pictures.length > 0 && (
        <div className="flex gap-3">
          {summary.pictures.map((p) => (
            <figure key={`${p.name}-${p.index}`} className="flex flex-col items-center gap-1">
              {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG shown at its exact pixels; the Next image optimizer is not wanted */}
              <img src={p.url} alt={`${p.name} [${p.index}]`} className="studio-pixel h-24 w-24 rounded bg-slate-950 object-contain" />
              <figcaption className="text-[11px] text-slate-400">
                {p.name} [{p.index}] · {formatNumber(p.range[0])} … {formatNumber(p.range[1])}
              </figcaption>
            </figure>
          ))}
        </div>
      )}
    </div>
  );
}
