/**
 * Graph editing essentials in the browser (issue 20): the result on screen after Run at two
 * window sizes, paste and duplicate keeping incoming wires, bypass and mute, drops that do what
 * their target says, warnings, and the small things (one progress notice per run, no console
 * errors on a refused run, the `?` list, the empty-canvas hint). Built app, real server, the
 * tiny model package, Debian's Chromium.
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSkipReason, centre, dragBetween, handle, node, screenshot, useTinyModel, useAppAndBrowser } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

/** Open the editor at a window size, collecting console errors and page errors. */
async function open(browser: Browser, url: string, width = 1280, height = 800): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  await page.waitForSelector('[data-testid="node-save"], [data-testid="node-tokenizer"]', { timeout: 60_000 });
  await page.waitForTimeout(300); // the fit happens two frames after the nodes are measured
  return { page, errors };
}

const nodeCount = (page: Page, type: string) => page.locator(`[data-node-type="${type}"]`).count();
const edgeCount = (page: Page) => page.locator(".react-flow__edge").count();

/** The Save Image node's picture: on screen, ≥ 48 px wide, not covered (the element at its centre is inside the node). */
async function resultIsVisible(page: Page): Promise<{ width: number; uncovered: boolean; inView: boolean; clearOfOverlays: boolean }> {
  return page.evaluate(() => {
    const img = document.querySelector('[data-testid="node-save"] img[data-output-image]');
    if (!img) return { width: 0, uncovered: false, inView: false, clearOfOverlays: false };
    const r = img.getBoundingClientRect();
    const canvas = document.querySelector('[data-testid="canvas"]')!.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    const inView = r.x >= canvas.x && r.y >= canvas.y && r.right <= canvas.right && r.bottom <= canvas.bottom;
    const overlays = [...document.querySelectorAll(".react-flow__minimap, .react-flow__controls")].map((e) => e.getBoundingClientRect());
    const clear = overlays.every((o) => o.right <= r.x || r.right <= o.x || o.bottom <= r.y || r.bottom <= o.y);
    return { width: r.width, uncovered: Boolean(hit?.closest('[data-testid="node-save"]')), inView, clearOfOverlays: clear };
  });
}

async function runAndWait(page: Page): Promise<void> {
  const before = await node(page, "save")
    .locator("img[data-output-image]")
    .getAttribute("data-output-image")
    .catch(() => null);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect
    .poll(
      () =>
        node(page, "save")
          .locator("img[data-output-image]")
          .first()
          .getAttribute("data-output-image", { timeout: 1000 })
          .catch(() => null),
      {
        timeout: 150_000,
      },
    )
    .not.toBe(before);
  await expect.poll(() => page.getByTestId("notices").textContent()).not.toMatch(/Running…|Queued/);
}

/** Drop a file on an element as the browser would (a DataTransfer carried by dragover and drop). */
async function dropOn(page: Page, selector: string, bytes: number[], name: string, type: string, at?: { x: number; y: number }): Promise<void> {
  await page
    .locator(selector)
    .first()
    .evaluate(
      (el, { bytes, name, type, at }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], name, { type }));
        const box = el.getBoundingClientRect();
        const point = at ?? { x: box.x + box.width / 2, y: box.y + box.height / 2 };
        for (const kind of ["dragover", "drop"]) {
          el.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: point.x, clientY: point.y }));
        }
      },
      { bytes, name, type, at },
    );
}

