/**
 * The shipped lessons: one JSON file each in ./files, listed here once (a test fails when a file
 * in the folder is missing from this list). Parsed at load, so a malformed lesson stops the build
 * and the tests with a message naming the lesson, the step and the field.
 */
import decoder from "./files/decoder.json";
import guidance from "./files/guidance.json";
import interpolation from "./files/interpolation.json";
import prior from "./files/prior.json";
import superres from "./files/superres.json";
import wordsToNumbers from "./files/words-to-numbers.json";
import { type Lesson, parseLesson } from "./schema";

/** File name (without .json) → its content. */
export const LESSON_FILES: Readonly<Record<string, unknown>> = {
  "words-to-numbers": wordsToNumbers,
  prior,
  decoder,
  guidance,
  superres,
  interpolation,
};

export const LESSONS: readonly Lesson[] = Object.entries(LESSON_FILES)
  .map(([file, json]) => parseLesson(json, `${file}.json`))
  .sort((a, b) => a.order - b.order);

export function lessonById(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
