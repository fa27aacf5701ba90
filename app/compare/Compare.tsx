"use client";
/**
 * The compare view: two results side by side, the same two under a slider (drag to reveal B over
 * A), and the differences between the workflows that made them (nodes/core/workflowDiff.ts):
 * node, parameter, value in A, value in B; nodes only one of them has; wires only one has.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useRef, useState } from "react";
import { diffWorkflows, showValue } from "../../nodes/core/workflowDiff";
import { parseWorkflow } from "../../nodes/core/workflow";
import { useTRPC } from "../trpc/client";

const ID = /^[0-9a-f]{32}$/;

function Slider({ a, b }: { a: string; b: string }) {
  const [at, setAt] = useState(50);
  const box = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);
  const moveTo = (clientX: number) => {
    const r = box.current?.getBoundingClientRect();
    if (r && r.width > 0) setAt(Math.round(Math.min(100, Math.max(0, ((clientX - r.left) / r.width) * 100))));
  };
  return (
    <figure className="flex flex-col items-center gap-2">
      <div
        ref={box}
        className="relative aspect-square w-full max-w-[512px] cursor-ew-resize touch-none select-none overflow-hidden rounded-lg bg-slate-950"
        data-testid="compare-slider"
        onPointerDown={(e) => {
          dragging.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          moveTo(e.clientX);
        }}
        onPointerMove={(e) => dragging.current && moveTo(e.clientX)}
        onPointerUp={() => (dragging.current = false)}
        onPointerCancel={() => (dragging.current = false)}
      >
        {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG at its exact pixels */}
        <img src={a} alt="A under the slider" draggable={false} className="studio-pixel absolute inset-0 h-full w-full object-contain" />
        {/* B is drawn over A and cut at the slider: left of the line is B, right of it A */}
        {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG at its exact pixels */}
        <img
          src={b}
          alt="B over the slider"
          draggable={false}
          className="studio-pixel absolute inset-0 h-full w-full object-contain"
          style={{ clipPath: `inset(0 ${100 - at}% 0 0)` }}
          data-testid="compare-overlay"
        />
        <div className="pointer-events-none absolute inset-y-0 w-0.5 bg-sky-400" style={{ left: `${at}%` }} />
      </div>
      <label className="flex w-full max-w-[512px] items-center gap-2 text-xs text-slate-400">
        B
        <input
          type="range"
          min={0}
          max={100}
          value={at}
          onChange={(e) => setAt(Number(e.target.value))}
          className="flex-1 accent-sky-400"
          aria-label="Reveal: how much of B shows over A"
          data-testid="compare-range"
        />
        A
      </label>
    </figure>
  );
}

