/**
 * Frames (groups) and reroute points in the browser (issue 20): the templates' stage frames,
 * Ctrl+G, moving a frame with its nodes, collapse and expand, rename, undo, export/import, save
 * and reload, deleting a frame; a reroute point added on a wire, moved, kept across a reload,
 * with the run still working. Built app, real server, the tiny model package, Debian's Chromium.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSkipReason, centre, dragBetween, node, openEditor, screenshot, useTinyModel, useAppAndBrowser } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

const frameTitles = (page: Page) => page.locator('.react-flow__node-frame [data-testid^="frame-title-"]').allTextContents();
const frameCount = (page: Page) => page.locator(".react-flow__node-frame").count();
const edgeCount = (page: Page) => page.locator(".react-flow__edge").count();
const frameTitle = (page: Page, id: string) => page.getByTestId(`frame-title-${id}`);

async function box(page: Page, testId: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.getByTestId(testId).boundingBox();
  if (!b) throw new Error(`${testId} is not visible`);
  return b;
}

async function exportJson(page: Page): Promise<{
  groups?: { id: string; title: string; nodes: string[]; collapsed?: boolean; color?: string }[];
  links: { id: string; from: { node: string }; to: { node: string }; points?: { x: number; y: number }[] }[];
}> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    (async () => {
      await page.getByRole("button", { name: "Workflow", exact: true }).click();
      await page.getByRole("menuitem", { name: "Export JSON", exact: true }).click();
    })(),
  ]);
  return JSON.parse(readFileSync(await download.path(), "utf8")) as Awaited<ReturnType<typeof exportJson>>;
}

async function pickTemplate(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name: "Templates", exact: true }).click();
  await page.getByRole("menuitem", { name }).click();
  const discard = page.getByRole("dialog").getByRole("button", { name: "Discard" });
  if (await discard.isVisible().catch(() => false)) await discard.click();
  await expect.poll(() => page.getByTestId("workflow-name").textContent()).toContain(name.slice(0, 12));
}

/** Where the middle of a wire is on screen (its drawn path's halfway point). */
async function wireMiddle(page: Page, from: string, to: string): Promise<{ x: number; y: number }> {
  return page.locator(`.react-flow__edge[aria-label="Edge from ${from} to ${to}"] path.react-flow__edge-path`).evaluate((p: SVGPathElement) => {
    const at = p.getPointAtLength(p.getTotalLength() / 2);
    const screen = new DOMPoint(at.x, at.y).matrixTransform(p.getScreenCTM()!);
    return { x: screen.x, y: screen.y };
  });
}

