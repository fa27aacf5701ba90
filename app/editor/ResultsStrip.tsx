"use client";
/**
 * The results strip: the final images of the last run(s) — those of output nodes (Save Image and
 * the like) — in a row under the canvas. It is laid out beside the canvas, never over it, so the
 * canvas (and its fit) simply gets that much less height and no node is ever covered. Clicking a
 * picture selects its node and brings it into view.
 */
import { useMemo } from "react";
import type { ArtifactImage } from "./lib/runState";
import { useGraph } from "./state/graphStore";
import { useRuns } from "./state/runStore";
import { useJumpToNode } from "./useJumpToNode";

interface Shown {
  nodeId: string;
  title: string;
  image: ArtifactImage;
}

export function ResultsStrip() {
  const outputs = useRuns((s) => s.outputs);
  const nodes = useGraph((s) => s.nodes);
  const catalog = useGraph((s) => s.catalog);
  const jump = useJumpToNode();

  // graph order, so the strip reads like the graph; only nodes still in the graph
  const shown = useMemo<Shown[]>(
    () =>
      nodes.flatMap((n) => {
        const decl = catalog.get(n.data.type);
        if (!decl?.output) return [];
        return (outputs[n.id]?.images ?? []).map((image) => ({ nodeId: n.id, title: n.data.title ?? decl.title, image }));
      }),
    [nodes, catalog, outputs],
  );
  if (!shown.length) return null;

  return (
    <section
      aria-label="Results"
      data-testid="results-strip"
      className="flex h-24 flex-none items-center gap-2 overflow-x-auto border-t border-slate-800 bg-slate-900/70 px-2"
    >
      <h2 className="flex-none text-[11px] font-semibold uppercase tracking-wide text-slate-500 [writing-mode:vertical-rl] rotate-180">Results</h2>
      {shown.map(({ nodeId, title, image }) => (
        <button
          key={`${nodeId}:${image.id}`}
          type="button"
          onClick={() => jump(nodeId)}
          title={`${title} — ${image.width}×${image.height}: select the node`}
          data-result-node={nodeId}
          className="h-20 flex-none overflow-hidden rounded border border-slate-700 bg-slate-950 outline-none hover:border-sky-500 focus-visible:ring-2 focus-visible:ring-sky-400"
        >
          {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG at its exact pixels; the Next image optimizer is not wanted */}
          <img
            src={image.url}
            alt={`${title} result ${image.width}×${image.height}`}
            data-result-image={image.id}
            className="studio-pixel h-full w-auto object-contain"
          />
        </button>
      ))}
    </section>
  );
}
