"use client";
/**
 * Saved images, newest first, each card with its prompt, seed and key parameters; filtered by
 * prompt text (in the database); one opens large with the parameters of the run that made it,
 * "Open" loads that run's workflow in the editor, and two picked cards open the compare view.
 */
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { useClassUser } from "../editor/AccountMenu";
import { useTRPC } from "../trpc/client";
import { cellOverrides, runParameters } from "./runParams";
import { clearPicks, compareUrl, togglePick, usePicks } from "../compare/picks";
import { useDebounced } from "./useDebounced";

const PAGE = 48;

interface GalleryImage {
  id: string;
  runId: string;
  nodeId: string;
  width: number | null;
  height: number | null;
  createdAt: Date;
  meta?: Record<string, unknown> | null;
  prompt: string | null;
  keyParams: { label: string; value: string }[];
}

/** The card's caption: the prompt's start and the key parameters (seed first). */
function CardCaption({ image }: { image: GalleryImage }) {
  // seeds first, then guidance scales, then step counts: what most often tells two images apart
  const rank = (label: string) => (/seed/i.test(label) ? 0 : /guidance/i.test(label) ? 1 : 2);
  const sorted = [...image.keyParams].sort((a, b) => rank(a.label) - rank(b.label));
  const seeds = sorted.filter((p) => rank(p.label) === 0);
  const others = sorted.filter((p) => rank(p.label) > 0);
  // a sweep cell's card: the run's key parameters are the sweep's base, so the cell's own values are named too
  const cell = cellOverrides(image.meta);
  return (
    <div className="space-y-0.5 px-2 py-1 text-left text-[11px]">
      {cell.length > 0 && (
        <p className="truncate text-amber-300" data-testid="card-cell">
          sweep cell: {cell.map((o) => `${o.node}.${o.param} ${JSON.stringify(o.value)}`).join(" · ")}
        </p>
      )}
      <p className="line-clamp-2 text-slate-200" title={image.prompt ?? undefined} data-testid="card-prompt">
        {image.prompt ?? <span className="text-slate-500">no prompt</span>}
      </p>
      <p className="truncate text-slate-400" data-testid="card-params" title={image.keyParams.map((p) => `${p.label} ${p.value}`).join(" · ")}>
        {[...seeds.map((p) => `seed ${p.value}`), ...others.map((p) => `${p.label} ${p.value}`)].join(" · ")}
      </p>
      <div className="flex justify-between text-slate-500">
        <span>{new Date(image.createdAt).toLocaleString([], { dateStyle: "short", timeStyle: "short" })}</span>
        <span>
          {image.width}×{image.height}
        </span>
      </div>
    </div>
  );
}

