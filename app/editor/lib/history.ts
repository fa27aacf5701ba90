/**
 * Undo/redo over whole-graph snapshots. An action records the graph as it was before it; a run
 * of small edits to the same thing (typing in one field) within a short window is one step.
 */
export interface History<T> {
  past: T[];
  future: T[];
  /** Key and time of the last recorded edit, for coalescing. */
  lastKey: string | null;
  lastAt: number;
}

export const HISTORY_LIMIT = 100;
const COALESCE_MS = 800;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [], lastKey: null, lastAt: 0 };
}

/** Record `before` as an undo step (unless it continues the previous edit with the same key). */
export function record<T>(h: History<T>, before: T, key: string | null = null, now = Date.now()): History<T> {
  if (key !== null && key === h.lastKey && now - h.lastAt < COALESCE_MS) return { ...h, lastAt: now, future: [] };
  const past = [...h.past, before].slice(-HISTORY_LIMIT);
  return { past, future: [], lastKey: key, lastAt: now };
}

export function undo<T>(h: History<T>, current: T): { history: History<T>; value: T } | null {
  if (!h.past.length) return null;
  const value = h.past[h.past.length - 1];
  return { history: { past: h.past.slice(0, -1), future: [current, ...h.future], lastKey: null, lastAt: 0 }, value };
}

export function redo<T>(h: History<T>, current: T): { history: History<T>; value: T } | null {
  if (!h.future.length) return null;
  const [value, ...future] = h.future;
  return { history: { past: [...h.past, current].slice(-HISTORY_LIMIT), future, lastKey: null, lastAt: 0 }, value };
}
