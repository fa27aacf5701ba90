/**
 * Browser helpers for the end-to-end tests: Debian's Chromium through playwright-core, a server
 * built from this checkout, and screenshots kept under test-results/screenshots.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { FIXTURES_DIR, HAVE_FIXTURES, REPO_ROOT } from "../helpers/fixtures";
import { appIsBuilt, startServer, type TestServer } from "../helpers/server";

export const CHROMIUM = process.env.UNCLIP_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = path.join(REPO_ROOT, "test-results", "screenshots");

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
  if (!HAVE_FIXTURES) return "reference fixtures (../shared/fixtures, with unclip-tiny) not found";
  if (!appIsBuilt()) return "the app is not built (npx next build)";
  return null;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

export const node = (page: Page, id: string): Locator => page.locator(`[data-testid="node-${id}"]`);

export function handle(page: Page, nodeId: string, kind: "source" | "target", port: string): Locator {
  return node(page, nodeId).locator(`.react-flow__handle.${kind}[data-handleid="${port}"]`);
}

export async function centre(l: Locator): Promise<{ x: number; y: number }> {
  const b = await l.boundingBox();
  if (!b) throw new Error("element is not visible");
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Press and drag the mouse from one point to another in small steps (React Flow needs the moves). */
export async function dragBetween(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
  beforeRelease?: () => Promise<void>,
): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 10, from.y + 10, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  if (beforeRelease) await beforeRelease();
  await page.mouse.up();
}

/** Open the app on a fresh page and wait until the first workflow is on the canvas. */
export async function openEditor(browser: Browser, url: string, pathName = "/"): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("dialog", (d) => void d.accept());
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(url + pathName);
  try {
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
  } catch (err) {
    await screenshot(page, "failed-to-open");
    throw new Error(`the editor did not show a graph: ${(err as Error).message}\nbrowser errors: ${problems.join("\n") || "none"}`, { cause: err });
  }
  return page;
}

/** Pick the tiny model package and 2 steps in every scheduler (a run takes a few seconds). */
export async function useTinyModel(page: Page): Promise<void> {
  await page.locator('[data-param="package"] select').first().selectOption("unclip-tiny");
  for (const input of await page.locator('[data-param="numInferenceSteps"] input').all()) await input.fill("2");
}

export async function clickFitView(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Fit view", exact: true }).click();
  await page.waitForTimeout(400);
}

/**
 * The app on the shared fixtures and one Chromium, started before a suite's tests and stopped
 * after them. Read `env.server` / `env.browser` inside the tests (they are set by `beforeAll`).
 */
export function useAppAndBrowser(): { readonly server: TestServer; readonly browser: Browser } {
  const env = {} as { server: TestServer; browser: Browser };
  beforeAll(async () => {
    env.server = await startServer({ modelsDir: FIXTURES_DIR });
    env.browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