export function Compare({ a, b }: { a: string; b: string }) {
  const trpc = useTRPC();
  const valid = ID.test(a) && ID.test(b);
  const pair = useQuery({ ...trpc.runs.compare.queryOptions({ a, b }), enabled: valid });
  const catalog = useQuery(trpc.nodes.catalog.queryOptions(undefined, { staleTime: Infinity }));
  const diff = useMemo(() => {
    if (!pair.data) return null;
    const types = new Map((catalog.data ?? []).map((d) => [d.type, d]));
    try {
      return diffWorkflows(parseWorkflow(pair.data.a.workflowSnapshot), parseWorkflow(pair.data.b.workflowSnapshot), (t) => types.get(t));
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [pair.data, catalog.data]);

  return (
    <div className="flex min-h-screen flex-col bg-slate-950 text-slate-200">
      <header className="flex h-12 flex-none items-center gap-3 border-b border-slate-800 bg-slate-900 px-3">
        <span className="text-sm font-semibold text-sky-300">unCLIP Studio</span>
        <h1 className="text-sm font-medium text-slate-100">Compare</h1>
        <div className="flex-1" />
        <Link
          href="/gallery"
          className="rounded-md px-2.5 py-1.5 text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
        >
          Gallery
        </Link>
        <Link
          href="/"
          className="rounded-md px-2.5 py-1.5 text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
        >
          ← Editor
        </Link>
      </header>
      <main className="flex-1 space-y-6 p-4">
        {!valid && <p className="text-red-300">Pick two images to compare (in the gallery, or with “Compare” under a node’s picture).</p>}
        {pair.isLoading && valid && <p className="text-slate-400">Loading…</p>}
        {pair.isError && <p className="text-red-300">{pair.error.message}</p>}
        {pair.data && (
          <>
            <section className="grid grid-cols-1 gap-4 md:grid-cols-3" data-testid="compare-side-by-side">
              {(["a", "b"] as const).map((k) => {
                const side = pair.data[k];
                return (
                  <figure key={k} className="flex flex-col items-center gap-1">
                    {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG at its exact pixels */}
                    <img
                      src={side.url}
                      alt={`${k.toUpperCase()}: ${side.prompt ?? "image"}`}
                      className="studio-pixel aspect-square w-full max-w-[360px] rounded-lg bg-slate-900 object-contain"
                      data-compare-side={k}
                    />
                    <figcaption className="text-center text-xs text-slate-400">
                      <span className="font-semibold text-slate-200">{k.toUpperCase()}</span> · {side.prompt ?? "no prompt"} ·{" "}
                      {new Date(side.createdAt).toLocaleString()}
                    </figcaption>
                  </figure>
                );
              })}
              <Slider a={pair.data.a.url} b={pair.data.b.url} />
            </section>
            <section>
              <h2 className="mb-2 text-[11px] font-semibold uppercase tracking-wide text-slate-500">What differs between their workflows</h2>
              {diff && "error" in diff && <p className="text-red-300">One of the workflows cannot be read: {diff.error}</p>}
              {diff && !("error" in diff) && (
                <>
                  {diff.changed.length + diff.added.length + diff.removed.length + diff.rewired.length === 0 && (
                    <p className="text-sm text-slate-400">The two workflows are the same: the images came from the same settings.</p>
                  )}
                  {diff.changed.length > 0 && (
                    <table className="w-full max-w-3xl text-left text-sm" data-testid="compare-diff">
                      <thead className="text-[11px] uppercase tracking-wide text-slate-500">
                        <tr>
                          <th className="py-1 pr-3 font-medium">Node</th>
                          <th className="py-1 pr-3 font-medium">Parameter</th>
                          <th className="py-1 pr-3 font-medium">A</th>
                          <th className="py-1 font-medium">B</th>
                        </tr>
                      </thead>
                      <tbody>
                        {diff.changed.map((c) => (
                          <tr key={`${c.nodeId}:${c.param}`} className="border-t border-slate-800" data-diff-param={`${c.nodeId}.${c.param}`}>
                            <td className="py-1 pr-3 text-slate-200">{c.node}</td>
                            <td className="py-1 pr-3 text-slate-300">{c.label}</td>
                            <td className="py-1 pr-3 font-mono text-xs text-amber-200">{showValue(c.a)}</td>
                            <td className="py-1 font-mono text-xs text-sky-200">{showValue(c.b)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                  {(diff.removed.length > 0 || diff.added.length > 0) && (
                    <ul className="mt-3 space-y-0.5 text-sm" data-testid="compare-nodes">
                      {diff.removed.map((n) => (
                        <li key={`r:${n.nodeId}`} className="text-amber-200">
                          only in A: {n.node} ({n.nodeId})
                        </li>
                      ))}
                      {diff.added.map((n) => (
                        <li key={`a:${n.nodeId}`} className="text-sky-200">
                          only in B: {n.node} ({n.nodeId})
                        </li>
                      ))}
                    </ul>
                  )}
                  {diff.rewired.length > 0 && (
                    <ul className="mt-3 space-y-0.5 font-mono text-xs text-slate-400">
                      {diff.rewired.map((w) => (
                        <li key={`${w.in}:${w.link}`}>
                          wire only in {w.in.toUpperCase()}: {w.link}
                        </li>
                      ))}
                    </ul>
                  )}
                </>
              )}
            </section>
          </>
        )}
      </main>
    </div>
  );
}
