/**
 * Lesson progress in this browser's localStorage (no accounts on this branch): the step each
 * lesson is at, whether it was finished, and the answers given. Per browser profile; a signed-in
 * store can replace `storage` later without changing the callers.
 */
export interface LessonProgress {
  /** 0-based step the student is on. */
  step: number;
  /** Steps seen, for the list's "k of N". */
  furthest: number;
  done: boolean;
  /** Step index → chosen answer (index into the question's choices). */
  answers: Record<number, number>;
}

const KEY = "unclip-studio/lesson-progress/v1";
/** Bounded: a corrupt or hostile value must not grow the page's memory. */
const MAX_BYTES = 64 * 1024;

export const EMPTY_PROGRESS: LessonProgress = { step: 0, furthest: 0, done: false, answers: {} };

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled: progress is simply not kept
  }
}

function isProgress(v: unknown): v is LessonProgress {
  const p = v as LessonProgress;
  return (
    typeof p === "object" &&
    p !== null &&
    Number.isInteger(p.step) &&
    Number.isInteger(p.furthest) &&
    typeof p.done === "boolean" &&
    typeof p.answers === "object"
  );
}

const listeners = new Set<() => void>();

/** For useSyncExternalStore: changes made here and in other tabs (the storage event). */
export function subscribeProgress(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

/** The stored text (a string compares by value, so an unchanged store does not re-render). */
export function progressSnapshot(): string {
  return storage()?.getItem(KEY) ?? "";
}

export function parseAllProgress(raw: string): Record<string, LessonProgress> {
  if (!raw || raw.length > MAX_BYTES) return {};
  try {
    const all = JSON.parse(raw) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(all).filter((e): e is [string, LessonProgress] => isProgress(e[1])));
  } catch {
    return {};
  }
}

export function readAllProgress(): Record<string, LessonProgress> {
  return parseAllProgress(progressSnapshot());
}

export function progressOf(all: Record<string, LessonProgress>, lessonId: string, steps: number): LessonProgress {
  const p = all[lessonId];
  if (!p) return EMPTY_PROGRESS;
  const clamp = (n: number) => Math.max(0, Math.min(steps - 1, n));
  return { ...p, step: clamp(p.step), furthest: clamp(p.furthest) };
}

export function writeProgress(lessonId: string, p: LessonProgress | null): void {
  const all = readAllProgress();
  if (p) all[lessonId] = p;
  else delete all[lessonId];
  const json = JSON.stringify(all);
  if (json.length <= MAX_BYTES) storage()?.setItem(KEY, json);
  for (const l of listeners) l();
}
