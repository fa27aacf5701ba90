/**
 * Lessons as data: every shipped lesson file parses, is listed, and names only nodes and
 * parameters that exist in the workflow it has loaded; a malformed lesson is refused with the
 * lesson, the step and the field named. The glossary defines every term the issue lists.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROBE_ID, runToWorkflow, sourceAt, upstreamOf, workflowOf } from "../../app/learn/lib/lessonGraph";
import { checkWorkflow } from "../../nodes/core/graphRules";
import { GLOSSARY, REQUIRED_TERMS, glossaryEntry } from "../../nodes/core/glossary";
import { LESSONS, LESSON_FILES } from "../../nodes/core/lessons";
import { type Lesson, LessonError, checkLessonReferences, parseLesson } from "../../nodes/core/lessons/schema";
import { templateByName } from "../../nodes/core/templates";
import { NODE_DECLARATIONS } from "../../nodes/registry";

const context = {
  nodesOf: (source: Lesson["start"]) => {
    const wf = "template" in source ? templateByName(source.template) : (source.workflow as unknown as { nodes: { id: string; type: string }[] });
    return wf ? new Map(wf.nodes.map((n) => [n.id, n.type])) : null;
  },
  paramsOf: (type: string) => NODE_DECLARATIONS.find((d) => d.type === type)?.params.map((p) => p.name) ?? null,
};

const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(LESSON_FILES["decoder"])) as Record<string, unknown>;
const stepsOf = (l: Record<string, unknown>) => l.steps as Record<string, unknown>[];

describe("shipped lessons", () => {
  it("has at least six, each with a unique id, in order", () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(6);
    expect(new Set(LESSONS.map((l) => l.id)).size).toBe(LESSONS.length);
    expect(LESSONS.map((l) => l.order)).toEqual([...LESSONS.map((l) => l.order)].sort((a, b) => a - b));
  });

  it("lists every file of the lessons folder", () => {
    const files = readdirSync(path.join(__dirname, "../../nodes/core/lessons/files")).filter((f) => f.endsWith(".json"));
    expect(files.map((f) => f.replace(/\.json$/, "")).sort()).toEqual(Object.keys(LESSON_FILES).sort());
  });

  for (const lesson of LESSONS) {
    it(`${lesson.id}: names only nodes and parameters its workflow has, and parameter values the node accepts`, () => {
      checkLessonReferences(lesson, context);
      lesson.steps.forEach((step, i) => {
        const wf = workflowOf(sourceAt(lesson, i).source, lesson.id);
        for (const s of [...(step.set ?? []), ...(step.experiment?.set ?? [])]) {
          const type = wf.nodes.find((n) => n.id === s.node)!.type;
          const spec = NODE_DECLARATIONS.find((d) => d.type === type)!.params.find((p) => p.name === s.param)!;
          expect(spec.schema.safeParse(s.value).success, `step ${i + 1}: ${s.node}.${s.param} = ${String(s.value)}`).toBe(true);
        }
        if (step.action?.kind === "runTo") expect(upstreamOf(wf, step.action.node).nodes.length).toBeGreaterThan(1);
      });
    });
  }
});

describe("a malformed lesson", () => {
  const reason = (json: unknown): string => {
    try {
      checkLessonReferences(parseLesson(json, "broken.json"), context);
    } catch (err) {
      expect(err).toBeInstanceOf(LessonError);
      return (err as Error).message;
    }
    throw new Error("the lesson was accepted");
  };

  it("names the lesson, the step and the field of a missing text", () => {
    const l = good();
    delete stepsOf(l)[1].text;
    expect(reason(l)).toMatch(/^lesson "decoder-from-noise": step 2, text: /);
  });

  it("refuses an answer that is not one of the choices", () => {
    const l = good();
    (stepsOf(l)[2].question as { answer: number }).answer = 7;
    expect(reason(l)).toBe('lesson "decoder-from-noise": step 3, question.answer: answer must be the index of one of the choices (0-based)');
  });

  it("refuses an unknown field, a bad id and a missing format, naming the file when the id is unusable", () => {
    const l = good();
    stepsOf(l)[0].hightlight = ["decoder"];
    expect(reason(l)).toMatch(/^lesson "decoder-from-noise": step 1: .*hightlight/);
    expect(reason({ ...good(), id: "Not An Id" })).toMatch(/^lesson "Not An Id": id: must be lower-case words/);
    expect(reason({ ...good(), id: 3 })).toMatch(/^lesson "broken.json": id: /);
    expect(reason({ ...good(), format: undefined })).toMatch(/: format: /);
  });

  it("names a node or parameter the workflow does not have", () => {
    const l = good();
    stepsOf(l)[0].highlight = ["decodr"];
    expect(reason(l)).toMatch(/^lesson "decoder-from-noise": step 1, highlight\[0\]: no node "decodr"/);
    const m = good();
    stepsOf(m)[3].set = [{ node: "decoder", param: "guidance", value: 2 }];
    expect(reason(m)).toMatch(/step 4, set\[0\]: the node "decoder" has no parameter "guidance" \(it has guidanceScale, seed, startStep, endStep\)/);
    expect(reason({ ...good(), start: { template: "Nope" } })).toBe('lesson "decoder-from-noise": start: names a template that does not exist');
  });
});

describe("lesson graph helpers", () => {
  it("running up to a node keeps exactly it and its upstream nodes", () => {
    const wf = templateByName("Teaching: watch unCLIP draw")!;
    const up = upstreamOf(wf, "textEncoder");
    expect(up.nodes.map((n) => n.id).sort()).toEqual(["package", "textEncoder", "tokenizer"]);
    expect(up.links.every((l) => up.nodes.some((n) => n.id === l.from.node) && up.nodes.some((n) => n.id === l.to.node))).toBe(true);
    expect(() => upstreamOf(wf, "nope")).toThrow('no node "nope"');
    // with its probe it is a valid workflow whose plan is exactly that part
    const probe = runToWorkflow(wf, "textEncoder", "embedding");
    const { errors, plan } = checkWorkflow(probe, (type) => NODE_DECLARATIONS.find((d) => d.type === type));
    expect(errors).toEqual([]);
    expect(plan!.order.map((p) => p.id).sort()).toEqual(["package", PROBE_ID, "textEncoder", "tokenizer"].sort());
  });
});

describe("glossary", () => {
  it("defines every term the teaching views use", () => {
    for (const term of REQUIRED_TERMS) {
      const e = glossaryEntry(term);
      expect(e, term).toBeDefined();
      expect(e!.definition.length, term).toBeGreaterThan(40);
    }
    expect(new Set(GLOSSARY.map((e) => e.id)).size).toBe(GLOSSARY.length);
  });
});
