"use client";
/**
 * The colour theme: the system's preference unless the menu picked light or dark. The choice is
 * kept in this browser (localStorage) and applied as `data-theme` on <html>; app/globals.css
 * turns the slate scale around for light.
 */
import { useEffect, useSyncExternalStore } from "react";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "unclip-studio.theme";
const ORDER: readonly ThemeChoice[] = ["system", "light", "dark"];
const LABEL: Record<ThemeChoice, string> = { system: "as the system", light: "light", dark: "dark" };

const listeners = new Set<() => void>();

function readChoice(): ThemeChoice {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system"; // storage refused (private mode): follow the system
  }
}

function apply(choice: ThemeChoice): void {
  if (choice === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

function subscribe(onChange: () => void): () => void {
  const media = window.matchMedia("(prefers-color-scheme: light)");
  listeners.add(onChange);
  media.addEventListener("change", onChange);
  window.addEventListener("storage", onChange);
  return () => {
    listeners.delete(onChange);
    media.removeEventListener("change", onChange);
    window.removeEventListener("storage", onChange);
  };
}

/** "light" or "dark" as drawn now, with the choice: one string, so the snapshot compares by value. */
function snapshot(): string {
  const choice = readChoice();
  const light = choice === "light" || (choice === "system" && window.matchMedia("(prefers-color-scheme: light)").matches);
  return `${choice}:${light ? "light" : "dark"}`;
}

/** Move to the next choice (system → light → dark) and keep it. */
export function nextTheme(): void {
  const c = ORDER[(ORDER.indexOf(readChoice()) + 1) % ORDER.length];
  try {
    window.localStorage.setItem(KEY, c);
  } catch {
    // not kept across reloads, still applied now
  }
  apply(c);
  for (const l of listeners) l();
}

/** The current choice, its label for the menu, and whether the page is drawn light (React Flow's colour mode follows it). */
export function useTheme(): { choice: ThemeChoice; label: string; light: boolean } {
  const snap = useSyncExternalStore(subscribe, snapshot, () => "system:dark");
  const [choice, drawn] = snap.split(":") as [ThemeChoice, string];
  // the stored choice is applied once the page runs (the server cannot know it)
  useEffect(() => {
    apply(choice);
  }, [choice]);
  return { choice, label: LABEL[choice], light: drawn === "light" };
}