suite(`frames and reroute points${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  const env = useAppAndBrowser();

  it("every template opens with its stages as frames, each around its nodes", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await expect.poll(() => frameTitles(page)).toEqual(["Text encoding", "Prior", "Decoder", "Super-resolution"]);
    // the Prior frame's box holds the Prior node
    const frame = await box(page, "frame-stage2");
    expect(await page.getByTestId("frame-stage2").getAttribute("data-color")).toBe("purple");
    const prior = (await node(page, "prior").boundingBox())!;
    expect(prior.x).toBeGreaterThan(frame.x);
    expect(prior.y).toBeGreaterThan(frame.y);
    expect(prior.x + prior.width).toBeLessThan(frame.x + frame.width);
    expect(prior.y + prior.height).toBeLessThan(frame.y + frame.height);
    await screenshot(page, "30-template-frames");
    await pickTemplate(page, "Image variation");
    await expect
      .poll(() => frameTitles(page))
      .toEqual(["Image encoding (instead of the prior)", "Text encoding (empty prompt)", "Decoder", "Super-resolution"]);
    await pickTemplate(page, "Prompt interpolation");
    await expect.poll(() => frameTitles(page)).toEqual(["Text encoding and blend", "Prior", "Decoder", "Super-resolution"]);
    await pickTemplate(page, "Teaching: watch unCLIP draw");
    await expect.poll(() => frameTitles(page)).toEqual(["Text encoding", "Prior", "Decoder", "Super-resolution"]);
    await page.close();
  }, 90_000);

  it("auto-layout keeps each frame's nodes together: frames stay around their nodes and apart from each other", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await expect.poll(() => frameCount(page)).toBe(4);
    const before = (await node(page, "prior").boundingBox())!;
    await page.getByRole("button", { name: "Auto-layout", exact: true }).click();
    await expect.poll(async () => JSON.stringify((await node(page, "prior").boundingBox())!)).not.toBe(JSON.stringify(before));
    await page.waitForTimeout(500); // the refit after layout
    const frames = await page
      .locator(".react-flow__node-frame")
      .evaluateAll((els) => els.map((e) => ({ id: e.getAttribute("data-id")!, r: e.getBoundingClientRect().toJSON() as DOMRect })));
    expect(frames).toHaveLength(4);
    const apart = (a: DOMRect, b: DOMRect) => a.right <= b.x || b.right <= a.x || a.bottom <= b.y || b.bottom <= a.y;
    for (const f of frames) for (const g of frames) if (f !== g) expect(apart(f.r, g.r), `${f.id} overlaps ${g.id}`).toBe(true);
    const members: Record<string, string[]> = {
      "frame:stage1": ["tokenizer", "textEncoder"],
      "frame:stage2": ["prior"],
      "frame:stage3": ["textProj", "decoder"],
      "frame:stage4": ["superRes"],
    };
    for (const f of frames)
      for (const id of members[f.id]) {
        const b = (await node(page, id).boundingBox())!;
        expect(b.x >= f.r.x && b.y >= f.r.y && b.x + b.width <= f.r.right && b.y + b.height <= f.r.bottom, `${id} inside ${f.id}`).toBe(true);
      }
    await screenshot(page, "35-auto-layout-frames");
    await page.close();
  }, 60_000);

  it("Ctrl+G frames the selection; the frame moves its nodes, collapses, expands, renames, undoes, exports, imports and deletes", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await expect.poll(() => frameCount(page)).toBe(4);
    await node(page, "seed").locator("header").click();
    await node(page, "note")
      .locator("header")
      .click({ modifiers: ["Control"] });
    await page.keyboard.press("Control+g");
    await expect.poll(() => frameCount(page)).toBe(5);
    await expect.poll(() => frameTitle(page, "group1").textContent()).toBe("Group");

    // rename by double-clicking the title
    await frameTitle(page, "group1").dblclick();
    await page.getByLabel("Frame title").fill("Inputs");
    await page.keyboard.press("Enter");
    await expect.poll(() => frameTitle(page, "group1").textContent()).toBe("Inputs");

    // dragging the title bar moves both members by the same amount, and nothing else
    const before = {
      seed: (await node(page, "seed").boundingBox())!,
      note: (await node(page, "note").boundingBox())!,
      pkg: (await node(page, "package").boundingBox())!,
    };
    const grip = await centre(frameTitle(page, "group1"));
    // (right and down, away from the canvas edges, where React Flow would pan the view while dragging)
    await dragBetween(page, grip, { x: grip.x + 150, y: grip.y + 60 });
    const after = {
      seed: (await node(page, "seed").boundingBox())!,
      note: (await node(page, "note").boundingBox())!,
      pkg: (await node(page, "package").boundingBox())!,
    };
    const dx = after.seed.x - before.seed.x;
    const dy = after.seed.y - before.seed.y;
    // (React Flow starts a drag past a small threshold, so the nodes follow the pointer within a few pixels)
    expect(Math.abs(dx - 150)).toBeLessThan(10);
    expect(Math.abs(dy - 60)).toBeLessThan(10);
    expect(after.note.x - before.note.x).toBeCloseTo(dx, 0);
    expect(after.note.y - before.note.y).toBeCloseTo(dy, 0);
    expect(after.pkg).toEqual(before.pkg);
    await screenshot(page, "31-frame-moved");

    // one undo puts both back
    await page.keyboard.press("Control+z");
    await expect.poll(async () => Math.round((await node(page, "seed").boundingBox())!.y)).toBe(Math.round(before.seed.y));
    expect(Math.round((await node(page, "note").boundingBox())!.x)).toBe(Math.round(before.note.x));
    expect(await frameTitle(page, "group1").textContent()).toBe("Inputs");

    // collapsing the Decoder frame hides its nodes and the wire between them; wires across its border end at the frame
    const edges = await edgeCount(page);
    await page.getByTestId("frame-toggle-stage3").click();
    await expect.poll(() => node(page, "decoder").count()).toBe(0);
    expect(await node(page, "textProj").count()).toBe(0);
    expect((await box(page, "frame-stage3")).height).toBeLessThan(40);
    await expect.poll(() => edgeCount(page)).toBe(edges - 1);
    await expect.poll(() => page.locator('.react-flow__edge[aria-label="Edge from frame:stage3 to superRes"]').count()).toBe(1);
    await expect.poll(() => page.locator('.react-flow__edge[aria-label="Edge from prior to frame:stage3"]').count()).toBe(1);
    await screenshot(page, "32-frame-collapsed");
    await page.getByTestId("frame-toggle-stage3").click();
    await expect.poll(() => node(page, "decoder").count()).toBe(1);
    await expect.poll(() => edgeCount(page)).toBe(edges);
    await page.getByTestId("frame-toggle-stage3").click();
    await expect.poll(() => node(page, "decoder").count()).toBe(0);

    // tint the new frame, then export: the frames are in the file, and importing it brings them back
    await frameTitle(page, "group1").click();
    await page.getByRole("button", { name: "Frame colour green" }).click();
    await expect.poll(() => page.getByTestId("frame-group1").getAttribute("data-color")).toBe("green");
    const exported = await exportJson(page);
    expect(exported.groups!.find((g) => g.id === "group1")).toEqual({ id: "group1", title: "Inputs", color: "green", nodes: ["seed", "note"] });
    expect(exported.groups!.find((g) => g.id === "stage3")).toMatchObject({ title: "Decoder", collapsed: true });
    await page.getByTestId("tabs").getByRole("button", { name: "New tab" }).click();
    await expect.poll(() => frameCount(page)).toBe(0);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "unclip-frames-")), "framed.json");
    writeFileSync(file, JSON.stringify(exported));
    await page.getByTestId("import-input").setInputFiles(file);
    await expect.poll(() => frameCount(page)).toBe(5);
    expect(await frameTitle(page, "group1").textContent()).toBe("Inputs");
    expect(await page.getByTestId("frame-stage3").getAttribute("data-collapsed")).toBe("true");
    expect(await node(page, "decoder").count()).toBe(0);

    // deleting a frame keeps its nodes (and undo brings the frame back)
    await frameTitle(page, "group1").click();
    await page.keyboard.press("Delete");
    await expect.poll(() => frameCount(page)).toBe(4);
    expect(await node(page, "seed").count()).toBe(1);
    expect(await node(page, "note").count()).toBe(1);
    await page.keyboard.press("Control+z");
    await expect.poll(() => frameCount(page)).toBe(5);
    await page.close();
  }, 120_000);

  it("a reroute point added on a wire is moved, survives save and reload with a frame, the run still works, and double-click removes it", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await useTinyModel(page);
    const mid = await wireMiddle(page, "superRes", "save");
    await page.mouse.dblclick(mid.x, mid.y);
    const point = page.locator('[data-testid^="reroute-"]');
    await expect.poll(() => point.count()).toBe(1);
    const wireId = (await point.getAttribute("data-testid"))!.replace(/^reroute-/, "").replace(/-0$/, "");
    // drag it down: the wire now passes through it
    const at = await centre(point);
    await dragBetween(page, at, { x: at.x, y: at.y + 120 });
    const moved = await centre(point);
    expect(Math.abs(moved.y - at.y - 120)).toBeLessThan(4);
    const dPath = await page.locator(`.react-flow__edge[data-id="${wireId}"] path.react-flow__edge-path`).getAttribute("d");
    expect(dPath!.match(/C /g)).toHaveLength(2);
    await screenshot(page, "33-reroute-point");

    // a frame of our own too, then save and reload
    await node(page, "note").locator("header").click();
    await page.keyboard.press("Control+g");
    await expect.poll(() => frameCount(page)).toBe(5);
    await page.keyboard.press("Control+s");
    await page.getByRole("dialog").getByLabel("Name").fill("Frames and reroutes");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await page.getByTestId("saved").waitFor();
    const saved = await exportJson(page);
    const link = saved.links.find((l) => l.id === wireId)!;
    expect(link).toMatchObject({ from: { node: "superRes" }, to: { node: "save" } });
    expect(link.points).toHaveLength(1);
    await page.reload();
    await page.waitForSelector('[data-testid="node-save"]');
    await expect.poll(() => point.count()).toBe(1);
    await expect.poll(() => frameCount(page)).toBe(5);
    expect(await frameTitle(page, "group1").textContent()).toBe("Group");

    // the run works with the rerouted wire and the frames (the executor never sees them)
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await node(page, "save").locator("img[data-output-image]").first().waitFor({ timeout: 150_000 });
    await screenshot(page, "34-reroute-run");

    // double-clicking the point removes it; undo brings it back
    await point.dblclick();
    await expect.poll(() => point.count()).toBe(0);
    await page.keyboard.press("Control+z");
    await expect.poll(() => point.count()).toBe(1);
    await page.close();
  }, 200_000);
});
