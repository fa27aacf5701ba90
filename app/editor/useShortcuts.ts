"use client";
import { useEffect } from "react";
import { parseClipboard, type ClipboardContent } from "./lib/clipboard";
import { useGraph } from "./state/graphStore";
import { pointer } from "./state/pointer";
import { useUi } from "./state/uiStore";
import type { EditorActions } from "./useEditorActions";

/** The last copied nodes (also put on the system clipboard as text, for other tabs). */
let clipboard: ClipboardContent | null = null;

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return Boolean(el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)));
}

/** Space presses a focused button or link; only elsewhere does it open the palette. */
function onControl(target: EventTarget | null): boolean {
  return Boolean((target as HTMLElement | null)?.closest?.("button, a, [role=button], [role=menuitem], [role=tab], [role=switch], [role=option]"));
}

/** Paste at the pointer; with `withIncoming` the pasted nodes keep the wires that fed the originals. */
function pasteHere(clip: ClipboardContent, withIncoming = true) {
  useGraph.getState().paste(clip, { at: pointer.flow ?? undefined, withIncoming });
}

/** Editor-wide keyboard shortcuts; most are off while typing in a field or while a dialog is open. */
export function useShortcuts(actions: EditorActions): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const ui = useUi.getState();
      if (ui.dialog || ui.palette) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if ((mod || e.altKey) && key === "enter") {
        e.preventDefault();
        // Alt+Enter: run to here, only what the selected nodes need (Ctrl+Shift+Enter lost the selection in tests: Shift is the canvas box-select key)
        const selected = useGraph
          .getState()
          .nodes.filter((n) => n.selected)
          .map((n) => n.id);
        void (e.altKey && !mod ? actions.run(selected) : actions.run());
        return;
      }
      if (mod && key === "s") {
        e.preventDefault();
        void (e.shiftKey ? actions.saveAs() : actions.save());
        return;
      }
      if (mod && key === "o") {
        e.preventDefault();
        void actions.openDialog();
        return;
      }
      if (mod && key === "k") {
        e.preventDefault();
        ui.openPalette(pointer.flow);
        return;
      }
      if (typingIn(e.target)) return;
      if (e.key === "?" || (ui.shortcutsOpen && e.key === "Escape")) {
        e.preventDefault();
        ui.setShortcutsOpen(e.key === "?" ? !ui.shortcutsOpen : false);
        return;
      }
      const g = useGraph.getState();
      if (e.key === " " && !mod) {
        if (onControl(e.target)) return;
        e.preventDefault();
        ui.openPalette(pointer.flow);
      } else if (mod && key === "z") {
        e.preventDefault();
        if (e.shiftKey) g.redo();
        else g.undo();
      } else if (mod && key === "y") {
        e.preventDefault();
        g.redo();
      } else if (mod && key === "c") {
        const clip = g.copySelection();
        if (!clip) return;
        clipboard = clip;
        void navigator.clipboard?.writeText(JSON.stringify(clip)).catch(() => undefined);
      } else if (mod && key === "x") {
        const clip = g.copySelection();
        if (!clip) return;
        clipboard = clip;
        void navigator.clipboard?.writeText(JSON.stringify(clip)).catch(() => undefined);
        g.deleteSelected();
      } else if (mod && key === "v") {
        // our own copy pastes at once; otherwise the paste event may bring one from another tab
        if (clipboard) {
          e.preventDefault();
          pasteHere(clipboard, !e.shiftKey);
        }
      } else if (mod && key === "d") {
        e.preventDefault();
        g.duplicateSelection();
      } else if (mod && key === "b") {
        e.preventDefault();
        g.toggleMode("bypass");
      } else if (mod && key === "m") {
        e.preventDefault();
        g.toggleMode("mute");
      } else if (mod && key === "g") {
        e.preventDefault();
        g.groupSelection();
      } else if (mod && key === "a") {
        e.preventDefault();
        g.selectAll();
      } else if (e.key === "Delete" || e.key === "Backspace") {
        e.preventDefault();
        g.deleteSelected();
      }
    };
    const onPaste = (e: ClipboardEvent) => {
      if (typingIn(e.target) || clipboard) return;
      const clip = parseClipboard(e.clipboardData?.getData("text/plain") ?? "");
      if (clip) {
        e.preventDefault();
        pasteHere(clip);
      }
    };
    window.addEventListener("keydown", onKey);
    document.addEventListener("paste", onPaste);
    return () => {
      window.removeEventListener("keydown", onKey);
      document.removeEventListener("paste", onPaste);
    };
  }, [actions]);
}
