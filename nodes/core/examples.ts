/**
 * Example input images shipped with the app (public/examples, drawn by the default model), that a
 * Load Image parameter names as `example:<file>`. Browser-safe: the editor and the templates use
 * the list; the server reads the files (server/examples.ts). The list is fixed here, so a name is
 * checked against it exactly — nothing else under public/ (or above it) can be named.
 */
export const EXAMPLE_PREFIX = "example:";

/** The files in public/examples, with the prompt and seed that drew each on models/toy-shapes. */
export const EXAMPLE_IMAGES = [
  { file: "red-ring.png", prompt: "a large red ring in the centre on a blue background", seed: 1 },
  { file: "yellow-star.png", prompt: "a large yellow star in the centre on a black background", seed: 1 },
  { file: "green-square.png", prompt: "a large green square in the centre on a white background", seed: 1 },
] as const;

export type ExampleFile = (typeof EXAMPLE_IMAGES)[number]["file"];

/** The parameter value naming an example image. */
export function exampleValue(file: ExampleFile): string {
  return `${EXAMPLE_PREFIX}${file}`;
}

/** Whether a parameter value is meant as an example (it may still name no shipped file). */
export function isExampleValue(value: string): boolean {
  return value.startsWith(EXAMPLE_PREFIX);
}

/** The shipped file a value names, or null (unknown names, other folders and `..` alike). */
export function exampleFileOf(value: string): ExampleFile | null {
  if (!isExampleValue(value)) return null;
  const file = value.slice(EXAMPLE_PREFIX.length);
  return EXAMPLE_IMAGES.find((e) => e.file === file)?.file ?? null;
}
