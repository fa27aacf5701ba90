/**
 * The editor end to end: the built app with its real database and the tiny model package,
 * driven in Chromium. Tests run in order and share one server; later ones use the images the
 * first run saved.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES_DIR } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { browserSkipReason, centre, clickFitView, dragBetween, handle, launchBrowser, node, openEditor, screenshot, useTinyModel } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

suite(`editor in the browser${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  let server: TestServer;
  let browser: Browser;
  let savedImageId = "";
  let runPrompt = "";

  beforeAll(async () => {
    // the cancel test asks for 1000 decoder steps (above the default limit of 200) to stay busy long enough
    server = await startServer({ modelsDir: FIXTURES_DIR, env: { UNCLIP_MAX_STEPS: "1000" } });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const edgeCount = (page: Page) => page.locator(".react-flow__edge").count();
  const nodeCount = (page: Page) => page.locator(".react-flow__node-studio").count();
  const menu = async (page: Page, item: string) => {
    await page.getByRole("button", { name: "Workflow", exact: true }).click();
    await page.getByRole("menuitem", { name: item, exact: true }).click();
  };

  it("opens with Text to image, runs it and shows the image on the output node", async () => {
    const page = await openEditor(browser, server.url);
    await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain("Text to image");
    // every node of the template is drawn with its ports and widgets
    expect(await nodeCount(page)).toBe(14);
    expect(await node(page, "tokenizer").locator("textarea").inputValue()).toContain("circle");
    await screenshot(page, "01-editor-initial");

    await useTinyModel(page);
    // the package list shows each package's precision (config.json's precision; the fixtures are float32)
    expect(await page.locator('[data-param="package"] select').first().locator('option[value="unclip-tiny"]').textContent()).toBe("unclip-tiny · float32");
    runPrompt = "a small green triangle";
    await node(page, "tokenizer").locator("textarea").fill(runPrompt);
    await page.getByRole("button", { name: "Run" }).click();
    const image = node(page, "save").locator("img[data-output-image]");
    await image.first().waitFor({ timeout: 150_000 });
    savedImageId = (await image.first().getAttribute("data-output-image"))!;
    expect(savedImageId).toMatch(/^[0-9a-f]{32}$/);
    // the image is really served
    const res = await fetch(`${server.url}/api/artifacts/${savedImageId}`);
    expect(res.headers.get("content-type")).toBe("image/png");
    await expect.poll(() => node(page, "decoder").getAttribute("data-state")).toBe("done");
    expect(await node(page, "decoder").locator("header").textContent()).toMatch(/done/i);
    await expect.poll(() => page.getByTestId("latest-results").locator("img").count()).toBeGreaterThan(0);
    await screenshot(page, "02-editor-after-run");
    await clickFitView(page);
    await screenshot(page, "03-editor-fit-view");
    await page.close();
  }, 200_000);

  it("lists the image in the gallery, shows its parameters and loads its workflow", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/gallery`);
    const thumb = page.locator(`img[data-gallery-image="${savedImageId}"]`);
    await thumb.waitFor({ timeout: 30_000 });
    await screenshot(page, "04-gallery");
    await thumb.click();
    await page.getByTestId("lightbox-image").waitFor();
    await expect.poll(() => page.getByRole("dialog").textContent()).toContain(runPrompt);
    await screenshot(page, "05-gallery-image");
    await page.getByTestId("load-workflow").click();
    await page.waitForSelector('[data-testid="node-tokenizer"]', { timeout: 30_000 });
    await expect.poll(() => node(page, "tokenizer").locator("textarea").inputValue()).toBe(runPrompt);
    expect(await page.locator('[data-param="package"] select').first().inputValue()).toBe("unclip-tiny");
    await page.close();
  }, 120_000);

  it("saves a workflow, keeps it across a reload, renames it and lists it", async () => {
    const page = await openEditor(browser, server.url);
    await node(page, "tokenizer").locator("textarea").fill("a saved prompt");
    await expect.poll(() => page.getByTestId("unsaved").count()).toBe(1);
    await page.keyboard.press("Control+s");
    const nameInput = page.getByRole("dialog").getByLabel("Name");
    await nameInput.fill("My e2e workflow");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await page.getByTestId("saved").waitFor();
    expect(page.url()).toMatch(/\?w=/);

    await page.reload();
    await page.waitForSelector('[data-testid="node-tokenizer"]');
    await expect.poll(() => node(page, "tokenizer").locator("textarea").inputValue()).toBe("a saved prompt");
    expect(await page.getByTestId("workflow-name").textContent()).toContain("My e2e workflow");
    expect(await page.getByTestId("unsaved").count()).toBe(0);

    await menu(page, "Rename…");
    await page.getByRole("dialog").getByLabel("Name").fill("Renamed workflow");
    await page.getByRole("dialog").getByRole("button", { name: "Rename" }).click();
    await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain("Renamed workflow");

    // duplicate opens the copy; deleting the copy leaves the original
    await menu(page, "Duplicate…");
    await page.getByRole("dialog").getByLabel("Name of the copy").fill("Copy of it");
    await page.getByRole("dialog").getByRole("button", { name: "Duplicate" }).click();
    await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain("Copy of it");
    await menu(page, "Delete");
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.getByTestId("notices").textContent()).toContain("Workflow deleted");

    await menu(page, "Open…");
    await expect.poll(() => page.getByTestId("workflow-list").textContent()).toContain("Renamed workflow");
    expect(await page.getByTestId("workflow-list").textContent()).not.toContain("Copy of it");
    await screenshot(page, "06-open-dialog");
    await page
      .getByTestId("workflow-list")
      .getByRole("button", { name: /^Renamed workflow/ })
      .click();
    // the deleted copy is still on the canvas, now unsaved: opening another asks first
    await page.getByRole("dialog").getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain("Renamed workflow");

    // export as JSON and import it back
    const [download] = await Promise.all([page.waitForEvent("download"), menu(page, "Export JSON")]);
    const exported = JSON.parse(readFileSync(await download.path(), "utf8")) as { nodes: { id: string; params: Record<string, unknown> }[] };
    expect(exported).toMatchObject({ format: "unclip-studio/workflow", version: 2, name: "Renamed workflow" });
    expect(exported.nodes.find((n) => n.id === "tokenizer")!.params.prompt).toBe("a saved prompt");
    await menu(page, "New");
    await expect.poll(() => nodeCount(page)).toBe(0);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "unclip-e2e-")), "exported.json");
    writeFileSync(file, JSON.stringify(exported));
    await page.getByTestId("import-input").setInputFiles(file);
    await expect.poll(() => nodeCount(page)).toBe(exported.nodes.length);
    expect(await node(page, "tokenizer").locator("textarea").inputValue()).toBe("a saved prompt");
    await page.close();
  }, 120_000);

  it("refuses an invalid connection while dragging, a second wire into an input, and a self-link", async () => {
    const page = await openEditor(browser, server.url);
    const edges = await edgeCount(page);
    // TOKENS output → SCHEDULER input
    const tokens = await centre(handle(page, "tokenizer", "source", "tokens"));
    await dragBetween(page, tokens, await centre(handle(page, "prior", "target", "scheduler")), async () => {
      await page.getByTestId("connection-refused").waitFor({ timeout: 5000 });
      expect(await page.getByTestId("connection-refused").textContent()).toMatch(/Type mismatch: Tokens gives TOKENS, Scheduler takes SCHEDULER/);
      await screenshot(page, "07-connection-refused");
    });
    expect(await edgeCount(page)).toBe(edges);
    await expect.poll(() => page.getByTestId("notices").textContent()).toMatch(/Connection refused/);
    // the package's prior scheduler into the Prior's scheduler input, which the Prior scheduler node already feeds
    const schedulerIn = await centre(handle(page, "prior", "target", "scheduler"));
    await dragBetween(page, await centre(handle(page, "package", "source", "priorScheduler")), schedulerIn);
    expect(await edgeCount(page)).toBe(edges);
    await expect.poll(() => page.getByTestId("notices").textContent()).toMatch(/already has a wire/);
    // a node into itself
    await dragBetween(
      page,
      await centre(handle(page, "priorScheduler", "source", "scheduler")),
      await centre(handle(page, "priorScheduler", "target", "scheduler")),
    );
    expect(await edgeCount(page)).toBe(edges);
    await expect.poll(() => page.getByTestId("notices").textContent()).toMatch(/cannot feed its own input/);
    await page.close();
  }, 60_000);

  it("adds nodes from the palette (keyboard, double-click, dropped wire), with undo and redo", async () => {
    const page = await openEditor(browser, server.url);
    await clickFitView(page);
    const nodes = await nodeCount(page);
    const edges = await edgeCount(page);
    const canvas = (await page.getByTestId("canvas").boundingBox())!;

    // Space opens the palette; type and Enter adds the node
    await page.mouse.move(canvas.x + 300, canvas.y + canvas.height - 120);
    await page.mouse.click(canvas.x + 300, canvas.y + canvas.height - 120);
    await page.keyboard.press("Space");
    await page.getByTestId("palette").waitFor();
    await page.keyboard.type("inspector");
    await screenshot(page, "08-palette");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator('[data-node-type="unclip.tensor_inspector"]').count()).toBe(1);
    expect(await nodeCount(page)).toBe(nodes + 1);

    // undo removes it, redo brings it back
    await page.keyboard.press("Control+z");
    await expect.poll(() => nodeCount(page)).toBe(nodes);
    await page.keyboard.press("Control+Shift+z");
    await expect.poll(() => nodeCount(page)).toBe(nodes + 1);

    // double-click on empty canvas opens it too
    await page.mouse.dblclick(canvas.x + 520, canvas.y + canvas.height - 100);
    await page.getByTestId("palette").waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("palette").count()).toBe(0);

    // a wire dropped on empty canvas offers only nodes that take an IMAGE, and connects the pick
    await dragBetween(page, await centre(handle(page, "decoder", "source", "image")), { x: canvas.x + 560, y: canvas.y + canvas.height - 60 });
    await page.getByTestId("palette").waitFor();
    const offered = await page.getByRole("option").allTextContents();
    expect(offered.some((t) => t.startsWith("Preview Image"))).toBe(true);
    expect(offered.some((t) => t.startsWith("Tokenizer"))).toBe(false);
    await screenshot(page, "09-palette-from-wire");
    await page.keyboard.type("preview");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator('[data-node-type="unclip.preview_image"]').count()).toBe(2);
    expect(await edgeCount(page)).toBe(edges + 1);

    // deleting a node and its wires is one undo step
    await node(page, "decoder").locator("header").click();
    await page.keyboard.press("Delete");
    await expect.poll(() => node(page, "decoder").count()).toBe(0);
    expect(await edgeCount(page)).toBeLessThan(edges);
    await page.keyboard.press("Control+z");
    await expect.poll(() => node(page, "decoder").count()).toBe(1);
    expect(await edgeCount(page)).toBe(edges + 1);

    // copy and paste a connected pair keeps the wire between them (Ctrl+Shift+V: without the wires from outside)
    await node(page, "decoder").locator("header").click();
    await node(page, "superRes")
      .locator("header")
      .click({ modifiers: ["Control"] });
    await page.keyboard.press("Control+c");
    await page.mouse.move(canvas.x + 200, canvas.y + 80);
    await page.keyboard.press("Control+Shift+v");
    await expect.poll(() => page.locator('[data-node-type="unclip.decoder"]').count()).toBe(2);
    expect(await edgeCount(page)).toBe(edges + 2);
    await page.keyboard.press("Control+z");
    await expect.poll(() => page.locator('[data-node-type="unclip.decoder"]').count()).toBe(1);
    await page.close();
  }, 90_000);

  it("shows validation errors on the nodes and ports they name, and jumps to them", async () => {
    const page = await openEditor(browser, server.url);
    await useTinyModel(page);
    // an out-of-range parameter and a missing input
    await page.locator('[data-testid="node-priorScheduler"] [data-param="numInferenceSteps"] input').fill("1");
    await clickFitView(page);
    await node(page, "tokenizer").locator("header").click();
    await page.keyboard.press("Delete");
    await page.keyboard.press("Control+Enter");
    const problems = page.getByTestId("problems");
    await problems.waitFor({ timeout: 30_000 });
    await expect.poll(() => node(page, "textEncoder").getAttribute("data-problem")).toBe("true");
    expect(await node(page, "textEncoder").textContent()).toMatch(/not connected/);
    expect(await node(page, "textEncoder").locator('[data-port="in:tokens"]').getAttribute("class")).toMatch(/text-red/);
    expect(await node(page, "priorScheduler").getAttribute("data-problem")).toBe("true");
    expect(await node(page, "priorScheduler").locator('[data-param="numInferenceSteps"] input').getAttribute("aria-invalid")).toBe("true");
    expect(await node(page, "decoder").getAttribute("data-problem")).toBeNull();
    await screenshot(page, "10-validation-errors");
    await problems.locator('[data-problem-node="textEncoder"]').first().click();
    await expect.poll(() => node(page, "textEncoder").locator("xpath=..").getAttribute("class")).toMatch(/selected/);
    await page.waitForTimeout(600); // the view glides to the node
    const box = (await node(page, "textEncoder").boundingBox())!;
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    expect(box.x).toBeGreaterThan(canvas.x);
    expect(box.x + box.width).toBeLessThan(canvas.x + canvas.width);
    expect(box.width).toBeGreaterThan(200); // zoomed in to a readable size
    await screenshot(page, "11-jump-to-problem");
    await page.close();
  }, 90_000);

  it("shows sampler previews while a run goes, and cancels it", async () => {
    const page = await openEditor(browser, server.url);
    await useTinyModel(page);
    // many decoder steps keep the run busy long enough to watch and cancel it
    await page.locator('[data-testid="node-decoderScheduler"] [data-param="numInferenceSteps"] input').fill("1000");
    await node(page, "tokenizer").locator("textarea").fill("a run to cancel");
    await page.keyboard.press("Control+Enter");
    await expect.poll(() => node(page, "decoder").getAttribute("data-state"), { timeout: 60_000 }).toBe("running");
    // previews of the predicted image arrive every 5 steps
    await node(page, "decoder").locator('img[alt*="preview"]').waitFor({ timeout: 60_000 });
    expect(await node(page, "decoder").getByRole("progressbar").count()).toBe(1);
    // pan the canvas so the decoder is in view
    await dragBetween(page, { x: 900, y: 520 }, { x: 150, y: 520 });
    await page.getByRole("tab", { name: /Queue/ }).click();
    await page.getByTestId("queue").locator("[data-run]").first().waitFor();
    await expect.poll(() => page.getByTestId("queue").textContent(), { timeout: 30_000 }).not.toMatch(/Loading/);
    await screenshot(page, "12-running-preview-and-queue");
    await page.getByRole("toolbar").getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => node(page, "decoder").getAttribute("data-state"), { timeout: 30_000 }).toBe("idle");
    await expect.poll(() => page.getByTestId("queue").textContent(), { timeout: 30_000 }).toContain("cancelled");
    expect(await node(page, "save").getAttribute("data-state")).toBe("idle");
    expect(await page.getByRole("toolbar").getByRole("button", { name: "Cancel" }).count()).toBe(0);
    await page.close();
  }, 120_000);

  it("restores the workflow of a PNG dropped on the canvas", async () => {
    const png = Buffer.from(await (await fetch(`${server.url}/api/artifacts/${savedImageId}`)).arrayBuffer());
    const page = await openEditor(browser, server.url);
    await page.getByRole("button", { name: "Templates" }).click();
    await page.getByRole("menuitem", { name: "Image variation" }).click();
    await page.waitForSelector('[data-node-type="unclip.image_encoder"]');
    expect(await node(page, "prior").count()).toBe(0);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "unclip-e2e-")), "image.png");
    writeFileSync(file, png);

    // the image picker uploads the file and keeps the stored name
    await node(page, "image").locator('input[type="file"]').setInputFiles(file);
    await expect
      .poll(
        async () =>
          `${await node(page, "image").locator("[data-upload-name]").getAttribute("data-upload-name")} ${await node(page, "image").locator('[data-param="image"]').textContent()}`,
        { timeout: 20_000 },
      )
      .toMatch(/^[0-9a-f]{64}\.png /);
    await node(page, "image").locator('img[alt="uploaded"]').waitFor();

    await page.getByTestId("canvas").evaluate(
      (el, bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], "made-by-the-app.png", { type: "image/png" }));
        el.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
        el.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [...png],
    );
    // it opens in a new tab, so the unsaved upload in the first tab is kept and nothing asks
    await page.waitForSelector('[data-testid="node-prior"]', { timeout: 15_000 });
    expect(await page.getByTestId("tabs").getByRole("tab").count()).toBe(2);
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await node(page, "tokenizer").locator("textarea").inputValue()).toBe(runPrompt);
    expect(await page.locator('[data-node-type="unclip.image_encoder"]').count()).toBe(0);
    await screenshot(page, "13-png-dropped");

    // the same through the import menu (file picker)
    await page.getByTestId("import-input").setInputFiles(file);
    // the dropped workflow was never saved, so opening another asks first
    await page.getByRole("dialog").getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => page.getByTestId("notices").textContent()).toContain("image.png");
    await page.close();
  }, 60_000);
});