function Lightbox({ image, onClose, onStep }: { image: GalleryImage; onClose: () => void; onStep: (d: 1 | -1) => void }) {
  const trpc = useTRPC();
  const run = useQuery(trpc.runs.get.queryOptions({ id: image.runId }));
  const catalog = useQuery(trpc.nodes.catalog.queryOptions(undefined, { staleTime: Infinity }));
  const closeButton = useRef<HTMLButtonElement>(null);
  const params = useMemo(() => {
    if (!run.data || !catalog.data) return null;
    try {
      return runParameters(run.data.workflowSnapshot, new Map(catalog.data.map((d) => [d.type, d])), cellOverrides(image.meta));
    } catch {
      return null;
    }
  }, [run.data, catalog.data, image.meta]);

  useEffect(() => {
    closeButton.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
      if (e.key === "ArrowRight") onStep(1);
      if (e.key === "ArrowLeft") onStep(-1);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose, onStep]);

  const url = `/api/artifacts/${image.id}`;
  return (
    <div
      className="fixed inset-0 z-50 flex bg-black/85"
      role="dialog"
      aria-modal="true"
      aria-label="Image details"
      onMouseDown={(e) => e.target === e.currentTarget && onClose()}
    >
      <div className="flex min-w-0 flex-1 items-center justify-center p-6" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
        {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG shown at its exact pixels; the Next image optimizer is not wanted */}
        <img
          src={url}
          alt={`Image from run ${image.runId}`}
          className="studio-pixel max-h-full max-w-full rounded-lg object-contain shadow-2xl"
          style={{ minWidth: "min(512px, 100%)" }}
          data-testid="lightbox-image"
        />
      </div>
      <aside className="flex w-[340px] flex-none flex-col border-l border-slate-800 bg-slate-900">
        <div className="flex items-center justify-between border-b border-slate-800 px-4 py-3">
          <h2 className="text-sm font-semibold text-slate-100">Image</h2>
          <button
            ref={closeButton}
            type="button"
            onClick={onClose}
            className="rounded px-2 py-1 text-sm text-slate-300 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
            aria-label="Close"
          >
            ✕
          </button>
        </div>
        <div className="min-h-0 flex-1 space-y-4 overflow-y-auto p-4 text-sm">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
            <dt className="text-slate-500">Size</dt>
            <dd className="text-slate-200">
              {image.width}×{image.height}
            </dd>
            <dt className="text-slate-500">Made</dt>
            <dd className="text-slate-200">{new Date(image.createdAt).toLocaleString()}</dd>
            <dt className="text-slate-500">Run</dt>
            <dd className="truncate font-mono text-slate-300">{image.runId}</dd>
            {run.data?.finishedAt && run.data.startedAt && (
              <>
                <dt className="text-slate-500">Took</dt>
                <dd className="text-slate-200">{((new Date(run.data.finishedAt).getTime() - new Date(run.data.startedAt).getTime()) / 1000).toFixed(1)} s</dd>
              </>
            )}
          </dl>
          <div className="flex gap-2">
            <Link
              href={`/?run=${image.runId}`}
              className="flex-1 rounded-md bg-sky-500 px-3 py-1.5 text-center text-sm font-semibold text-slate-950 outline-none hover:bg-sky-400 focus-visible:ring-2 focus-visible:ring-sky-200"
              data-testid="load-workflow"
            >
              Load this workflow
            </Link>
            <a
              href={url}
              download={`unclip-${image.id.slice(0, 8)}.png`}
              className="rounded-md border border-slate-600 px-3 py-1.5 text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
            >
              Download
            </a>
          </div>
          <section>
            <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Parameters</h3>
            {run.isLoading && <p className="text-xs text-slate-500">Loading…</p>}
            {run.isError && <p className="text-xs text-red-300">{run.error.message}</p>}
            {params?.map((n) => (
              <div key={n.nodeId} className="border-t border-slate-800 py-1.5">
                <div className="text-xs font-medium text-slate-200">{n.title}</div>
                <dl className="mt-0.5 grid grid-cols-[112px_1fr] gap-x-2 text-[11px]">
                  {n.params.map(([k, v]) => (
                    <div key={k} className="contents">
                      <dt className="text-slate-500">{k}</dt>
                      <dd className="break-words text-slate-300">{v}</dd>
                    </div>
                  ))}
                </dl>
              </div>
            ))}
          </section>
        </div>
      </aside>
    </div>
  );
}

