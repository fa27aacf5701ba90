/**
 * The editor under its Content-Security-Policy in Chromium: it loads, runs a workflow, shows the
 * image and opens the gallery with zero CSP violations (a `securitypolicyviolation` listener
 * installed before any page script, plus Chromium's own "Refused to …" console errors), and it
 * cannot be framed by another page.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSkipReason, node, openEditor, screenshot, useTinyModel, useAppAndBrowser } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

/** Collects every CSP violation the page reports, from before its first script runs. */
function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const fromConsole: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(m.text())) fromConsole.push(m.text());
  });
  return Promise.resolve(async () => {
    const fromEvents = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
    return [...fromEvents, ...fromConsole];
  });
}

suite(`the editor under its CSP${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  const env = useAppAndBrowser();

  it("loads, runs and shows the gallery with zero CSP violations", async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`),
      );
    });
    const page = await context.newPage();
    const seen = await watchCsp(page);
    const response = await page.goto(env.server.url);
    expect(response!.headers()["content-security-policy"]).toContain("'strict-dynamic'");
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await useTinyModel(page);
    await page.getByRole("button", { name: "Run" }).click();
    await node(page, "save").locator("img[data-output-image]").first().waitFor({ timeout: 150_000 });
    await screenshot(page, "csp-editor-after-run");
    expect(await seen()).toEqual([]);

    await page.goto(`${env.server.url}/gallery`);
    await page.locator("img[data-gallery-image]").first().waitFor({ timeout: 30_000 });
    expect(await seen()).toEqual([]);
    await context.close();
  }, 240_000);

  it("cannot be framed by another page (frame-ancestors 'none')", async () => {
    const page = await openEditor(env.browser, env.server.url);
    const blocked: string[] = [];
    page.on("console", (m) => /frame-ancestors|Refused to display/i.test(m.text()) && blocked.push(m.text()));
    // an opaque-origin document (about:blank with content) framing the editor
    await page.setContent(`<iframe id="f" src="${env.server.url}/" width="400" height="300"></iframe>`);
    await expect.poll(() => blocked.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const framed = page.frames().find((f) => f.url().startsWith(env.server.url));
    // the frame never renders the editor
    expect(framed ? await framed.locator(".react-flow__node").count() : 0).toBe(0);
    await page.close();
  }, 120_000);
});
