/**
 * Class mode in Chromium: two students and a teacher, each in their own browser context (their
 * own cookies), sign in through the /login form. One student's workflow and run are invisible to
 * the other (list, open, delete, cancel, the live event stream) and visible to the teacher;
 * sharing makes the workflow visible read-only; signing out from the menu ends the session.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES_DIR, REPO_ROOT } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { tinyWorkflow } from "../api/helpers";
import type { Workflow } from "../../nodes/core/workflow";
import { browserSkipReason, launchBrowser, screenshot } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

const PEOPLE = { ann: ["student", "ann-password-1"], bob: ["student", "bob-password-1"], tess: ["teacher", "tess-password-1"] } as const;
type Person = keyof typeof PEOPLE;

/** A tRPC call from inside the page (its cookies): the HTTP status and the data. */
async function api(page: Page, kind: "query" | "mutation", proc: string, input?: unknown): Promise<{ status: number; data: unknown }> {
  return page.evaluate(
    async ({ kind, proc, input }) => {
      const url =
        kind === "query"
          ? `/api/trpc/${proc}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`
          : `/api/trpc/${proc}`;
      const res = await fetch(
        url,
        kind === "query" ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: input ?? null }) },
      );
      const body = (await res.json().catch(() => null)) as { result?: { data?: { json?: unknown } } } | null;
      return { status: res.status, data: body?.result?.data?.json };
    },
    { kind, proc, input },
  );
}

