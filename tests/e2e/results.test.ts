/**
 * Results that stay, batches and compare, in Chromium against the built app with the tiny model:
 * after Run and a page reload the Save Image node still shows its image; ‹ steps back to the
 * previous result; "Run ×3" gives three gallery images and one group in the queue; the gallery
 * filters by prompt and opens an image's workflow; two picked gallery images open the compare
 * view (side by side, a slider, the parameter that differs). Tests run in order on one server.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSkipReason, node, openEditor, screenshot, useTinyModel, useAppAndBrowser } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

suite(`results, batches and compare in the browser${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  const env = useAppAndBrowser();
  /** The two images of the first test, older first, and their prompts. */
  const first = { older: "", newer: "" };
  const PROMPTS = { older: "results stay: a blue square", newer: "results stay: a red circle" };
  const BATCH_PROMPT = "batch of three: green dots";

  const savedImage = (page: Page) => node(page, "save").locator("img[data-output-image]").first();
  const shownId = (page: Page) => savedImage(page).getAttribute("data-output-image");

  /** Set the prompt, press Run and wait until the Save Image node shows a picture other than `before`. */
  async function runWith(page: Page, prompt: string, before: string | null): Promise<string> {
    await node(page, "tokenizer").locator("textarea").fill(prompt);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => shownId(page).catch(() => null), { timeout: 150_000, interval: 250 }).not.toBe(before);
    const id = await shownId(page);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    return id!;
  }

  it("keeps the Save Image node's image after a reload, and ‹ › step through the node's results", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await useTinyModel(page);
    first.older = await runWith(page, PROMPTS.older, null);
    await expect.poll(() => node(page, "decoder").getAttribute("data-state")).toBe("done");
    first.newer = await runWith(page, PROMPTS.newer, first.older);
    expect(first.newer).not.toBe(first.older);
    expect(await page.getByTestId("result-position-save").textContent()).toBe("1/2");

    // ‹ shows the previous result, › the newest again
    await node(page, "save").getByRole("button", { name: "Older result" }).click();
    await expect.poll(() => shownId(page)).toBe(first.older);
    expect(await page.getByTestId("result-position-save").textContent()).toBe("2/2");
    await node(page, "save").getByRole("button", { name: "Newer result" }).click();
    await expect.poll(() => shownId(page)).toBe(first.newer);

    // the page is reloaded: the workflow was never saved, yet the node's results come back from the stored artifacts
    await page.reload();
    await page.waitForSelector('[data-testid="node-save"]', { timeout: 60_000 });
    await expect.poll(() => shownId(page).catch(() => null), { timeout: 30_000 }).toBe(first.newer);
    expect((await fetch(`${env.server.url}/api/artifacts/${first.newer}`)).headers.get("content-type")).toBe("image/png");
    await expect.poll(() => page.getByTestId("result-position-save").textContent()).toBe("1/2");
    await node(page, "save").getByRole("button", { name: "Older result" }).click();
    await expect.poll(() => shownId(page)).toBe(first.older);
    await screenshot(page, "results-01-after-reload");

    // the node's history is a place to pick images for the compare view: older, then newer
    await node(page, "save").getByRole("button", { name: "Compare", exact: true }).click();
    await node(page, "save").getByRole("button", { name: "Newer result" }).click();
    await expect.poll(() => shownId(page)).toBe(first.newer);
    await node(page, "save").getByRole("button", { name: "Compare", exact: true }).click();
    expect(await page.getByTestId("compare-open-save").getAttribute("href")).toBe(`/compare?a=${first.older}&b=${first.newer}`);

    // queue entries are labelled with the workflow's name and the prompt's start, not run ids
    await page.getByRole("tab", { name: /Queue/ }).click();
    await expect.poll(() => page.getByTestId("queue").textContent()).toContain("Text to image · “results stay: a red circle”");
    await page.close();
  }, 400_000);

  it("Run ×3 queues three runs with successive seeds: one group in the queue, three gallery images", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await useTinyModel(page);
    await node(page, "tokenizer").locator("textarea").fill(BATCH_PROMPT);
    await page.getByTestId("batch-count").selectOption("3");
    await page.getByRole("button", { name: "Run ×3", exact: true }).click();
    await page.getByRole("tab", { name: /Queue/ }).click();
    const group = page.getByTestId("queue").locator("[data-batch]");
    // one group holding three finished runs
    await expect
      .poll(async () => (await group.count()) === 1 && (await group.locator('[data-run]:has-text("finished")').count()), { timeout: 300_000, interval: 500 })
      .toBe(3);
    expect(await group.textContent()).toContain("Batch ×3");
    await screenshot(page, "results-02-batch-queue");
    // the last run's image is on the node, and the node's history holds all three
    await expect.poll(() => page.getByTestId("result-position-save").textContent()).toBe("1/3");
    await page.close();

    const gallery = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await gallery.goto(`${env.server.url}/gallery`);
    await gallery.getByTestId("gallery-filter").fill("BATCH OF THREE");
    const cards = gallery.locator("[data-gallery-card]");
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(3);
    // each card shows the prompt and its seed; the seeds follow each other
    const params = await cards.getByTestId("card-params").allTextContents();
    const seeds = params.map((t) => Number(/seed (\d+)/.exec(t)?.[1]));
    expect(seeds.every(Number.isSafeInteger)).toBe(true);
    const sorted = [...seeds].sort((a, b) => a - b);
    expect(sorted).toEqual([sorted[0], sorted[0] + 1, sorted[0] + 2]);
    expect(await cards.getByTestId("card-prompt").allTextContents()).toEqual([BATCH_PROMPT, BATCH_PROMPT, BATCH_PROMPT]);
    await screenshot(gallery, "results-03-gallery-filtered");
    await gallery.close();
  }, 400_000);

  it("filters the gallery by prompt and opens the workflow that made an image", async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${env.server.url}/gallery`);
    const cards = page.locator("[data-gallery-card]");
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(5);
    await page.getByTestId("gallery-filter").fill("results stay");
    await expect.poll(() => cards.count()).toBe(2);
    await page.getByTestId("gallery-filter").fill("red circle");
    await expect
      .poll(() => page.locator("[data-gallery-card]").evaluateAll((els) => els.map((e) => e.getAttribute("data-gallery-card"))))
      .toEqual([first.newer]);
    await page.getByTestId("gallery-filter").fill("no image has this prompt");
    await expect.poll(() => cards.count()).toBe(0);
    await expect.poll(() => page.textContent("main")).toContain("No saved image has a prompt containing");

    await page.getByTestId("gallery-filter").fill("blue square");
    await expect.poll(() => cards.count()).toBe(1);
    await page.locator(`[data-open-workflow="${first.older}"]`).click();
    await page.waitForSelector('[data-testid="node-tokenizer"]', { timeout: 60_000 });
    await expect.poll(() => node(page, "tokenizer").locator("textarea").inputValue()).toBe(PROMPTS.older);
    // the run's own picture is back on its Save Image node
    await expect.poll(() => shownId(page).catch(() => null), { timeout: 30_000 }).toBe(first.older);
    await page.close();
  }, 200_000);

  it("compares two gallery images: side by side, a slider, and the parameter that differs", async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    // the compare view runs under the same CSP as every page, with no violation and no error
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${env.server.url}/gallery`);
    await page.locator(`[data-compare-pick="${first.older}"]`).check();
    await page.locator(`[data-compare-pick="${first.newer}"]`).check();
    await page.getByTestId("compare-picked").click();
    await page.waitForURL(/\/compare\?a=/);
    const side = page.getByTestId("compare-side-by-side");
    await side.locator('img[data-compare-side="a"]').waitFor({ timeout: 30_000 });
    expect(await side.locator('img[data-compare-side="a"]').getAttribute("src")).toBe(`/api/artifacts/${first.older}`);
    expect(await side.locator('img[data-compare-side="b"]').getAttribute("src")).toBe(`/api/artifacts/${first.newer}`);
    // both images really load
    await expect
      .poll(() => page.locator("img[data-compare-side]").evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)))
      .toBe(true);

    // the slider: B over A, cut where the pointer is
    const overlay = page.getByTestId("compare-overlay");
    expect(await overlay.evaluate((e) => (e as HTMLElement).style.clipPath)).toBe("inset(0px 50% 0px 0px)");
    const box = (await page.getByTestId("compare-slider").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    expect(await overlay.evaluate((e) => (e as HTMLElement).style.clipPath)).toBe("inset(0px 75% 0px 0px)");
    await page.getByTestId("compare-range").fill("90");
    expect(await overlay.evaluate((e) => (e as HTMLElement).style.clipPath)).toBe("inset(0px 10% 0px 0px)");

    // the listed difference: the Tokenizer's prompt, A's value and B's
    const row = page.locator('[data-diff-param="tokenizer.prompt"]');
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells).toEqual(["Tokenizer", "Prompt", PROMPTS.older, PROMPTS.newer]);
    // nothing else was changed between the two runs
    expect(await page.locator("[data-diff-param]").count()).toBe(1);
    await screenshot(page, "results-04-compare");
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
