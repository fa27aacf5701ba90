/**
 * The teaching views in the browser, on the built app with the tiny package: the Teaching
 * template runs with every node traced, and each view shows that run's data and follows its
 * controls; the traces come back after a reload.
 */
import { readFileSync } from "node:fs";
import { decompressFrames, parseGIF } from "gifuct-js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateByName } from "../../nodes/core/templates";
import { FIXTURES_DIR } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { browserSkipReason, clickFitView, launchBrowser, node, openEditor, screenshot, useTinyModel } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;
const TEMPLATE = "Teaching: watch unCLIP draw";

function linkId(from: string, to: string): string {
  const l = templateByName(TEMPLATE)!.links.find((x) => x.from.node === from && x.to.node === to);
  if (!l) throw new Error(`no link ${from} → ${to}`);
  return l.id;
}

suite(`teaching views in the browser${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startServer({ modelsDir: FIXTURES_DIR });
    browser = await launchBrowser();
    page = await openEditor(browser, server.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const panel = () => page.getByTestId("teach-panel");
  const select = async (id: string) => {
    // the drawer takes part of the canvas: fit the graph into what is left, so the node is in view
    await clickFitView(page);
    await node(page, id).locator("header").click();
    await expect.poll(() => panel().locator("h2").textContent()).toContain(id);
  };
  const tab = (name: string) => panel().getByRole("tab", { name, exact: true });
  const stepLabel = () => panel().getByTestId("step-label").first().textContent();

  it("opens the Teaching template with its views showing and runs it traced", async () => {
    await page.getByRole("button", { name: "Templates", exact: true }).click();
    await page.getByRole("menuitem", { name: TEMPLATE, exact: true }).click();
    await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain("Teaching");
    await panel().waitFor();
    await useTinyModel(page);
    await node(page, "decoderScheduler").locator('[data-param="numInferenceSteps"] input').fill("5");
    await node(page, "superResScheduler").locator('[data-param="numInferenceSteps"] input').fill("3");
    await page.getByRole("button", { name: "Run" }).click();
    await node(page, "save").locator("img[data-output-image]").first().waitFor({ timeout: 150_000 });
  }, 200_000);

  it("decoder timeline: opens at step 1 (pure noise) and the slider changes the step shown, with x_t and x̂₀ pictures", async () => {
    await select("decoder");
    await tab("Timeline").click();
    await expect.poll(stepLabel).toContain("step 1 of 5 · t = 999");
    await expect
      .poll(() =>
        panel()
          .getByRole("img", { name: /^x_t \(t = 999\)/ })
          .count(),
      )
      .toBe(1);
    const slider = panel().getByRole("slider", { name: "Step" });
    await slider.focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(stepLabel).toContain("step 2 of 5 · t = 749");
    await page.keyboard.press("End");
    await expect.poll(stepLabel).toContain("step 5 of 5");
    await expect
      .poll(() =>
        panel()
          .getByRole("img", { name: /^x_t \(t = 0\)/ })
          .count(),
      )
      .toBe(1);
    await expect.poll(() => panel().getByRole("img", { name: "ε̂: the noise the model predicts" }).count()).toBe(1);
    await screenshot(page, "teach-01-decoder-timeline");
  }, 60_000);

  it("the timeline's steps export as an animated GIF (one frame per step) and a PNG strip", async () => {
    const exportBar = panel().getByTestId("export-frames");
    const [gif] = await Promise.all([page.waitForEvent("download"), exportBar.getByRole("button", { name: "GIF", exact: true }).click()]);
    expect(gif.suggestedFilename()).toBe("decoder-x0.gif");
    const bytes = readFileSync(await gif.path());
    const frames = decompressFrames(parseGIF(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), false);
    expect(frames).toHaveLength(5);
    const [strip] = await Promise.all([page.waitForEvent("download"), exportBar.getByRole("button", { name: "PNG strip", exact: true }).click()]);
    expect(strip.suggestedFilename()).toBe("decoder-x0-strip.png");
    expect(
      readFileSync(await strip.path())
        .subarray(1, 4)
        .toString("latin1"),
    ).toBe("PNG");
  }, 30_000);

  it("a picture enlarges on click, with the step slider under it", async () => {
    await panel().getByRole("img", { name: "x̂₀: the clean image predicted at this step" }).click();
    const dialog = page.getByRole("dialog", { name: /Enlarged: x̂₀/ });
    await dialog.waitFor();
    const box = await dialog.getByRole("img").boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    await dialog.getByRole("slider", { name: "Step" }).focus();
    await page.keyboard.press("Home");
    await expect.poll(() => dialog.getByTestId("step-label").textContent()).toContain("step 1 of 5");
    await screenshot(page, "teach-01b-enlarged");
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
  }, 30_000);

  it("decoder guidance: the formula carries the scale, and the scale slider recomputes the guided result", async () => {
    await tab("Guidance").click();
    await expect.poll(() => panel().getByTestId("guidance-formula").textContent()).toContain("uncond + 8 · (cond − uncond)");
    await expect.poll(() => panel().getByTestId("guidance-what-if").textContent()).toContain("one-step what-if");
    await expect.poll(() => panel().locator('[data-testid="guidance-chart"] .recharts-line').count()).toBeGreaterThan(0);
    const scale = panel().getByLabel("Guidance scale s");
    await scale.focus();
    await page.keyboard.press("Home");
    await expect.poll(() => panel().getByTestId("guidance-formula").textContent()).toContain("uncond + 0 · (cond − uncond)");
    await expect.poll(() => panel().getByRole("img", { name: "guided at s = 0" }).count()).toBe(1);
    // the what-if can become a real run at that scale
    await expect.poll(() => panel().getByRole("button", { name: "Re-run with s = 0" }).count()).toBe(1);
    await screenshot(page, "teach-02-decoder-guidance");
  }, 60_000);

  it("explain: the decoder's formula filled in with this run's numbers", async () => {
    await tab("Explain").click();
    await expect.poll(() => panel().getByTestId("explain-formula").textContent()).toContain("s = 8");
    await expect.poll(() => panel().getByTestId("explain-text").textContent()).toContain("took 5 steps from t = 999 to t = 0");
  }, 30_000);

  it("prior trajectory: cosine to the prompt and to the result per step", async () => {
    await select("prior");
    await tab("Trajectory").click();
    await expect.poll(() => panel().locator('[data-testid="trajectory-chart"] .recharts-line').count()).toBe(2);
    await expect
      .poll(() =>
        panel()
          .getByRole("img", { name: /predicted image embedding per step \(2 rows/ })
          .count(),
      )
      .toBe(1);
    await screenshot(page, "teach-03-prior-trajectory");
  }, 30_000);

  it("super-res timeline marks which UNet ran at each step", async () => {
    await select("superRes");
    await tab("Timeline").click();
    await expect.poll(() => panel().getByTestId("timeline-unet").textContent()).toBe("super_res_first");
    const slider = panel().getByRole("slider", { name: "Step" });
    await slider.focus();
    await page.keyboard.press("End");
    await expect.poll(() => panel().getByTestId("timeline-unet").textContent()).toBe("super_res_last");
  }, 30_000);

  it("schedule view follows the Scheduler node's step count", async () => {
    await select("decoderScheduler");
    await tab("Schedule").click();
    await expect.poll(() => panel().getByTestId("schedule-timesteps").textContent(), { timeout: 30_000 }).toContain("5 steps: 999, 749, 500, 250, 0");
    await expect.poll(() => panel().locator('[data-testid="schedule-chart"] .recharts-line').count()).toBe(3);
    // learned_range: the fraction the model chose in the run just made
    await expect.poll(() => panel().locator('[data-testid="variance-chart"] .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await node(page, "decoderScheduler").locator('[data-param="numInferenceSteps"] input').fill("3");
    await expect.poll(() => panel().getByTestId("schedule-timesteps").textContent(), { timeout: 30_000 }).toContain("3 steps: 999, 500, 0");
    await screenshot(page, "teach-04-schedule");
  }, 60_000);

  it("tensor inspector on a wire: shape, statistics, histogram and picture of the value on it", async () => {
    await page.keyboard.press("Escape");
    await page.locator(`[data-testid="rf__edge-${linkId("decoder", "superRes")}"]`).dispatchEvent("click");
    await expect.poll(() => panel().locator("h2").textContent()).toContain("decoder · image");
    await expect.poll(() => panel().getByTestId("tensor-stats").first().textContent()).toMatch(/shape\[1, 3, \d+, \d+\]/);
    await expect.poll(() => panel().locator('[data-testid="histogram"] .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await expect.poll(() => panel().locator('img[alt^="pixels"]').count()).toBeGreaterThan(0);
    await screenshot(page, "teach-05-inspector");
  }, 30_000);

  it("after a reload the traces of the last traced run come back", async () => {
    await page.close();
    page = await openEditor(browser, server.url);
    await page.getByRole("button", { name: "Teach", exact: true }).click();
    await select("decoder");
    await tab("Timeline").click();
    await expect.poll(stepLabel, { timeout: 30_000 }).toContain("of 5");
  }, 60_000);
});
