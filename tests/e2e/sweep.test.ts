/**
 * A sweep built through the editor's Sweep dialog, on the default model (toy-shapes), in
 * Chromium: decoder guidance 1, 4, 8 × seeds 1, 2, run, and the labelled grid shown on the Save
 * Image node and in the results strip; a value the parameter refuses is named in the dialog.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWEEP_PNG_KEYWORD, type SweepGridInfo } from "../../server/graph/sweep";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { REPO_ROOT } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { browserSkipReason, launchBrowser, node, openEditor, screenshot } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

suite(`sweeps in the browser${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ modelsDir: path.join(REPO_ROOT, "models") });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("builds a 3 × 2 sweep in the Sweep dialog, runs it and shows the labelled grid", async () => {
    const page = await openEditor(browser, server.url);
    await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain("Text to image");

    await page.getByTestId("sweep-button").click();
    const dialog = page.getByTestId("sweep-dialog");
    await dialog.waitFor();
    await dialog.getByLabel("Axis 1 node").selectOption("decoder");
    await dialog.getByLabel("Axis 1 parameter").selectOption("guidanceScale");
    await dialog.getByLabel("Axis 1 values").fill("1, 4, 500");
    await dialog.getByRole("button", { name: "+ Add a second axis" }).click();
    await dialog.getByLabel("Axis 2 node").selectOption("seed");
    await dialog.getByLabel("Axis 2 parameter").selectOption("seed");
    await dialog.getByLabel("Axis 2 values").fill("1..2");
    expect(await dialog.getByTestId("sweep-cells").textContent()).toBe("3 × 2 = 6 cells");

    // the server checks each value with the parameter's own schema: 500 is refused, naming it
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => dialog.getByTestId("sweep-problems").textContent())
      .toMatch(/Decoder \(decoder\): value 500: parameter "Guidance scale" is out of range/);
    await screenshot(page, "sweep-01-refused-value");

    await dialog.getByLabel("Axis 1 values").fill("1, 4, 8");
    await dialog.getByRole("button", { name: "Run sweep" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await page.getByTestId("sweep-button").textContent()).toMatch(/^Sweep 3×2/);

    // the grid replaces the last cell's image on the Save Image node, once all 6 cells are done
    const grid = async () => {
      const id = await node(page, "save")
        .locator("img[data-output-image]")
        .first()
        .getAttribute("data-output-image", { timeout: 1_000 })
        .catch(() => null);
      if (!id) return null;
      const png = new Uint8Array(await (await fetch(`${server.url}/api/artifacts/${id}`)).arrayBuffer());
      const text = readPngTextChunks(png)[SWEEP_PNG_KEYWORD];
      return text ? { id, info: JSON.parse(text) as SweepGridInfo } : null;
    };
    try {
      await expect.poll(grid, { timeout: 150_000, interval: 1_000 }).not.toBeNull();
    } catch (err) {
      await screenshot(page, "sweep-failed-no-grid");
      throw new Error(`no grid; the server said:\n${server.log().slice(-3000)}`, { cause: err });
    }
    const { id, info } = (await grid())!;
    expect([info.columns, info.rows]).toEqual([3, 2]);
    expect(info.axes.map((a) => `${a.title}: ${a.labels.join(" ")}`)).toEqual(["Decoder · Guidance scale: 1 4 8", "Seed · Seed: 1 2"]);
    // it is in the results strip too, at the grid's size
    const inStrip = page.locator(`[data-testid="results-strip"] img[data-result-image="${id}"]`);
    await inStrip.waitFor();
    expect(await inStrip.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([info.layout.width, info.layout.height]);
    await screenshot(page, "sweep-02-grid");

    // reopening the dialog shows the sweep as it is stored
    await page.getByTestId("sweep-button").click();
    expect(await page.getByTestId("sweep-dialog").getByLabel("Axis 2 values").inputValue()).toBe("1..2");
    await page.keyboard.press("Escape");
    await page.getByTestId("sweep-dialog").waitFor({ state: "detached" });

    // a node's menu starts a sweep of that node: here the super-res scheduler's steps, as a second axis
    await node(page, "superResScheduler").locator("header").click({ button: "right" });
    await page.getByTestId("node-menu").getByRole("menuitem", { name: "Sweep a parameter…" }).click();
    const again = page.getByTestId("sweep-dialog");
    expect(await again.getByLabel("Axis 1 node").inputValue()).toBe("decoder");
    expect(await again.getByLabel("Axis 2 node").inputValue()).toBe("superResScheduler");
    expect(await again.getByLabel("Axis 2 parameter").inputValue()).toBe("numInferenceSteps");
    await again.getByRole("button", { name: "Cancel" }).click();
    await page.close();
  }, 240_000);

  it("runs the Compare decoder guidance scales template from the Templates menu into its grid", async () => {
    const page = await openEditor(browser, server.url);
    await page.getByRole("button", { name: "Templates", exact: true }).click();
    await page.getByRole("menuitem", { name: "Compare decoder guidance scales", exact: true }).click();
    await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain("Compare decoder guidance scales");
    expect(await page.getByTestId("sweep-button").textContent()).toMatch(/^Sweep 3×2/);
    await page.getByRole("button", { name: "Run" }).click();
    const gridInfo = async () => {
      const id = await node(page, "save")
        .locator("img[data-output-image]")
        .first()
        .getAttribute("data-output-image", { timeout: 1_000 })
        .catch(() => null);
      if (!id) return null;
      const text = readPngTextChunks(new Uint8Array(await (await fetch(`${server.url}/api/artifacts/${id}`)).arrayBuffer()))[SWEEP_PNG_KEYWORD];
      return text ? (JSON.parse(text) as SweepGridInfo) : null;
    };
    await expect.poll(gridInfo, { timeout: 150_000, interval: 1_000 }).not.toBeNull();
    const info = (await gridInfo())!;
    expect(info.cells.map((c) => c.label)).toContain("Decoder · Guidance scale = 8, Seed · Seed = 2");
    await screenshot(page, "sweep-03-template");
    await page.close();
  }, 240_000);
});
