/**
 * Lesson progress: the step each lesson is at, whether it was finished, and the answers given.
 * Where it lives is decided once the page knows who is there (useProgressSource): signed in with
 * accounts (class mode) it is the user's own rows on the server (tRPC `lessons`), so it follows
 * them from computer to computer and nobody else at a shared computer sees it; otherwise (personal
 * mode) this browser's localStorage. Until that is known nothing is read, so the lesson never
 * starts from someone else's place.
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

/** What the server side needs (app/learn/lib/useProgressSource.ts passes the tRPC calls). */
export interface ProgressServer {
  save(lessonId: string, p: LessonProgress): Promise<unknown>;
  reset(lessonId: string): Promise<unknown>;
}

type Source = { kind: "unknown" } | { kind: "browser" } | { kind: "server"; json: string; server: ProgressServer };
let source: Source = { kind: "unknown" };

/** Personal mode (or no answer from the server): progress stays in this browser. */
export function keepProgressInBrowser(): void {
  if (source.kind === "browser") return;
  source = { kind: "browser" };
  notify();
}

/** Signed in: the user's progress as the server has it; changes are sent back as they happen. */
export function keepProgressOnServer(all: Record<string, LessonProgress>, server: ProgressServer): void {
  source = { kind: "server", json: JSON.stringify(all), server };
  notify();
}

function notify() {
  for (const l of listeners) l();
}

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

/**
 * The stored text (a string compares by value, so an unchanged store does not re-render); null
 * while it is not yet known where progress lives.
 */
export function progressSnapshot(): string | null {
  if (source.kind === "unknown") return null;
  if (source.kind === "server") return source.json;
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
  return parseAllProgress(progressSnapshot() ?? "");
}

export function progressOf(all: Record<string, LessonProgress>, lessonId: string, steps: number): LessonProgress {
  const p = all[lessonId];
  if (!p) return EMPTY_PROGRESS;
  const clamp = (n: number) => Math.max(0, Math.min(steps - 1, n));
  return { ...p, step: clamp(p.step), furthest: clamp(p.furthest) };
}

export function writeProgress(lessonId: string, p: LessonProgress | null): void {
  if (source.kind === "unknown") return; // the panel waits for the source before it saves anything
  const all = readAllProgress();
  if (p) all[lessonId] = p;
  else delete all[lessonId];
  const json = JSON.stringify(all);
  if (source.kind === "server") {
    // shown at once; a save the server refuses (or a lost connection) is logged, the page goes on
    source = { ...source, json };
    const sent = p ? source.server.save(lessonId, p) : source.server.reset(lessonId);
    sent.catch((err: unknown) => console.warn(`lesson progress not saved: ${(err as Error).message}`));
  } else if (json.length <= MAX_BYTES) {
    storage()?.setItem(KEY, json);
  }
  notify();
}
