"use client";
/**
 * A symbol or term with its glossary definition on hover and keyboard focus (CSS only, so it works
 * inside any view without state). The definition comes from nodes/core/glossary.ts, the one place
 * terms are defined; an unknown term is a programming error caught by the views' tests.
 */
import type { ReactNode } from "react";
import { glossaryEntry } from "../../../nodes/core/glossary";

export function Term({ id, children }: { id: string; children?: ReactNode }) {
  const entry = glossaryEntry(id);
  if (!entry) return <>{children ?? id}</>;
  return (
    <span className="group/term relative inline-block" data-term={entry.id}>
      <span
        tabIndex={0}
        className="cursor-help underline decoration-slate-500 decoration-dotted underline-offset-2 outline-none focus-visible:ring-1 focus-visible:ring-sky-400"
      >
        {children ?? entry.term}
      </span>
      <span
        role="tooltip"
        className="pointer-events-none invisible absolute bottom-full left-0 z-50 mb-1 w-72 rounded border border-slate-600 bg-slate-950 px-2 py-1.5 text-left font-sans text-[12px] leading-snug font-normal whitespace-normal text-slate-200 shadow-lg group-focus-within/term:visible group-hover/term:visible"
      >
        <b className="text-sky-200">{entry.term}</b> — {entry.definition}
      </span>
    </span>
  );
}

/** A colour key: swatch, label (with hover definition when `term` is given). */
export function Key({ items }: { items: { colour: string; label: ReactNode; dashed?: boolean; dot?: boolean }[] }) {
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-[11px] text-slate-300" aria-label="Colour key">
      {items.map((it, i) => (
        <li key={i} className="flex items-center gap-1.5">
          <span
            aria-hidden
            className={it.dot ? "inline-block h-2 w-2 rounded-full" : "inline-block h-0.5 w-4"}
            style={it.dashed ? { borderTop: `2px dashed ${it.colour}` } : { background: it.colour }}
          />
          {it.label}
        </li>
      ))}
    </ul>
  );
}
