import type { Metadata } from "next";
import { LESSONS } from "../../nodes/core/lessons";
import { ApiProvider } from "../trpc/client";
import { LessonList } from "./LessonList";

export const metadata: Metadata = { title: "Learn · unCLIP Studio" };

export default function LearnPage() {
  const lessons = LESSONS.map((l) => ({ id: l.id, title: l.title, summary: l.summary, steps: l.steps.length }));
  return (
    <ApiProvider>
      <LessonList lessons={lessons} />
    </ApiProvider>
  );
}
