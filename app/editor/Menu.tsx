"use client";
import { useEffect, useRef, useState, type ReactNode } from "react";

export interface MenuItem {
  label: string;
  onSelect(): void;
  shortcut?: string;
  disabled?: boolean;
  separatorBefore?: boolean;
}

/** A dropdown menu button: click or Enter to open, arrows to move, Escape or a click outside to close. */
export function Menu({ label, items, children }: { label: string; items: MenuItem[]; children?: ReactNode }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => root.current && !root.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener("mousedown", away);
    root.current?.querySelector<HTMLButtonElement>("[role=menuitem]:not([disabled])")?.focus();
    return () => document.removeEventListener("mousedown", away);
  }, [open]);
  const move = (e: React.KeyboardEvent) => {
    const buttons = [...(root.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]:not([disabled])") ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "ArrowDown") buttons[(i + 1) % buttons.length]?.focus();
    else if (e.key === "ArrowUp") buttons[(i - 1 + buttons.length) % buttons.length]?.focus();
    else if (e.key === "Escape") setOpen(false);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  return (
    <div className="relative" ref={root} onKeyDown={move}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        className="flex items-center gap-1 rounded-md px-2.5 py-1.5 text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400"
        onClick={() => setOpen((o) => !o)}
      >
        {children ?? label}
        <span aria-hidden className="text-[10px] text-slate-500">
          ▾
        </span>
      </button>
      {open && (
        <div
          role="menu"
          aria-label={label}
          className="absolute left-0 top-full z-40 mt-1 min-w-[220px] rounded-lg border border-slate-700 bg-slate-900 p-1 shadow-2xl"
        >
          {items.map((it) => (
            <div key={it.label}>
              {it.separatorBefore && <div className="my-1 border-t border-slate-700" role="separator" />}
              <button
                type="button"
                role="menuitem"
                disabled={it.disabled}
                aria-keyshortcuts={it.shortcut?.replace(/Ctrl/g, "Control")}
                className="flex w-full items-center justify-between gap-4 rounded px-2.5 py-1.5 text-left text-sm text-slate-200 outline-none hover:bg-slate-800 focus-visible:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400 disabled:text-slate-600"
                onClick={() => {
                  setOpen(false);
                  it.onSelect();
                }}
              >
                {it.label}
                {it.shortcut && (
                  <span aria-hidden className="font-mono text-[11px] text-slate-500">
                    {it.shortcut}
                  </span>
                )}
              </button>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
