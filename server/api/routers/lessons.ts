/**
 * Lesson progress of the signed-in user (class mode; in personal mode the /learn pages keep it in
 * the browser). Whose: the viewer's own rows only (`ctx.db.lessons`), a teacher's included.
 * Bounds: the lesson id must be a shipped lesson's, steps and answers in that lesson's range, so a
 * user stores at most one small row per shipped lesson.
 */
import { z } from "zod";
import { LESSONS, lessonById } from "../../../nodes/core/lessons";
import { router, userProcedure } from "../trpc";

const MAX_CHOICES = 6; // the lesson schema's bound on a question's choices

const lessonId = z
  .string()
  .max(64)
  .superRefine((id, ctx) => {
    if (!lessonById(id)) ctx.addIssue({ code: "custom", message: `unknown lesson "${id}" (the lessons are ${LESSONS.map((l) => l.id).join(", ")})` });
  });

const progress = z
  .object({
    lessonId,
    step: z.number().int().min(0),
    furthest: z.number().int().min(0),
    done: z.boolean(),
    answers: z.record(
      z.string().regex(/^\d{1,2}$/, "answers are keyed by step index"),
      z
        .number()
        .int()
        .min(0)
        .max(MAX_CHOICES - 1),
    ),
  })
  .superRefine((p, ctx) => {
    const lesson = lessonById(p.lessonId);
    if (!lesson) return; // reported by lessonId
    const n = lesson.steps.length;
    for (const field of ["step", "furthest"] as const) {
      if (p[field] >= n)
        ctx.addIssue({ code: "custom", path: [field], message: `${field} ${p[field]} is past the lesson's last step (it has ${n}, counted from 0)` });
    }
    for (const key of Object.keys(p.answers)) {
      if (Number(key) >= n) ctx.addIssue({ code: "custom", path: ["answers", key], message: `an answer for step ${key}, but the lesson has ${n} steps` });
    }
  });

export const lessonsRouter = router({
  /** The viewer's progress in every lesson they have started, by lesson id. */
  progress: userProcedure.query(({ ctx }) => ctx.db.lessons.listProgress()),
  /** Store the viewer's place in one shipped lesson. */
  saveProgress: userProcedure.input(progress).mutation(async ({ ctx, input }) => {
    const { lessonId: id, ...p } = input;
    await ctx.db.lessons.saveProgress(id, { ...p, answers: Object.fromEntries(Object.entries(p.answers).map(([k, v]) => [Number(k), v])) });
    return { ok: true as const };
  }),
  /** "Reset lesson": forget the viewer's progress in it. */
  resetProgress: userProcedure.input(z.object({ lessonId })).mutation(async ({ ctx, input }) => {
    await ctx.db.lessons.resetProgress(input.lessonId);
    return { ok: true as const };
  }),
});