suite(`graph editing essentials${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  const env = useAppAndBrowser();
  let madePng: number[] = [];

  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ]) {
    it(`shows the result on screen after Run at ${width}×${height}, with one progress notice that ends with the run`, async () => {
      const { page, errors } = await open(env.browser, env.server.url, width, height);
      // the toolbar is one row
      const bar = await page
        .getByRole("toolbar", { name: "Editor toolbar" })
        .evaluate((el) => ({ h: el.clientHeight, sw: el.scrollWidth, cw: el.clientWidth }));
      expect(bar.h).toBeLessThanOrEqual(48);
      expect(bar.sw).toBeLessThanOrEqual(bar.cw);
      // the whole graph is in the canvas on load
      const canvas = (await page.getByTestId("canvas").boundingBox())!;
      for (const id of ["package", "tokenizer", "save"]) {
        const b = (await node(page, id).boundingBox())!;
        expect(b.x, id).toBeGreaterThanOrEqual(canvas.x);
        expect(b.x + b.width, id).toBeLessThanOrEqual(canvas.x + canvas.width);
      }
      await useTinyModel(page);
      await page.getByRole("button", { name: "Run", exact: true }).click();
      // (a run found whole in the cache may end before its notice could show, so only its end is checked)
      await node(page, "save").locator("img[data-output-image]").first().waitFor({ timeout: 150_000 });
      await expect.poll(() => page.getByTestId("notices").textContent(), { timeout: 30_000 }).not.toMatch(/Running…|Queued/);
      await page.waitForTimeout(500); // a refit, when the picture was not wholly visible, glides in
      await expect.poll(() => resultIsVisible(page)).toEqual({ width: expect.any(Number) as number, uncovered: true, inView: true, clearOfOverlays: true });
      expect((await resultIsVisible(page)).width).toBeGreaterThanOrEqual(48);
      // …and in the results strip, which lies under the canvas, not over it
      const thumb = page.locator('[data-testid="results-strip"] [data-result-node="save"] img').first();
      await thumb.waitFor();
      const saveImage = await node(page, "save").locator("img[data-output-image]").first().getAttribute("data-output-image");
      expect(await thumb.getAttribute("data-result-image")).toBe(saveImage);
      const strip = (await page.getByTestId("results-strip").boundingBox())!;
      const shrunk = (await page.getByTestId("canvas").boundingBox())!;
      expect(shrunk.y + shrunk.height).toBeLessThanOrEqual(strip.y + 0.5);
      expect(strip.y + strip.height).toBeLessThanOrEqual(height);
      const t = (await thumb.boundingBox())!;
      expect(t.width).toBeGreaterThanOrEqual(48);
      expect(t.x + t.width).toBeLessThanOrEqual(width);
      // clicking it selects the Save Image node (and only it)
      await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
      await thumb.click();
      await expect.poll(() => page.locator(".react-flow__node.selected").evaluateAll((els) => els.map((e) => e.getAttribute("data-id")))).toEqual(["save"]);
      await screenshot(page, `20-result-on-screen-${width}x${height}`);
      if (!madePng.length) {
        const id = (await node(page, "save").locator("img[data-output-image]").first().getAttribute("data-output-image"))!;
        madePng = [...new Uint8Array(await (await fetch(`${env.server.url}/api/artifacts/${id}`)).arrayBuffer())];
      }
      expect(errors).toEqual([]);
      await page.close();
    }, 200_000);
  }

  it("converts the Decoder's guidance scale to an input fed by a Float node, and the run uses that value", async () => {
    const { page, errors } = await open(env.browser, env.server.url);
    await useTinyModel(page);
    /** The Save Image picture's pixels, hashed (the PNG bytes also carry the workflow, which differs). */
    const savedPixels = () =>
      node(page, "save")
        .locator("img[data-output-image]")
        .first()
        .evaluate(async (img: HTMLImageElement) => {
          await img.decode();
          const c = document.createElement("canvas");
          c.width = img.naturalWidth;
          c.height = img.naturalHeight;
          const ctx = c.getContext("2d")!;
          ctx.drawImage(img, 0, 0);
          const data = ctx.getImageData(0, 0, c.width, c.height).data;
          let h = 0;
          for (let i = 0; i < data.length; i++) h = (Math.imul(h, 31) + data[i]) | 0;
          return `${c.width}x${c.height}:${h}`;
        });
    // the reference: guidance 3 typed into the widget
    await node(page, "decoder").locator('[data-param="guidanceScale"] input[type="number"]').fill("3");
    await runAndWait(page);
    const typed = await savedPixels();

    // convert it from the node menu: the row says so and the node gets a FLOAT input of that name
    await node(page, "decoder").locator("header").click({ button: "right" });
    await page.getByRole("menuitem", { name: "Convert Guidance scale to input" }).click();
    await expect.poll(() => node(page, "decoder").locator('[data-param="guidanceScale"][data-converted]').count()).toBe(1);
    const port = handle(page, "decoder", "target", "guidanceScale");
    await port.waitFor();

    // a Float node holding 3, wired into it
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    // the free band under the graph, between the zoom controls and the minimap
    await page.mouse.click(canvas.x + canvas.width / 2, canvas.y + canvas.height - 90);
    await page.keyboard.press("Space");
    await page.getByTestId("palette").waitFor();
    await page.keyboard.type("Float");
    await page.keyboard.press("Enter");
    const float = page.locator('[data-node-type="unclip.float"]').first();
    await float.waitFor();
    const floatId = (await float.getAttribute("data-testid"))!.replace("node-", "");
    await node(page, floatId).locator('[data-param="value"] input').fill("3");
    const edges = await edgeCount(page);
    await dragBetween(page, await centre(handle(page, floatId, "source", "value")), await centre(port));
    await expect.poll(() => edgeCount(page)).toBe(edges + 1);
    await expect.poll(() => node(page, "decoder").locator('[data-param="guidanceScale"]').textContent()).toMatch(/from its input/);
    await runAndWait(page);
    expect(await savedPixels()).toBe(typed);

    // another value on the wire gives another picture; a value outside the parameter's limits is refused, naming it
    await node(page, floatId).locator('[data-param="value"] input').fill("1");
    await runAndWait(page);
    expect(await savedPixels()).not.toBe(typed);
    await node(page, floatId).locator('[data-param="value"] input').fill("500");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect
      .poll(() => node(page, "decoder").locator('[data-problem-code="param_out_of_range"]').textContent(), { timeout: 20_000 })
      .toMatch(/Guidance scale.*from Float/);
    await screenshot(page, "28-param-as-input");

    // back to a widget drops the wire
    await node(page, "decoder").getByRole("button", { name: "Convert Guidance scale to a widget" }).click();
    await expect.poll(() => edgeCount(page)).toBe(edges);
    expect(await handle(page, "decoder", "target", "guidanceScale").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it("copies the Decoder with its four incoming wires, pastes without them on Ctrl+Shift+V, duplicates on Ctrl+D", async () => {
    const { page } = await open(env.browser, env.server.url);
    const edges = await edgeCount(page);
    await node(page, "decoder").locator("header").click();
    await page.keyboard.press("Control+c");
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    await page.mouse.move(canvas.x + canvas.width / 2, canvas.y + 40);
    await page.keyboard.press("Control+v");
    await expect.poll(() => nodeCount(page, "unclip.decoder")).toBe(2);
    await expect.poll(() => edgeCount(page)).toBe(edges + 4);
    // the copy overlaps no other node
    const boxes = await page
      .locator(".react-flow__node")
      .evaluateAll((els) => els.map((e) => ({ id: e.getAttribute("data-id"), r: e.getBoundingClientRect().toJSON() as DOMRect })));
    const copy = boxes.find((b) => b.id === "decoder_2")!;
    for (const other of boxes.filter((b) => b.id !== "decoder_2")) {
      const a = copy.r;
      const o = other.r;
      expect(a.right <= o.x || o.right <= a.x || a.bottom <= o.y || o.bottom <= a.y, `the pasted decoder overlaps ${other.id}`).toBe(true);
    }
    await screenshot(page, "21-pasted-decoder");
    await page.keyboard.press("Control+Shift+v");
    await expect.poll(() => nodeCount(page, "unclip.decoder")).toBe(3);
    await expect.poll(() => edgeCount(page)).toBe(edges + 4);
    await node(page, "decoder").locator("header").click();
    await page.keyboard.press("Control+d");
    await expect.poll(() => nodeCount(page, "unclip.decoder")).toBe(4);
    await expect.poll(() => edgeCount(page)).toBe(edges + 8);
    await page.keyboard.press("Control+z");
    await expect.poll(() => nodeCount(page, "unclip.decoder")).toBe(3);
    await page.close();
  }, 60_000);

  it("Ctrl+B on Super-Res makes the next run's image the decoder's size; Ctrl+M mutes", async () => {
    const { page } = await open(env.browser, env.server.url);
    await useTinyModel(page);
    await runAndWait(page);
    const size = async (id: string) => (await node(page, id).locator("img[data-output-image]").first().getAttribute("alt"))!.match(/(\d+)×(\d+)/)![0];
    const decoderSize = await size("preview");
    expect(await size("save")).not.toBe(decoderSize);

    await node(page, "superRes").locator("header").click();
    await page.keyboard.press("Control+b");
    await expect.poll(() => node(page, "superRes").getAttribute("data-mode")).toBe("bypass");
    await screenshot(page, "22-bypassed-super-res");
    await runAndWait(page);
    expect(await size("save")).toBe(decoderSize);
    expect(await page.getByTestId("notices").textContent()).toMatch(/bypassed Super-Res/i);
    expect(await node(page, "superRes").getAttribute("data-state")).toBe("idle");

    // saved in the workflow
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      (async () => {
        await page.getByRole("button", { name: "Workflow", exact: true }).click();
        await page.getByRole("menuitem", { name: "Export JSON", exact: true }).click();
      })(),
    ]);
    const exported = JSON.parse(await (await import("node:fs/promises")).readFile(await download.path(), "utf8")) as {
      nodes: { id: string; mode?: string }[];
    };
    expect(exported.nodes.find((n) => n.id === "superRes")!.mode).toBe("bypass");

    // Ctrl+B again restores it; Ctrl+M on the decoder mutes it and what needs it
    await node(page, "superRes").locator("header").click();
    await page.keyboard.press("Control+b");
    await expect.poll(() => node(page, "superRes").getAttribute("data-mode")).toBeNull();
    await node(page, "superRes").locator("header").click();
    await page.keyboard.press("Control+m");
    await expect.poll(() => node(page, "superRes").getAttribute("data-mode")).toBe("mute");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => page.getByTestId("notices").textContent(), { timeout: 150_000 }).toMatch(/muted Super-Res/);
    expect(await node(page, "save").getAttribute("data-state")).toBe("idle");
    await page.close();
  }, 400_000);

  it("runs to here: Alt+Enter on the Decoder runs only what its preview needs", async () => {
    const { page } = await open(env.browser, env.server.url);
    await useTinyModel(page);
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await node(page, "decoder").locator("header").click();
    await expect.poll(() => node(page, "decoder").locator("xpath=..").getAttribute("class")).toMatch(/selected/);
    await page.keyboard.press("Alt+Enter");
    await node(page, "preview").locator("img[data-output-image]").first().waitFor({ timeout: 150_000 });
    await expect.poll(() => page.getByTestId("notices").textContent(), { timeout: 30_000 }).not.toMatch(/Running…|Queued/);
    expect(await node(page, "save").locator("img[data-output-image]").count()).toBe(0);
    expect(await node(page, "superRes").getAttribute("data-state")).toBe("idle");
    expect(await node(page, "save").getAttribute("data-mode")).toBeNull(); // the editor's graph is untouched
    await page.close();
  }, 200_000);

  it("drops: an image on Load Image sets only its image (undoable); a plain image on the canvas adds a Load Image node; a workflow PNG opens in a new tab", async () => {
    expect(madePng.length).toBeGreaterThan(0);
    const { page } = await open(env.browser, env.server.url);
    await page.getByRole("button", { name: "Templates", exact: true }).click();
    await page.getByRole("menuitem", { name: "Image variation" }).click();
    await page.waitForSelector('[data-node-type="unclip.load_image"]');
    const nodes = await page.locator(".react-flow__node").count();
    const loadId = (await page.locator('[data-node-type="unclip.load_image"]').first().getAttribute("data-testid"))!.replace("node-", "");
    // the template starts with a shipped example picture; undo must bring exactly that back
    const before = await node(page, loadId).locator("[data-upload-name]").getAttribute("data-upload-name");
    expect(before).toBe("example:red-ring.png");
    await dropOn(page, `[data-testid="node-${loadId}"]`, madePng, "made-by-the-app.png", "image/png");
    await expect
      .poll(() => node(page, loadId).locator("[data-upload-name]").getAttribute("data-upload-name"), { timeout: 20_000 })
      .toMatch(/^[0-9a-f]{64}\.png$/);
    // the workflow inside the PNG was not loaded: same nodes, no prior
    expect(await page.locator(".react-flow__node").count()).toBe(nodes);
    expect(await node(page, "prior").count()).toBe(0);
    await page.keyboard.press("Control+z");
    await expect.poll(() => node(page, loadId).locator("[data-upload-name]").getAttribute("data-upload-name")).toBe(before);

    // a picture with no workflow in it, dropped on empty canvas, becomes a new Load Image node
    const plain = await page.evaluate(async () => {
      const c = document.createElement("canvas");
      c.width = c.height = 16;
      c.getContext("2d")!.fillRect(0, 0, 8, 8);
      const blob = await new Promise<Blob>((resolve) => c.toBlob((b) => resolve(b!), "image/png"));
      return [...new Uint8Array(await blob.arrayBuffer())];
    });
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    await dropOn(page, ".react-flow__pane", plain, "plain.png", "image/png", { x: canvas.x + 60, y: canvas.y + 60 });
    await expect.poll(() => nodeCount(page, "unclip.load_image"), { timeout: 20_000 }).toBe(2);
    await expect
      .poll(() => page.locator('[data-node-type="unclip.load_image"]').last().locator("[data-upload-name]").getAttribute("data-upload-name"), {
        timeout: 20_000,
      })
      .toMatch(/^[0-9a-f]{64}\.png$/);

    // a PNG that carries a workflow, dropped on empty canvas, opens it in a new tab and leaves this one as it was
    const tabs = page.getByTestId("tabs");
    const here = await page.locator(".react-flow__node").count();
    await dropOn(page, ".react-flow__pane", madePng, "made-by-the-app.png", "image/png", { x: canvas.x + 40, y: canvas.y + 40 });
    await expect.poll(() => tabs.getByRole("tab").count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => tabs.getByRole("tab").nth(1).getAttribute("aria-selected")).toBe("true");
    await node(page, "prior").waitFor();
    expect(await nodeCount(page, "unclip.load_image")).toBe(0);
    await tabs.getByRole("tab").first().click();
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(here);
    expect(await nodeCount(page, "unclip.load_image")).toBe(2);
    await page.close();
  }, 90_000);

  it("warns on contradicting guidance and out-of-range values, on the nodes and in Problems, without blocking", async () => {
    const { page } = await open(env.browser, env.server.url);
    await node(page, "textProj").locator('[data-param="classifierFreeGuidance"] [role="switch"]').click({ timeout: 5000 });
    await node(page, "decoder").getByTestId("warnings-decoder").waitFor({ timeout: 5000 });
    expect(await node(page, "textProj").getAttribute("data-warning")).toBe("true");
    await page.getByRole("tab", { name: /Problems/ }).click();
    // Text Proj's switch, the Decoder's scale, and the Prior's pass at its scale 1 (nothing in the graph is guided now)
    await expect.poll(() => page.getByTestId("problems").locator("[data-warning]").count()).toBe(3);
    await node(page, "textProj").locator('[data-param="classifierFreeGuidance"] [role="switch"]').click();
    await expect.poll(() => node(page, "decoder").getAttribute("data-warning")).toBeNull();
    const field = node(page, "decoder").locator('[data-param="guidanceScale"] input[type="number"]');
    await field.fill("50");
    await expect.poll(() => node(page, "decoder").getByTestId("warnings-decoder").textContent()).toMatch(/recommended 0–20/);
    // the widget marks it as a warning (amber), not as an error
    expect(await field.getAttribute("data-soft-range")).toBe("outside");
    await screenshot(page, "23-warnings");
    await page.close();
  }, 60_000);

  it("collapses, pins and colours a node from its menu (saved in the workflow); hides and shows the wires", async () => {
    const { page } = await open(env.browser, env.server.url);
    const edges = await edgeCount(page);
    const menuItem = async (id: string, name: string | RegExp) => {
      await node(page, id).locator("header").click({ button: "right" });
      await page.getByTestId("node-menu").getByRole("menuitem", { name }).click();
    };
    await menuItem("decoder", "Collapse");
    await expect.poll(() => node(page, "decoder").getAttribute("data-collapsed")).toBe("true");
    expect((await node(page, "decoder").boundingBox())!.height).toBeLessThan(40);
    expect(await edgeCount(page)).toBe(edges); // its wires are still drawn, to the title bar
    await menuItem("decoder", "Colour red");
    await expect.poll(() => node(page, "decoder").getAttribute("data-color")).toBe("red");
    await menuItem("superRes", /^Pin/);
    await expect.poll(() => node(page, "superRes").getAttribute("data-pinned")).toBe("true");
    // dragging a pinned node does not move it (the canvas may pan instead: compare with a neighbour)
    const offset = async () => {
      const a = (await node(page, "superRes").boundingBox())!;
      const b = (await node(page, "save").boundingBox())!;
      return [Math.round(a.x - b.x), Math.round(a.y - b.y)];
    };
    const before = (await node(page, "superRes").boundingBox())!;
    const was = await offset();
    await page.mouse.move(before.x + 40, before.y + 8);
    await page.mouse.down();
    await page.mouse.move(before.x + 140, before.y + 108, { steps: 8 });
    await page.mouse.up();
    expect(await offset()).toEqual(was);
    await screenshot(page, "26-collapsed-coloured-pinned");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      (async () => {
        await page.getByRole("button", { name: "Workflow", exact: true }).click();
        await page.getByRole("menuitem", { name: "Export JSON", exact: true }).click();
      })(),
    ]);
    const { readFile } = await import("node:fs/promises");
    const exported = JSON.parse(await readFile(await download.path(), "utf8")) as {
      nodes: { id: string; collapsed?: boolean; color?: string; pinned?: boolean }[];
    };
    expect(exported.nodes.find((n) => n.id === "decoder")).toMatchObject({ collapsed: true, color: "red" });
    expect(exported.nodes.find((n) => n.id === "superRes")).toMatchObject({ pinned: true });

    await page.getByRole("button", { name: "Hide wires" }).click();
    await expect
      .poll(() =>
        page
          .locator(".react-flow__edge")
          .first()
          .evaluate((e) => getComputedStyle(e).visibility),
      )
      .toBe("hidden");
    await page.getByRole("button", { name: "Show wires" }).click();
    await expect
      .poll(() =>
        page
          .locator(".react-flow__edge")
          .first()
          .evaluate((e) => getComputedStyle(e).visibility),
      )
      .toBe("visible");
    await page.close();
  }, 60_000);

  it("keeps a separate undo history and unsaved marker in each workflow tab", async () => {
    const { page } = await open(env.browser, env.server.url);
    const count = () => page.locator(".react-flow__node").count();
    const tabs = page.getByTestId("tabs");
    const first = await count();
    await node(page, "tokenizer").locator("header").click();
    await page.keyboard.press("Delete");
    await expect.poll(count).toBe(first - 1);

    await tabs.getByRole("button", { name: "New tab" }).click();
    await expect.poll(count).toBe(0);
    await page.getByTestId("empty-hint").waitFor();
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    await page.mouse.click(canvas.x + 200, canvas.y + 200);
    await page.keyboard.press("Space");
    await page.getByTestId("palette").waitFor();
    await page.keyboard.type("seed");
    await page.keyboard.press("Enter");
    await expect.poll(count).toBe(1);
    expect(await tabs.getByRole("tab").count()).toBe(2);

    // back to the first tab: its deletion is undone by its own history
    await tabs.getByRole("tab").first().click();
    await expect.poll(count).toBe(first - 1);
    expect(await tabs.getByRole("tab").first().locator('[aria-label="unsaved"]').count()).toBe(1);
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await page.keyboard.press("Control+z");
    await expect.poll(count).toBe(first);
    await page.keyboard.press("Control+z");
    await expect.poll(count).toBe(first); // nothing more to undo here: the new tab's node is not in this history

    // the second tab still has its node, and undo there removes it
    await tabs.getByRole("tab").nth(1).click();
    await expect.poll(count).toBe(1);
    await page.locator(".react-flow__pane").click({ position: { x: 10, y: 10 } });
    await page.keyboard.press("Control+z");
    await expect.poll(count).toBe(0);
    await screenshot(page, "27-tabs");
    await tabs
      .getByRole("button", { name: /^Close/ })
      .nth(1)
      .click();
    await expect.poll(() => tabs.getByRole("tab").count()).toBe(1);
    await expect.poll(count).toBe(first);
    await page.close();
  }, 60_000);

  it("refuses a run with problems without a console error; `?` lists every shortcut; a new workflow shows a hint", async () => {
    const { page, errors } = await open(env.browser, env.server.url);
    await node(page, "tokenizer").locator("header").click();
    await page.keyboard.press("Delete");
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("problems").waitFor({ timeout: 30_000 });
    await expect.poll(() => node(page, "textEncoder").getAttribute("data-problem")).toBe("true");
    expect(errors).toEqual([]);

    await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
    await page.keyboard.press("?");
    await page.getByTestId("shortcuts").waitFor();
    const listed = (await page.getByTestId("shortcuts").textContent())!;
    for (const keys of ["Ctrl+Enter", "Ctrl+B", "Ctrl+M", "Ctrl+Shift+V", "Ctrl+D", "Ctrl+Z"]) expect(listed).toContain(keys);
    await screenshot(page, "24-shortcuts");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("shortcuts").count()).toBe(0);

    await page.getByRole("button", { name: "Workflow", exact: true }).click();
    await page.getByRole("menuitem", { name: "New", exact: true }).click();
    const discard = page.getByRole("dialog").getByRole("button", { name: "Discard" });
    if (await discard.count()) await discard.click();
    await expect.poll(() => page.getByTestId("empty-hint").textContent()).toBe("Add node (Space) or pick a template");

    // the theme follows the system until the menu picks one, and stays picked after a reload
    const look = () => page.evaluate(() => ({ theme: document.documentElement.dataset.theme ?? null, bg: getComputedStyle(document.body).backgroundColor }));
    const DARK = "rgb(11, 15, 23)";
    const LIGHT = "rgb(248, 250, 252)";
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(look).toEqual({ theme: null, bg: DARK });
    await page.emulateMedia({ colorScheme: "light" });
    await expect.poll(look).toEqual({ theme: null, bg: LIGHT });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.getByRole("button", { name: "Workflow", exact: true }).click();
    await page.getByRole("menuitem", { name: "Theme: as the system" }).click();
    await expect.poll(look).toEqual({ theme: "light", bg: LIGHT });
    await page.reload();
    await page.waitForSelector(".react-flow__node");
    await expect.poll(look).toEqual({ theme: "light", bg: LIGHT });
    await screenshot(page, "25-light-theme");
    await page.getByRole("button", { name: "Workflow", exact: true }).click();
    await page.getByRole("menuitem", { name: "Theme: light" }).click();
    await page.emulateMedia({ colorScheme: "light" });
    await expect.poll(look).toEqual({ theme: "dark", bg: DARK });
    await page.close();
  }, 60_000);
});
