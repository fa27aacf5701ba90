import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { lessonById } from "../../../nodes/core/lessons";
import { Editor } from "../../editor/Editor";
import { ApiProvider } from "../../trpc/client";
import { LessonPanel } from "../LessonPanel";

type Props = { params: Promise<{ lessonId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const lesson = lessonById((await params).lessonId);
  return { title: lesson ? `${lesson.title} · unCLIP Studio` : "Lesson not found · unCLIP Studio" };
}

/** A lesson on the live editor: the lesson panel on the left drives the graph and the teaching views. */
export default async function LessonPage({ params }: Props) {
  const lesson = lessonById((await params).lessonId);
  if (!lesson) notFound();
  return (
    <ApiProvider>
      <Editor aside={<LessonPanel lesson={lesson} />} />
    </ApiProvider>
  );
}
