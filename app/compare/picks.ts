"use client";
/**
 * The two images picked for comparing, from the gallery or a node's results, kept in
 * localStorage so a pick in the editor and one in the gallery make a pair. Newest last; a third
 * pick drops the oldest.
 */
import { useSyncExternalStore } from "react";

const KEY = "unclip-studio.compare-picks";
const EMPTY: readonly string[] = Object.freeze([]);
const listeners = new Set<() => void>();
let cached: { raw: string | null; ids: readonly string[] } = { raw: null, ids: EMPTY };

function read(): readonly string[] {
  let raw: string | null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    return EMPTY;
  }
  if (raw === cached.raw) return cached.ids;
  let ids: readonly string[] = EMPTY;
  try {
    const v: unknown = JSON.parse(raw ?? "[]");
    if (Array.isArray(v)) ids = v.filter((x): x is string => typeof x === "string" && /^[0-9a-f]{32}$/.test(x)).slice(-2);
  } catch {
    // a damaged entry counts as no picks
  }
  cached = { raw, ids };
  return ids;
}

function write(ids: readonly string[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(ids));
  } catch {
    // storage switched off: picks then do not persist
  }
  for (const l of listeners) l();
}

export function togglePick(id: string): void {
  const ids = read();
  write(ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id].slice(-2));
}

export function clearPicks(): void {
  write([]);
}

/** The compare view's address for two images. */
export function compareUrl(a: string, b: string): string {
  return `/compare?a=${a}&b=${b}`;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => e.key === KEY && listener();
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

/** The picked image ids (0–2), kept in step across components and tabs. */
export function usePicks(): readonly string[] {
  return useSyncExternalStore(subscribe, read, () => EMPTY);
}