suite(`class mode in Chromium: two students and a teacher${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages = {} as Record<Person, Page>;

  async function signIn(who: Person): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/login/);
    await page.getByLabel("Username").fill(who);
    await page.getByLabel("Password").fill(PEOPLE[who][1]);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    return page;
  }

  /** The names in Workflow → Open… on a freshly loaded editor (no list cached from before). */
  async function openDialogNames(page: Page): Promise<string[]> {
    await page.reload();
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await page.getByRole("button", { name: "Workflow", exact: true }).click();
    await page.getByRole("menuitem", { name: "Open…" }).click();
    const dialog = page.getByRole("dialog", { name: "Open workflow" });
    await dialog.getByTestId("workflow-list").locator("li").first().or(dialog.getByText("No saved workflows yet")).waitFor({ timeout: 10_000 });
    const names = await dialog.getByTestId("workflow-list").locator("li span.block").allTextContents();
    await page.keyboard.press("Escape");
    return names;
  }

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "unclip-classroom-"));
    for (const [who, [role, password]] of Object.entries(PEOPLE)) {
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", path.join(REPO_ROOT, "bin/unclip.ts"), "users", "add", who, "--role", role, "--password-stdin"],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
          input: `${password}\n`,
          encoding: "utf8",
        },
      );
      if (r.status !== 0) throw new Error(`unclip users add ${who}: ${r.stderr}`);
    }
    server = await startServer({ modelsDir: FIXTURES_DIR, dataDir, env: { UNCLIP_AUTH: "on" } });
    browser = await launchBrowser();
    for (const who of Object.keys(PEOPLE) as Person[]) pages[who] = await signIn(who);
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it("shows the signed-in name in the toolbar", async () => {
    await expect(pages.ann.getByRole("button", { name: "ann (student)" }).count()).resolves.toBe(1);
    await expect(pages.tess.getByRole("button", { name: "tess (teacher)" }).count()).resolves.toBe(1);
    await screenshot(pages.ann, "classroom-signed-in");
  });

  it("keeps ann's workflow and run from bob, shows them to the teacher, and shares read-only", async () => {
    const template = ((await api(pages.ann, "query", "workflows.templates")).data as Workflow[])[0];
    const created = await api(pages.ann, "mutation", "workflows.create", { name: "ann's secret workflow", graph: tinyWorkflow(template) });
    expect(created.status).toBe(200);
    const wfId = (created.data as { id: string }).id;

    // bob listens to the live stream in another tab of his; ann's runs must never reach it
    const bobWatch = await pages.bob.context().newPage();
    await bobWatch.goto(`${server.url}/login`);
    await bobWatch.evaluate(() => {
      const w = window as unknown as { __seen: string[] };
      w.__seen = [];
      const es = new EventSource("/api/trpc/runs.events");
      es.onmessage = (m) => w.__seen.push(String(m.data));
    });
    const blocker = await api(pages.ann, "mutation", "runs.enqueue", { workflow: tinyWorkflow(template), workflowId: wfId });
    const queued = await api(pages.ann, "mutation", "runs.enqueue", { workflow: tinyWorkflow(template), workflowId: wfId });
    expect([blocker.status, queued.status]).toEqual([200, 200]);
    const runId = (queued.data as { runId: string }).runId;

    expect(await openDialogNames(pages.ann)).toContain("ann's secret workflow");
    expect(await openDialogNames(pages.bob)).not.toContain("ann's secret workflow");
    expect(await openDialogNames(pages.tess)).toContain("ann's secret workflow");

    expect((await api(pages.bob, "query", "workflows.get", { id: wfId })).status).toBe(404);
    expect((await api(pages.bob, "mutation", "workflows.delete", { id: wfId })).status).toBe(404);
    expect((await api(pages.bob, "mutation", "runs.cancel", { id: runId })).status).toBe(404);
    expect((await api(pages.bob, "query", "runs.get", { id: runId })).status).toBe(404);
    expect((await api(pages.bob, "mutation", "runs.clear")).status).toBe(403);
    expect((await api(pages.tess, "query", "workflows.get", { id: wfId })).status).toBe(200);
    expect((await api(pages.tess, "query", "runs.get", { id: runId })).status).toBe(200);

    // the runs finish; bob's stream saw none of their events
    const status = async () => ((await api(pages.ann, "query", "runs.get", { id: runId })).data as { status: string }).status;
    for (let i = 0; i < 240 && (await status()) !== "finished"; i++) await pages.ann.waitForTimeout(500);
    expect(await status()).toBe("finished");
    const bobSaw = await bobWatch.evaluate(() => (window as unknown as { __seen: string[] }).__seen.join("\n"));
    expect(bobSaw).toContain("snapshot"); // the stream was open
    expect(bobSaw).not.toContain(runId);
    await bobWatch.close();

    // shared: bob may open it (and duplicate it to his own), not change it
    expect((await api(pages.ann, "mutation", "workflows.share", { id: wfId, shared: true })).status).toBe(200);
    expect(await openDialogNames(pages.bob)).toContain("ann's secret workflow");
    expect((await api(pages.bob, "query", "workflows.get", { id: wfId })).status).toBe(200);
    expect((await api(pages.bob, "mutation", "workflows.update", { id: wfId, graph: tinyWorkflow(template) })).status).toBe(404);
    const copy = await api(pages.bob, "mutation", "workflows.duplicate", { id: wfId, name: "bob's copy" });
    expect(copy.status).toBe(200);
    expect(await openDialogNames(pages.bob)).toContain("bob's copy");
    expect(await openDialogNames(pages.ann)).not.toContain("bob's copy");
    await screenshot(pages.bob, "classroom-shared");

    // the gallery: bob has no images of his own; "Shared with the class" shows ann's
    await pages.bob.goto(`${server.url}/gallery`);
    await pages.bob.getByText("No saved images yet").waitFor({ timeout: 20_000 });
    await pages.bob.getByLabel("Shared with the class").check();
    await pages.bob.locator("[data-gallery-image]").first().waitFor({ timeout: 20_000 });
    await screenshot(pages.bob, "classroom-shared-gallery");
  });

  it("the Class page: the teacher adds students in bulk, and a new student signs in with the printed password", async () => {
    const page = pages.tess;
    await page.getByRole("button", { name: "tess (teacher)" }).click();
    await page.getByRole("menuitem", { name: "Class…" }).click();
    await page.waitForURL(/\/class$/);
    await page.getByLabel(/Usernames, one per line/).fill("dan\neve");
    await page.getByRole("button", { name: "Add students" }).click();
    const sheet = page.getByRole("table", { name: "One-time passwords" });
    await sheet.locator("tr").nth(1).waitFor({ timeout: 20_000 });
    const rows = await sheet.locator("tr").allTextContents();
    expect(rows.map((r) => r.slice(0, 3))).toEqual(["dan", "eve"]);
    const password = rows[0].slice(3);
    expect(password).toMatch(/^[a-z2-9]{12}$/);
    await page.locator('[data-user="eve"]').waitFor();
    await screenshot(page, "classroom-class-page");
    // a student gets 403 from the Class page's calls
    expect((await api(pages.ann, "query", "account.users")).status).toBe(403);

    const dan = await (await browser.newContext()).newPage();
    contexts.push(dan.context());
    await dan.goto(`${server.url}/login`);
    await dan.getByLabel("Username").fill("dan");
    await dan.getByLabel("Password").fill(password);
    await dan.getByRole("button", { name: "Sign in" }).click();
    await dan.getByRole("button", { name: "dan (student)" }).waitFor({ timeout: 60_000 });
  });

  it("signs out from the menu: back at /login, and the session no longer works", async () => {
    const page = pages.bob;
    await page.goto(`${server.url}/`);
    await page.waitForSelector(".react-flow__node", { timeout: 60_000 });
    await page.getByRole("button", { name: "bob (student)" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    expect((await api(page, "query", "workflows.list")).status).toBe(401);
    await page.goto(`${server.url}/gallery`);
    await page.waitForURL(/\/login\?next=%2Fgallery/);
  });
});
