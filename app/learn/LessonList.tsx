"use client";
/** The /learn page: every lesson in order, with the student's progress through it. */
import Link from "next/link";
import { useMemo, useSyncExternalStore } from "react";
import { type LessonProgress, parseAllProgress, progressSnapshot, subscribeProgress } from "./lib/progress";
import { useProgressSource } from "./lib/useProgressSource";

export interface LessonCard {
  id: string;
  title: string;
  summary: string;
  steps: number;
}

function progressText(p: LessonProgress | undefined, steps: number): string {
  if (!p) return "not started";
  if (p.done) return "done";
  return `at step ${p.step + 1} of ${steps}`;
}

export function LessonList({ lessons }: { lessons: LessonCard[] }) {
  useProgressSource();
  // progress is known only in the browser: the server renders "not started"
  const raw = useSyncExternalStore(subscribeProgress, progressSnapshot, () => "");
  const progress = useMemo(() => parseAllProgress(raw ?? ""), [raw]);
  return (
    <main className="mx-auto min-h-screen max-w-3xl bg-slate-950 px-6 py-8 text-slate-200">
      <nav className="mb-4 flex gap-4 text-[13px] text-sky-300">
        <Link href="/">Editor</Link>
        <Link href="/learn/glossary">Glossary</Link>
        <Link href="/gallery">Gallery</Link>
      </nav>
      <h1 className="text-2xl font-semibold text-slate-50">Learn how unCLIP draws</h1>
      <p className="mt-1 text-[14px] text-slate-400">
        Six lessons, each played on the live editor with the default model (toy-shapes): read a step, predict what will happen, run it, and look at what the
        model did. Your progress is kept in this browser, or with your account when you are signed in.
      </p>
      <ol className="mt-6 space-y-3" data-testid="lesson-list">
        {lessons.map((l) => {
          const p = progress[l.id];
          return (
            <li key={l.id} className="rounded-lg border border-slate-800 bg-slate-900 p-4">
              <Link href={`/learn/${l.id}`} className="text-[16px] font-semibold text-sky-200 hover:underline">
                {l.title}
              </Link>
              <p className="mt-1 text-[13px] text-slate-300">{l.summary}</p>
              <p className="mt-1 text-[12px] text-slate-500" data-testid={`progress-${l.id}`}>
                {l.steps} steps · {progressText(p, l.steps)}
              </p>
            </li>
          );
        })}
      </ol>
    </main>
  );
}
