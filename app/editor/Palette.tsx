"use client";
/**
 * The add-node palette: type to search the catalog, arrows and Enter to pick. Opened from a wire
 * dropped on the canvas it lists only nodes that wire fits, and connects the new node to it.
 */
import { useReactFlow } from "@xyflow/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { portColor } from "./lib/ports";
import { searchCatalog, type PaletteEntry } from "./lib/search";
import { useGraph } from "./state/graphStore";
import { useUi } from "./state/uiStore";
import { NODE_WIDTH } from "./StudioNodeView";

export function Palette() {
  const palette = useUi((s) => s.palette);
  const close = () => useUi.getState().closePalette();
  const catalogMap = useGraph((s) => s.catalog);
  const catalog = useMemo(() => [...catalogMap.values()], [catalogMap]);
  const flow = useReactFlow();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);

  const results = useMemo(() => (palette ? searchCatalog(catalog, query, palette.wire) : []), [catalog, query, palette]);

  // each opening starts with an empty search (state adjusted while rendering, not in an effect)
  const [openedFor, setOpenedFor] = useState(palette);
  if (openedFor !== palette) {
    setOpenedFor(palette);
    if (palette) {
      setQuery("");
      setActive(0);
    }
  }

  useEffect(() => {
    if (palette) requestAnimationFrame(() => input.current?.focus());
  }, [palette]);
  useEffect(() => {
    list.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [active]);

  if (!palette) return null;

  const add = (entry: PaletteEntry | undefined) => {
    if (!entry) return;
    let position = palette.position;
    if (!position) {
      const box = document.querySelector("[data-testid=canvas]")?.getBoundingClientRect();
      const centre = box ? { x: box.left + box.width / 2, y: box.top + box.height / 3 } : { x: 400, y: 300 };
      position = flow.screenToFlowPosition(centre);
    }
    // a node added from a wire starts beside the wire's end, on the side it will connect from
    if (palette.wire?.from === "input") position = { x: position.x - NODE_WIDTH, y: position.y };
    useGraph
      .getState()
      .addNode(
        entry.decl.type,
        position,
        palette.wire && entry.port ? { nodeId: palette.wire.nodeId, handle: palette.wire.handle, from: palette.wire.from, port: entry.port } : undefined,
      );
    close();
  };

  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-black/40 pt-24" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div
        role="dialog"
        aria-label="Add a node"
        aria-modal="true"
        className="flex max-h-[70vh] w-[560px] flex-col overflow-hidden rounded-xl border border-slate-700 bg-slate-900 shadow-2xl"
        data-testid="palette"
      >
        <div className="border-b border-slate-700 p-2">
          <input
            ref={input}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            placeholder={palette.wire ? `Add a node that takes or gives ${palette.wire.type}…` : "Search nodes…"}
            aria-label="Search nodes"
            aria-controls="palette-results"
            aria-activedescendant={results[active] ? `palette-item-${active}` : undefined}
            className="w-full rounded-md bg-slate-950 px-3 py-2 text-sm text-slate-100 outline-none ring-1 ring-slate-700 focus:ring-2 focus:ring-sky-400"
            onKeyDown={(e) => {
              if (e.key === "ArrowDown") {
                e.preventDefault();
                setActive((a) => Math.min(results.length - 1, a + 1));
              } else if (e.key === "ArrowUp") {
                e.preventDefault();
                setActive((a) => Math.max(0, a - 1));
              } else if (e.key === "Enter") {
                e.preventDefault();
                add(results[active]);
              } else if (e.key === "Escape") {
                e.preventDefault();
                close();
              }
            }}
          />
          {palette.wire && (
            <p className="mt-1.5 flex items-center gap-1.5 px-1 text-xs text-slate-400">
              <span className="inline-block h-2.5 w-2.5 rounded-full" style={{ background: portColor(palette.wire.type) }} />
              Showing nodes that fit a {palette.wire.type} {palette.wire.from === "output" ? "output" : "input"}; the new node is connected to it.
            </p>
          )}
        </div>
        <ul ref={list} id="palette-results" role="listbox" className="flex-1 overflow-y-auto p-1">
          {results.length === 0 && <li className="px-3 py-6 text-center text-sm text-slate-500">No node matches “{query}”.</li>}
          {results.map((r, i) => (
            <li
              key={r.decl.type}
              id={`palette-item-${i}`}
              data-index={i}
              role="option"
              aria-selected={i === active}
              className={`cursor-pointer rounded-md px-3 py-2 ${i === active ? "bg-sky-500/20" : "hover:bg-slate-800"}`}
              onMouseEnter={() => setActive(i)}
              onClick={() => add(r)}
            >
              <div className="flex items-baseline justify-between gap-3">
                <span className="text-sm font-medium text-slate-100">{r.decl.title}</span>
                <span className="flex-none text-[11px] uppercase tracking-wide text-slate-500">{r.decl.category}</span>
              </div>
              <p className="line-clamp-2 text-xs leading-snug text-slate-400">{r.decl.description}</p>
            </li>
          ))}
        </ul>
        <div className="border-t border-slate-700 px-3 py-1.5 text-[11px] text-slate-500">↑ ↓ to choose · Enter to add · Esc to close</div>
      </div>
    </div>
  );
}
