/**
 * The lesson format: a lesson is a JSON file of steps (nodes/core/lessons/*.json) that the /learn
 * pages play on the live editor. Browser-safe (zod only). `parseLesson` names the lesson, the step
 * and the field of anything malformed; `checkLessonReferences` checks what the schema alone
 * cannot: that the nodes and parameters a step names exist in the workflow it has loaded.
 */
import { z } from "zod";

export const LESSON_FORMAT = "unclip-studio/lesson";

const id = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lower-case words joined by hyphens (it is the lesson's address, /learn/<id>)")
  .max(64);
const nodeId = z.string().min(1).max(100);
const markdown = z.string().min(1).max(8000);

/** The teaching views a step can open (app/editor/teach). */
export const LESSON_VIEWS = ["explain", "timeline", "guidance", "trajectory", "schedule", "inspect"] as const;
export type LessonView = (typeof LESSON_VIEWS)[number];

const setParam = z.strictObject({
  node: nodeId,
  param: z.string().min(1).max(100),
  value: z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]),
});

const paramRef = z.strictObject({ node: nodeId, param: z.string().min(1).max(100) });

/** What the step's button does: run the whole workflow, or only what a node needs. */
const action = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("run"), label: z.string().max(80).optional() }),
  z.strictObject({ kind: z.literal("runTo"), node: nodeId, label: z.string().max(80).optional() }),
]);

/** A view to open on a node, at a given denoising step (1-based, as the slider counts). */
const show = z.strictObject({
  node: nodeId,
  view: z.enum(LESSON_VIEWS),
  step: z.union([z.number().int().min(1), z.literal("last")]).optional(),
});

/** Predict, then see: the student chooses before the run, the answer and why come after. */
const question = z
  .strictObject({
    prompt: markdown,
    choices: z.array(z.string().min(1).max(300)).min(2).max(6),
    answer: z.number().int().min(0),
    explanation: markdown,
  })
  .refine((q) => q.answer < q.choices.length, { message: "answer must be the index of one of the choices (0-based)", path: ["answer"] });

/** Something to try: change a parameter (the panel offers a button that sets it) and run again. */
const experiment = z.strictObject({
  prompt: markdown,
  set: z.array(setParam).max(10).optional(),
  run: z.boolean().optional(),
});

/** Where a step's graph comes from: a template by name, or a whole workflow in the lesson file. */
const source = z.union([z.strictObject({ template: z.string().min(1).max(200) }), z.strictObject({ workflow: z.record(z.string(), z.unknown()) })]);

export const lessonStepSchema = z.strictObject({
  title: z.string().min(1).max(120),
  text: markdown,
  load: source.optional(),
  highlight: z.array(nodeId).max(20).optional(),
  set: z.array(setParam).max(20).optional(),
  lock: z.array(paramRef).max(20).optional(),
  action: action.optional(),
  show: show.optional(),
  question: question.optional(),
  experiment: experiment.optional(),
});

export const lessonSchema = z.strictObject({
  format: z.literal(LESSON_FORMAT),
  id,
  title: z.string().min(1).max(120),
  summary: z.string().min(1).max(500),
  /** Place in the /learn list (lower first). */
  order: z.number().int().min(0).max(1000),
  /** The graph the lesson starts from; a step's own `load` replaces it from that step on. */
  start: source,
  steps: z.array(lessonStepSchema).min(1).max(40),
});

export type Lesson = z.output<typeof lessonSchema>;
export type LessonStep = z.output<typeof lessonStepSchema>;
export type LessonSource = z.output<typeof source>;
export type ParamSetting = z.output<typeof setParam>;

export class LessonError extends Error {
  constructor(
    readonly lesson: string,
    readonly place: string,
    readonly problem: string,
  ) {
    super(`lesson "${lesson}": ${place}: ${problem}`);
    this.name = "LessonError";
  }
}

/** "step 3, question.answer" from a zod path (steps are counted from 1, as the panel shows them). */
export function describePath(path: readonly PropertyKey[]): string {
  if (path[0] === "steps" && typeof path[1] === "number") {
    const rest = path.slice(2).map(String).join(".");
    return `step ${path[1] + 1}${rest ? `, ${rest}` : ""}`;
  }
  return path.length ? path.map(String).join(".") : "(the file)";
}

/** Parse one lesson file; `name` (the file name) identifies it when the id itself is missing or bad. */
export function parseLesson(json: unknown, name: string): Lesson {
  const r = lessonSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const lessonName = typeof (json as { id?: unknown })?.id === "string" ? (json as { id: string }).id : name;
  throw new LessonError(lessonName, describePath(issue.path), issue.message);
}

/** What a lesson's references are checked against: the workflows it loads and the node types' parameters. */
export interface LessonContext {
  /** Node ids → types of a source's workflow, or null when the template does not exist. */
  nodesOf(source: LessonSource): Map<string, string> | null;
  /** Parameter names of a node type, or null when the type is unknown. */
  paramsOf(type: string): string[] | null;
}

/** Every node and parameter a step names must exist in the graph loaded at that step. */
export function checkLessonReferences(lesson: Lesson, ctx: LessonContext): void {
  let nodes = ctx.nodesOf(lesson.start);
  if (!nodes) throw new LessonError(lesson.id, "start", "names a template that does not exist");
  lesson.steps.forEach((step, i) => {
    const at = (field: string) => `step ${i + 1}, ${field}`;
    if (step.load) {
      nodes = ctx.nodesOf(step.load);
      if (!nodes) throw new LessonError(lesson.id, at("load"), "names a template that does not exist");
    }
    const graph = nodes!;
    const needNode = (field: string, node: string) => {
      if (!graph.has(node)) throw new LessonError(lesson.id, at(field), `no node "${node}" in the lesson's workflow (it has ${[...graph.keys()].join(", ")})`);
    };
    const needParam = (field: string, node: string, param: string) => {
      needNode(field, node);
      const params = ctx.paramsOf(graph.get(node)!) ?? [];
      if (!params.includes(param))
        throw new LessonError(lesson.id, at(field), `the node "${node}" has no parameter "${param}" (it has ${params.join(", ") || "none"})`);
    };
    step.highlight?.forEach((n, k) => needNode(`highlight[${k}]`, n));
    step.set?.forEach((s, k) => needParam(`set[${k}]`, s.node, s.param));
    step.lock?.forEach((s, k) => needParam(`lock[${k}]`, s.node, s.param));
    step.experiment?.set?.forEach((s, k) => needParam(`experiment.set[${k}]`, s.node, s.param));
    if (step.action?.kind === "runTo") needNode("action.node", step.action.node);
    if (step.show) needNode("show.node", step.show.node);
  });
}