export function Gallery() {
  const trpc = useTRPC();
  // class mode: one's own images, or those of workflows shared with the class
  const classUser = useClassUser();
  const [shared, setShared] = useState(false);
  const [filter, setFilter] = useState("");
  const prompt = useDebounced(filter.trim(), 250);
  const picks = usePicks();
  const images = useInfiniteQuery(
    trpc.runs.gallery.infiniteQueryOptions(
      { limit: PAGE, ...(shared ? { shared: true } : {}), ...(prompt ? { prompt } : {}) },
      { getNextPageParam: (last) => (last.length === PAGE ? last[last.length - 1].id : undefined) },
    ),
  );
  const all: GalleryImage[] = useMemo(() => images.data?.pages.flat() ?? [], [images.data]);
  const [open, setOpen] = useState<number | null>(null);

  return (
    <div className="flex min-h-screen flex-col bg-slate-950 text-slate-200">
      <header className="flex h-12 flex-none items-center gap-3 border-b border-slate-800 bg-slate-900 px-3">
        <span className="text-sm font-semibold text-sky-300">unCLIP Studio</span>
        <h1 className="text-sm font-medium text-slate-100">Gallery</h1>
        {classUser && (
          <label className="flex items-center gap-1.5 text-sm text-slate-300">
            <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
            Shared with the class
          </label>
        )}
        <input
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          maxLength={200}
          placeholder="Filter by prompt…"
          aria-label="Filter by prompt"
          data-testid="gallery-filter"
          className="w-64 rounded-md border border-slate-700 bg-slate-950 px-2 py-1 text-sm text-slate-200 outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
        />
        <div className="flex-1" />
        {picks.length > 0 && (
          <span className="flex items-center gap-2 text-sm text-slate-300">
            {picks.length === 2 ? (
              <Link
                href={compareUrl(picks[0], picks[1])}
                className="rounded-md bg-sky-500 px-3 py-1 text-sm font-semibold text-slate-950 outline-none hover:bg-sky-400 focus-visible:ring-2 focus-visible:ring-sky-200"
                data-testid="compare-picked"
              >
                Compare the two
              </Link>
            ) : (
              <span className="text-xs text-slate-400">1 picked: pick another to compare</span>
            )}
            <button type="button" onClick={clearPicks} className="text-xs text-slate-400 underline-offset-2 hover:underline">
              clear
            </button>
          </span>
        )}
        <Link
          href="/"
          className="rounded-md px-2.5 py-1.5 text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
        >
          ← Editor
        </Link>
      </header>
      <main className="flex-1 p-4">
        {images.isLoading && <p className="text-slate-400">Loading…</p>}
        {images.isError && <p className="text-red-300">{images.error.message}</p>}
        {images.isSuccess && all.length === 0 && (
          <p className="text-slate-400">
            {prompt
              ? `No saved image has a prompt containing “${prompt}”.`
              : "No saved images yet. Run a workflow with a Save Image node and they appear here."}
          </p>
        )}
        <ul className="grid grid-cols-[repeat(auto-fill,minmax(180px,1fr))] gap-3" data-testid="gallery-grid">
          {all.map((im, i) => (
            <li key={im.id} className="overflow-hidden rounded-lg border border-slate-800 bg-slate-900" data-gallery-card={im.id}>
              <button
                type="button"
                onClick={() => setOpen(i)}
                className="group block w-full outline-none hover:bg-slate-800/40 focus-visible:ring-2 focus-visible:ring-sky-400"
                aria-label={`Open image from ${new Date(im.createdAt).toLocaleString()}`}
              >
                {/* eslint-disable-next-line @next/next/no-img-element -- our own /api/artifacts PNG shown at its exact pixels; the Next image optimizer is not wanted */}
                <img
                  src={`/api/artifacts/${im.id}`}
                  alt=""
                  loading="lazy"
                  className="studio-pixel aspect-square w-full bg-slate-950 object-contain"
                  data-gallery-image={im.id}
                />
                <CardCaption image={im} />
              </button>
              <div className="flex items-center justify-between border-t border-slate-800 px-2 py-1 text-[11px]">
                <label className="flex items-center gap-1 text-slate-300">
                  <input type="checkbox" checked={picks.includes(im.id)} onChange={() => togglePick(im.id)} aria-label="Compare" data-compare-pick={im.id} />
                  Compare
                </label>
                <Link
                  href={`/?run=${im.runId}`}
                  className="text-sky-300 outline-none hover:underline focus-visible:ring-2 focus-visible:ring-sky-400"
                  data-open-workflow={im.id}
                >
                  Open in editor
                </Link>
              </div>
            </li>
          ))}
        </ul>
        {images.hasNextPage && (
          <div className="mt-4 flex justify-center">
            <button
              type="button"
              onClick={() => void images.fetchNextPage()}
              disabled={images.isFetchingNextPage}
              className="rounded-md border border-slate-600 px-4 py-1.5 text-sm outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
            >
              {images.isFetchingNextPage ? "Loading…" : "Load more"}
            </button>
          </div>
        )}
      </main>
      {open !== null && all[open] && (
        <Lightbox
          image={all[open]}
          onClose={() => setOpen(null)}
          onStep={(d) => setOpen((i) => (i === null ? i : Math.min(all.length - 1, Math.max(0, i + d))))}
        />
      )}
    </div>
  );
}
