/**
 * The lessons in Chromium on the built app with the default model (models/toy-shapes): /learn
 * lists them; every shipped lesson is walked from step 1 to N with each step's action and
 * experiment performed (runs included) and no page error; a skipped question shows its answer;
 * Reset lesson goes back to step 1; the glossary page defines every listed term; hovering a
 * symbol in the Schedule and Guidance views shows its definition. Prints each lesson's run time.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LESSON_VIEWS } from "../../nodes/core/lessons/schema";
import { LESSONS } from "../../nodes/core/lessons";
import { GLOSSARY, REQUIRED_TERMS, glossaryEntry } from "../../nodes/core/glossary";
import { REPO_ROOT } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { browserSkipReason, launchBrowser, node, screenshot } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;
const LABEL: Record<(typeof LESSON_VIEWS)[number], string> = {
  explain: "Explain",
  timeline: "Timeline",
  guidance: "Guidance",
  trajectory: "Trajectory",
  schedule: "Schedule",
  inspect: "Inspect",
};

suite(`lessons in the browser${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const runTimes: Record<string, number[]> = {};

  beforeAll(async () => {
    server = await startServer({ modelsDir: path.join(REPO_ROOT, "models") });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("dialog", (d) => void d.accept());
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  }, 120_000);

  afterAll(async () => {
    for (const [id, ms] of Object.entries(runTimes)) {
      console.log(
        `lesson ${id}: ${ms.length} runs, ${(ms.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s of runs (${ms.map((m) => (m / 1000).toFixed(1)).join(" + ")} s)`,
      );
    }
    await browser?.close();
    await server?.stop();
  });

  const panel = () => page.getByTestId("lesson-panel");
  const teach = () => page.getByTestId("teach-panel");
  const stepText = () => panel().getByTestId("lesson-step").textContent();

  /** Press a run button and wait for the run to end; its time goes to the lesson's total. */
  async function runAndWait(lessonId: string, button: ReturnType<Page["getByTestId"]>): Promise<void> {
    await button.click();
    const state = panel().getByTestId("lesson-run-state");
    await expect.poll(() => state.getAttribute("data-state"), { timeout: 120_000 }).toMatch(/done|failed/);
    const failed = await panel().locator("text=The run failed").count();
    if (failed) throw new Error(`lesson ${lessonId}: ${await panel().locator("text=The run failed").textContent()}`);
    (runTimes[lessonId] ??= []).push(Number(await state.getAttribute("data-ms")));
  }

  it("/learn (linked from the editor's toolbar) lists every lesson with a link to its own address", async () => {
    await page.goto(server.url);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await page.getByRole("link", { name: "Learn", exact: true }).click();
    await page.waitForURL(`${server.url}/learn`);
    const list = page.getByTestId("lesson-list");
    await list.waitFor();
    expect(await list.locator("li").count()).toBe(LESSONS.length);
    for (const l of LESSONS) {
      expect(await list.locator(`a[href="/learn/${l.id}"]`).textContent()).toBe(l.title);
      expect(await page.getByTestId(`progress-${l.id}`).textContent()).toContain("not started");
    }
  }, 60_000);

  it("the editor's package list names the default model's own settings, and its template starts from them", async () => {
    await page.goto(server.url);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    const option = node(page, "package").locator('[data-param="package"] select option[value="toy-shapes"]');
    await expect.poll(() => option.getAttribute("title")).toContain("recommended: prior guidance 1");
    expect(await node(page, "prior").locator('[data-param="guidanceScale"] input[type="number"]').inputValue()).toBe("1");
  }, 60_000);

  for (const [k, lesson] of LESSONS.entries()) {
    it(`walks "${lesson.id}" from step 1 to ${lesson.steps.length}, performing every action`, async () => {
      await page.goto(`${server.url}/learn/${lesson.id}`);
      await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
      await expect.poll(stepText).toBe(`Step 1 of ${lesson.steps.length}`);
      for (const [i, step] of lesson.steps.entries()) {
        await expect.poll(stepText).toBe(`Step ${i + 1} of ${lesson.steps.length}`);
        await expect.poll(() => panel().getByTestId("lesson-step-title").textContent()).toBe(step.title);
        for (const h of step.highlight ?? []) await expect.poll(() => page.locator(`.react-flow__node[data-id="${h}"]`).count()).toBe(1);
        // answer every other lesson's questions; skip the others' to see the answer shown on the next step
        const answer = step.question && k % 2 === 0;
        if (answer) {
          await panel().getByTestId("lesson-question").getByRole("radio").first().check();
          const q = step.question!;
          await expect
            .poll(() => panel().getByTestId("lesson-answer").textContent())
            .toContain(q.answer === 0 ? "Right." : `the answer is “${q.choices[q.answer]}”`);
        }
        for (const l of step.lock ?? []) {
          // an edit of a locked parameter snaps back to the lesson's value
          const input = page.locator(`.react-flow__node[data-id="${l.node}"] [data-param="${l.param}"] input[type="number"]`);
          const before = await input.inputValue();
          await input.fill(String(Number(before) + 2));
          await input.press("Enter");
          await expect.poll(() => input.inputValue()).toBe(before);
          await expect.poll(() => page.getByText(`This step keeps ${l.node} → ${l.param} at ${before}.`).count()).toBeGreaterThan(0);
        }
        if (step.action) await runAndWait(lesson.id, panel().getByTestId("lesson-action"));
        if (step.experiment?.run) await runAndWait(lesson.id, panel().getByTestId("lesson-experiment-try"));
        if (step.show) {
          await expect.poll(() => teach().locator("h2").textContent()).toContain(step.show.node);
          await expect.poll(() => teach().locator('[role="tab"][aria-selected="true"]').textContent(), { timeout: 30_000 }).toBe(LABEL[step.show.view]);
          if (step.show.view === "timeline" || step.show.view === "guidance") {
            const label = await teach().getByTestId("step-label").first().textContent();
            const n = Number(/of (\d+)/.exec(label ?? "")?.[1]);
            const want = step.show.step === "last" ? n : (step.show.step ?? (step.show.view === "timeline" ? 1 : Math.floor(n / 2) + 1));
            expect(label).toContain(`step ${Math.min(want, n)} of ${n}`);
          }
        }
        await screenshot(page, `lesson-${lesson.id}-${i + 1}`);
        if (i < lesson.steps.length - 1) {
          await panel().getByRole("button", { name: "Next", exact: true }).click();
          if (step.question && !answer) {
            await expect.poll(() => panel().getByTestId("lesson-skipped-answer").textContent()).toContain(step.question.choices[step.question.answer]);
          }
        }
      }
      await expect.poll(stepText).toBe(`Step ${lesson.steps.length} of ${lesson.steps.length}`);
      expect(errors).toEqual([]);
    }, 600_000);
  }

  it("/learn shows the progress kept in the browser; Reset lesson starts again at step 1", async () => {
    await page.goto(`${server.url}/learn`);
    await expect.poll(() => page.getByTestId(`progress-${LESSONS[0].id}`).textContent()).toContain("done");
    await page.goto(`${server.url}/learn/${LESSONS[0].id}`);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await expect.poll(stepText).toBe(`Step ${LESSONS[0].steps.length} of ${LESSONS[0].steps.length}`);
    await panel().getByRole("button", { name: "Reset lesson" }).click();
    await expect.poll(stepText).toBe(`Step 1 of ${LESSONS[0].steps.length}`);
    await panel().getByRole("button", { name: "Next", exact: true }).click();
    await expect.poll(stepText).toBe(`Step 2 of ${LESSONS[0].steps.length}`);
    await panel().getByRole("button", { name: "Back", exact: true }).click();
    await expect.poll(stepText).toBe(`Step 1 of ${LESSONS[0].steps.length}`);
    expect(errors).toEqual([]);
  }, 120_000);

  it("hovering a symbol in the Schedule and Guidance views shows its definition", async () => {
    // the guidance lesson's step 3 opens the decoder's Guidance view on a traced run
    await page.goto(`${server.url}/learn/classifier-free-guidance`);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await panel().getByRole("button", { name: "Reset lesson" }).click();
    await panel().getByRole("button", { name: "Next", exact: true }).click();
    await runAndWait("classifier-free-guidance", panel().getByTestId("lesson-action"));
    await expect.poll(() => teach().locator('[role="tab"][aria-selected="true"]').textContent()).toBe("Guidance");
    await expect.poll(() => teach().getByTestId("guidance-what-if").textContent()).toContain("one-step what-if");
    for (const id of ["cond-minus-uncond", "unconditional", "epsilon-hat"]) {
      const term = teach().locator(`[data-testid="guidance-terms"] [data-term="${id}"]`);
      const tip = term.getByRole("tooltip");
      expect(await tip.isVisible()).toBe(false);
      await term.hover();
      await expect.poll(() => tip.isVisible()).toBe(true);
      expect(await tip.textContent()).toContain(glossaryEntry(id)!.definition);
    }
    await screenshot(page, "lesson-hover-guidance");
    // the decoder lesson's step 2 opens the Schedule view of the decoder's scheduler
    await page.goto(`${server.url}/learn/decoder-from-noise`);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await panel().getByRole("button", { name: "Reset lesson" }).click();
    await panel().getByRole("button", { name: "Next", exact: true }).click();
    await expect.poll(() => teach().locator('[role="tab"][aria-selected="true"]').textContent()).toBe("Schedule");
    await teach().getByTestId("schedule-chart").waitFor({ timeout: 30_000 });
    for (const id of ["alpha-bar", "beta", "sigma"]) {
      const term = teach().locator(`[aria-label="Colour key"] [data-term="${id}"]`).first();
      await term.hover();
      const tip = term.getByRole("tooltip");
      await expect.poll(() => tip.isVisible()).toBe(true);
      expect(await tip.textContent()).toContain(glossaryEntry(id)!.definition);
    }
    await screenshot(page, "lesson-hover-schedule");
    expect(errors).toEqual([]);
  }, 180_000);

  it("a pinned run is shown next to the next one in the views; projector mode turns the drawer light and large", async () => {
    await page.goto(`${server.url}/learn/decoder-from-noise`);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await panel().getByRole("button", { name: "Reset lesson" }).click();
    await panel().getByRole("button", { name: "Next", exact: true }).click();
    await panel().getByRole("button", { name: "Next", exact: true }).click();
    await expect.poll(stepText).toBe("Step 3 of 5");
    await runAndWait("pinned", panel().getByTestId("lesson-action"));
    await teach().getByRole("button", { name: "Pin this run to compare" }).click();
    await panel().getByRole("button", { name: "Next", exact: true }).click();
    await panel().getByRole("button", { name: "Next", exact: true }).click();
    await expect.poll(stepText).toBe("Step 5 of 5");
    await runAndWait("pinned", panel().getByTestId("lesson-experiment-try"));
    const compare = teach().getByTestId("compare-runs");
    await compare.waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
      await screenshot(page, "lesson-compare-failed");
      throw err;
    });
    const labels = await compare.getByTestId("step-label").allTextContents();
    expect(labels).toHaveLength(2);
    expect(labels[0]).toContain("step 25 of 25");
    expect(labels[1]).toContain("step 5 of 5");
    await teach().getByLabel("Projector").check();
    await expect.poll(() => teach().getAttribute("data-projector")).toBe("");
    expect(await teach().evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(255, 255, 255)");
    await expect.poll(() => panel().getAttribute("data-projector")).toBe("");
    await screenshot(page, "lesson-compare-projector");
    await teach().getByLabel("Projector").uncheck();
    // the same switch in the Workflow menu, for a teacher at the front of the class
    await page.getByRole("button", { name: "Workflow" }).click();
    await page.getByRole("menuitem", { name: "Projector mode: off" }).click();
    await expect.poll(() => teach().getAttribute("data-projector")).toBe("");
    await page.getByRole("button", { name: "Workflow" }).click();
    await page.getByRole("menuitem", { name: "Projector mode: on" }).click();
    await expect.poll(() => teach().getAttribute("data-projector")).toBe(null);
    await teach()
      .getByRole("button", { name: /^Unpin run/ })
      .click();
    await expect.poll(() => teach().getByTestId("compare-runs").count()).toBe(0);
    expect(errors).toEqual([]);
  }, 180_000);

  it("/learn/glossary defines every listed term", async () => {
    await page.goto(`${server.url}/learn/glossary`);
    await page.getByTestId("glossary").waitFor();
    for (const term of REQUIRED_TERMS) {
      const e = glossaryEntry(term)!;
      expect(await page.getByTestId(`glossary-${e.id}`).textContent(), term).toContain(e.definition);
    }
    expect(await page.getByTestId("glossary").locator("> div").count()).toBe(GLOSSARY.length);
    expect(await page.locator(".katex").count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
