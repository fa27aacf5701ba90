"use client";
/** The `?` overlay: every shortcut and gesture, from the one list (lib/shortcutList.ts). */
import { SHORTCUTS } from "./lib/shortcutList";
import { useUi } from "./state/uiStore";

export function ShortcutsOverlay() {
  const open = useUi((s) => s.shortcutsOpen);
  if (!open) return null;
  const close = () => useUi.getState().setShortcutsOpen(false);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/50" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div
        role="dialog"
        aria-label="Keyboard shortcuts"
        className="max-h-[90vh] w-[620px] max-w-[94vw] overflow-y-auto rounded-xl border border-slate-700 bg-slate-900 p-4 shadow-2xl"
        data-testid="shortcuts"
      >
        <div className="mb-3 flex items-center justify-between">
          <h2 className="text-base font-semibold text-slate-100">Keyboard shortcuts and gestures</h2>
          <button
            type="button"
            onClick={close}
            aria-label="Close"
            className="rounded px-2 text-slate-400 outline-none hover:text-white focus-visible:ring-2 focus-visible:ring-sky-400"
          >
            ×
          </button>
        </div>
        <table className="w-full text-sm">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys} className="border-t border-slate-800">
                <td className="whitespace-nowrap py-1 pr-4 font-mono text-[12px] text-sky-200">{s.keys}</td>
                <td className="py-1 text-slate-300">{s.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
