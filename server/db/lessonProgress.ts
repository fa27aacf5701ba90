/**
 * Where each signed-in user is in each lesson (class mode; personal mode keeps progress in the
 * browser, app/learn/lib/progress.ts). Progress is personal: every function reads and writes only
 * the viewer's own rows — a teacher's reach over the class's work does not extend to it, since
 * nothing in the class needs one student's place in a lesson but the student.
 */
import { getDb } from "./client";
import { PERSONAL_VIEWER, type Viewer } from "./ownership";

export interface StoredLessonProgress {
  step: number;
  furthest: number;
  done: boolean;
  /** Step index → chosen answer. */
  answers: Record<number, number>;
  updatedAt: string;
}

function parseAnswers(json: string): Record<number, number> {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<number, number>) : {};
  } catch {
    return {}; // a damaged row loses its answers, never the step
  }
}

/** The viewer's progress in every lesson they have started, by lesson id. */
export async function listLessonProgress(viewer: Viewer = PERSONAL_VIEWER): Promise<Record<string, StoredLessonProgress>> {
  const db = await getDb();
  const rows = await db.lessonProgress.findMany({ where: { ownerId: viewer.id }, take: 1_000 });
  return Object.fromEntries(
    rows.map((r) => [r.lessonId, { step: r.step, furthest: r.furthest, done: r.done, answers: parseAnswers(r.answers), updatedAt: r.updatedAt.toISOString() }]),
  );
}

/** Store the viewer's place in one lesson (the API has checked the lesson id and the ranges). */
export async function saveLessonProgress(
  lessonId: string,
  p: { step: number; furthest: number; done: boolean; answers: Record<number, number> },
  viewer: Viewer = PERSONAL_VIEWER,
): Promise<void> {
  const db = await getDb();
  const data = { step: p.step, furthest: p.furthest, done: p.done, answers: JSON.stringify(p.answers) };
  await db.lessonProgress.upsert({
    where: { ownerId_lessonId: { ownerId: viewer.id, lessonId } },
    create: { ownerId: viewer.id, lessonId, ...data },
    update: data,
  });
}

/** Forget the viewer's progress in one lesson ("Reset lesson"). */
export async function resetLessonProgress(lessonId: string, viewer: Viewer = PERSONAL_VIEWER): Promise<void> {
  const db = await getDb();
  await db.lessonProgress.deleteMany({ where: { ownerId: viewer.id, lessonId } });
}
