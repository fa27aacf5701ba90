"use client";
/**
 * A Scheduler node's noise schedule: ᾱ_t, β_t and σ_t over the training timesteps, with the
 * inference timesteps it will visit marked; recomputed by the server's scheduler whenever the
 * node's settings change. For learned_range, the variance the model chose at each step of the
 * last traced run of the sampler it feeds.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Bar, BarChart, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "../../../trpc/client";
import { graphToWorkflow } from "../../lib/convert";
import { useGraph } from "../../state/graphStore";
import { Key, Term } from "../Term";
import { formatNumber } from "../lib/explain";
import { useNodeTrace } from "../useTraces";

const TOOLTIP = { background: "#0f172a", border: "1px solid #334155", fontSize: 11 };

/**
 * The workflow without what cannot change a schedule (positions, titles, name, meta): the query key
 * is hashed by value, so dragging a node or renaming one does not refetch.
 */
function useScheduleInput(nodeId: string) {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  return useMemo(() => {
    const wf = graphToWorkflow({ nodes, edges });
    return {
      nodeId,
      workflow: {
        ...wf,
        name: undefined,
        meta: undefined,
        nodes: wf.nodes.map((n) => ({ id: n.id, type: n.type, params: n.params, position: { x: 0, y: 0 } })),
      },
    };
  }, [nodeId, nodes, edges]);
}

function LearnedVariance({ schedulerId }: { schedulerId: string }) {
  const consumer = useGraph((s) => s.edges.find((e) => e.source === schedulerId)?.target ?? null);
  const { trace } = useNodeTrace(consumer);
  const stage = trace?.stage;
  if (!stage || !stage.steps.some((s) => s.meanVarianceFraction !== null)) {
    return <p className="text-[12px] text-slate-400">Run the workflow with tracing on to see where the model put each step&apos;s variance.</p>;
  }
  const data = stage.steps.filter((s) => s.meanVarianceFraction !== null).map((s) => ({ t: s.timestep, fraction: s.meanVarianceFraction }));
  return (
    <div className="h-36 w-full max-w-xl" data-testid="variance-chart">
      <p className="text-[12px] text-slate-400">
        <Term id="variance">learned_range</Term>, last run of {consumer}: 0 = <Term id="beta-tilde" /> (the posterior variance), 1 = <Term id="beta" />; bars:
        the mean fraction the model chose at each <Term id="timestep" /> of the run
      </p>
      <ResponsiveContainer width="100%" height="85%">
        <BarChart data={data} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#1e293b" />
          <XAxis
            dataKey="t"
            stroke="#64748b"
            fontSize={10}
            reversed
            label={{ value: "timestep t (run order →)", position: "insideBottom", offset: -2, fill: "#94a3b8", fontSize: 10 }}
          />
          <YAxis stroke="#64748b" fontSize={10} width={40} domain={[0, 1]} />
          <Tooltip contentStyle={TOOLTIP} formatter={(v) => formatNumber(Number(v))} />
          <Bar dataKey="fraction" name="variance fraction" fill="#a78bfa" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function ScheduleView({ nodeId }: { nodeId: string }) {
  const trpc = useTRPC();
  const input = useScheduleInput(nodeId);
  const q = useQuery({ ...trpc.teach.schedule.queryOptions(input), placeholderData: (prev) => prev, retry: false });
  const data = useMemo(() => {
    const s = q.data;
    if (!s) return [];
    const points = [];
    for (let t = 0; t < s.numTrainTimesteps; t += 5) points.push({ t, alphaBar: s.alphasCumprod[t], beta: s.betas[t], sigma: s.sigmas[t] });
    for (const step of s.steps) points.push({ t: step.timestep, step: step.alphaProdT, stepSigma: step.sigma });
    return points.sort((a, b) => a.t - b.t);
  }, [q.data]);
  if (q.error) return <p className="text-[12px] text-red-300">The schedule could not be computed: {q.error.message}</p>;
  if (!q.data) return <p className="text-[12px] text-slate-400">Computing the schedule…</p>;
  const s = q.data;
  return (
    <div className="space-y-2" data-testid="schedule-view">
      <p className="text-[12px] text-slate-300">
        {s.packageName} · {s.component} · {s.betaSchedule} · {s.varianceType} · prediction {s.predictionType}
        {s.clipSample ? ` · clip ±${formatNumber(s.clipSampleRange)}` : ""}
      </p>
      <p className="text-[11px] text-slate-400">
        The <Term id="noise-schedule" /> over the training <Term id="timestep">timesteps</Term>, and the ones this <Term id="scheduler" /> visits:
      </p>
      <p className="font-mono text-[11px] text-slate-400" data-testid="schedule-timesteps">
        {s.timesteps.length} steps: {s.timesteps.join(", ")}
      </p>
      <Key
        items={[
          {
            colour: "#38bdf8",
            label: (
              <>
                <Term id="alpha-bar" /> — signal kept
              </>
            ),
          },
          {
            colour: "#f97316",
            label: (
              <>
                <Term id="beta" /> — noise added per training step
              </>
            ),
          },
          {
            colour: "#a3e635",
            label: (
              <>
                <Term id="sigma" /> = √<Term id="beta-tilde" />
              </>
            ),
          },
          { colour: "#facc15", dot: true, label: <>inference steps (their ᾱ)</> },
          { colour: "#f472b6", dot: true, label: <>σ of each (skipping) step</> },
        ]}
      />
      <div className="h-48 w-full max-w-2xl" data-testid="schedule-chart">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 4, right: 12, bottom: 14, left: 0 }}>
            <CartesianGrid stroke="#1e293b" />
            <XAxis
              dataKey="t"
              type="number"
              domain={[0, s.numTrainTimesteps - 1]}
              stroke="#64748b"
              fontSize={10}
              label={{ value: "training timestep t", position: "insideBottom", offset: -6, fill: "#94a3b8", fontSize: 10 }}
            />
            <YAxis stroke="#64748b" fontSize={10} width={40} domain={[0, 1]} ticks={[0, 0.25, 0.5, 0.75, 1]} />
            <Tooltip contentStyle={TOOLTIP} labelFormatter={(v) => `t = ${formatNumber(Number(v))}`} formatter={(v) => formatNumber(Number(v))} />
            <Line dataKey="alphaBar" name="ᾱ_t (signal kept)" stroke="#38bdf8" dot={false} connectNulls isAnimationActive={false} />
            <Line dataKey="beta" name="β_t" stroke="#f97316" dot={false} connectNulls isAnimationActive={false} />
            <Line dataKey="sigma" name="σ_t = √β̃_t" stroke="#a3e635" dot={false} connectNulls isAnimationActive={false} />
            <Scatter dataKey="step" name="inference steps (ᾱ)" fill="#facc15" isAnimationActive={false} />
            <Scatter dataKey="stepSigma" name="σ of each (skipping) step" fill="#f472b6" isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      {s.varianceType === "learned_range" && <LearnedVariance schedulerId={nodeId} />}
    </div>
  );
}
