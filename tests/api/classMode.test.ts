/**
 * Class mode over HTTP against the built app (UNCLIP_AUTH=on): accounts made with
 * `unclip users add … --password-stdin`, sign-in through Better Auth's endpoint, and the status
 * codes every kind of route answers to the signed-out, the owner, another student and the teacher —
 * pages, tRPC (queries, mutations, the SSE stream), uploads, artifacts, the health check.
 * tests/auth/ownership.test.ts covers every tRPC procedure; this file checks the HTTP layer.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Workflow } from "../../nodes/core/workflow";
import { FIXTURES_DIR, REPO_ROOT } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { describeApi, makePng, tinyWorkflow, until } from "./helpers";

const PASSWORDS = { ann: "ann-password-1", bob: "bob-password-1", tess: "tess-password-1" } as const;
type Person = keyof typeof PASSWORDS;

function addUserWithCli(dataDir: string, name: Person, role: "teacher" | "student"): void {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "bin/unclip.ts"), "users", "add", name, "--role", role, "--password-stdin"], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
    input: `${PASSWORDS[name]}\n`,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`unclip users add ${name} failed (${r.status}): ${r.stderr}`);
  expect(r.stdout).toBe(`added ${name} (${role})\n`);
}

describeApi("class mode over HTTP", () => {
  let server: TestServer;
  const cookies: Partial<Record<Person, string>> = {};
  let textToImage: Workflow;

  async function request(who: Person | null, pathName: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (who) headers.set("cookie", cookies[who]!);
    return fetch(server.url + pathName, { ...init, headers, redirect: "manual" });
  }
  const query = (who: Person | null, proc: string, input?: unknown) =>
    request(who, `/api/trpc/${proc}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`);
  const mutate = (who: Person | null, proc: string, input?: unknown) =>
    request(who, `/api/trpc/${proc}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: input ?? null }) });
  async function data<T>(res: Promise<Response>): Promise<T> {
    const r = await res;
    const body = (await r.json()) as { result?: { data?: { json?: T } } };
    if (!r.ok) throw new Error(`HTTP ${r.status}: ${JSON.stringify(body)}`);
    return body.result!.data!.json!;
  }

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "unclip-class-"));
    addUserWithCli(dataDir, "tess", "teacher");
    addUserWithCli(dataDir, "ann", "student");
    addUserWithCli(dataDir, "bob", "student");
    server = await startServer({ modelsDir: FIXTURES_DIR, dataDir, env: { UNCLIP_AUTH: "on" } });
    for (const who of Object.keys(PASSWORDS) as Person[]) {
      const res = await fetch(`${server.url}/api/auth/sign-in/username`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: who, password: PASSWORDS[who] }),
      });
      expect(res.status, `sign-in of ${who}`).toBe(200);
      cookies[who] = res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
    }
    textToImage = (await data<Workflow[]>(query("ann", "workflows.templates")))[0];
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("serves nothing but /login, sign-in and the health check before sign-in", async () => {
    const home = await request(null, "/");
    expect(home.status).toBe(307);
    expect(home.headers.get("location")).toMatch(/\/login$/);
    expect((await request(null, "/gallery")).headers.get("location")).toMatch(/\/login\?next=%2Fgallery$/);
    const login = await request(null, "/login");
    expect(login.status).toBe(200);
    const html = await login.text();
    for (const label of ["Username", "Password", "Sign in"]) expect(html).toContain(label);
    expect((await request(null, "/api/health")).status).toBe(200);
    expect((await query(null, "account.me")).status).toBe(200);
    expect((await query(null, "workflows.list")).status).toBe(401);
    expect((await query(null, "account.me,workflows.list")).status).toBe(401); // a batch with anything else
    expect((await mutate(null, "runs.clear")).status).toBe(401);
    expect((await request(null, "/api/trpc/runs.events", { headers: { accept: "text/event-stream" } })).status).toBe(401);
    expect((await request(null, `/api/artifacts/${"0".repeat(32)}`)).status).toBe(401);
    const png = await makePng();
    expect((await request(null, "/api/uploads", { method: "POST", headers: { "content-type": "image/png" }, body: png })).status).toBe(401);
    // signed in, the same upload is accepted
    expect((await request("ann", "/api/uploads", { method: "POST", headers: { "content-type": "image/png" }, body: png })).status).toBe(200);
    expect((await request("ann", "/")).status).toBe(200);
  });

  it("keeps a student's workflow, run and image from another student (404), not from the teacher", async () => {
    const me = await data<{ user: { name: string; role: string } }>(query("ann", "account.me"));
    expect(me.user).toMatchObject({ name: "ann", role: "student" });
    const wf = await data<{ id: string }>(mutate("ann", "workflows.create", { name: "ann's", graph: tinyWorkflow(textToImage) }));
    const { runId } = await data<{ runId: string }>(mutate("ann", "runs.enqueue", { workflow: tinyWorkflow(textToImage), workflowId: wf.id }));
    await until(async () => (await data<{ status: string }>(query("ann", "runs.get", { id: runId }))).status === "finished", "ann's run to finish", 120_000);
    const run = await data<{ artifacts: { id: string; kind: string }[] }>(query("ann", "runs.get", { id: runId }));
    const image = run.artifacts.find((a) => a.kind === "image")!;

    const statuses = async (who: Person) => ({
      open: (await query(who, "workflows.get", { id: wf.id })).status,
      export: (await query(who, "workflows.export", { id: wf.id })).status,
      run: (await query(who, "runs.get", { id: runId })).status,
      traces: (await query(who, "teach.traces", { runId })).status,
      image: (await request(who, `/api/artifacts/${image.id}`)).status,
    });
    expect(await statuses("bob")).toEqual({ open: 404, export: 404, run: 404, traces: 404, image: 404 });
    expect(await statuses("tess")).toEqual({ open: 200, export: 200, run: 200, traces: 200, image: 200 });
    expect(await statuses("ann")).toEqual({ open: 200, export: 200, run: 200, traces: 200, image: 200 });
    const ids = async (who: Person) => (await data<{ id: string }[]>(query(who, "workflows.list"))).map((w) => w.id);
    expect(await ids("bob")).not.toContain(wf.id);
    expect(await ids("tess")).toContain(wf.id);
    expect((await mutate("bob", "workflows.rename", { id: wf.id, name: "mine now" })).status).toBe(404);
    expect((await mutate("bob", "workflows.delete", { id: wf.id })).status).toBe(404);
    expect((await mutate("bob", "runs.cancel", { id: runId })).status).toBe(404);
    expect((await mutate("bob", "runs.clear")).status).toBe(403);
    expect((await mutate("bob", "models.unload")).status).toBe(403);
    expect((await mutate("bob", "cache.clear")).status).toBe(403);
    expect((await query("bob", "runs.workers")).status).toBe(403);
    expect((await mutate("tess", "runs.clear")).status).toBe(200);
    expect((await query("ann", "workflows.get", { id: wf.id })).status).toBe(200); // still there
  });

  it("keeps lesson progress per user; an unknown lesson is a 400 naming it", async () => {
    const lessonId = "decoder-from-noise";
    expect((await mutate("ann", "lessons.saveProgress", { lessonId, step: 2, furthest: 2, done: false, answers: { 1: 0 } })).status).toBe(200);
    const of = async (who: Person) => (await data<Record<string, { step: number }>>(query(who, "lessons.progress")))[lessonId];
    expect(await of("ann")).toMatchObject({ step: 2, furthest: 2, done: false, answers: { 1: 0 } });
    expect(await of("bob")).toBeUndefined();
    expect(await of("tess")).toBeUndefined();
    const bad = await mutate("ann", "lessons.saveProgress", { lessonId: "../etc", step: 0, furthest: 0, done: false, answers: {} });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { json: { data: { zodIssues: { path: string; message: string }[] } } } };
    expect(body.error.json.data.zodIssues[0]).toMatchObject({
      path: "lessonId",
      message: expect.stringMatching(/^unknown lesson "\.\.\/etc" \(the lessons are /) as string,
    });
    expect((await query(null, "lessons.progress")).status).toBe(401);
  });

  it("refuses to start with UNCLIP_AUTH=off on a network HOST, saying why in one line", async () => {
    const err = await startServer({ modelsDir: FIXTURES_DIR, env: { HOST: "0.0.0.0", UNCLIP_AUTH: "off" } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/server exited with 1/);
    expect(err?.message).toContain(
      "unclip: environment variable UNCLIP_AUTH=off is refused with HOST=0.0.0.0: anyone on the network could use and delete everything; use HOST=127.0.0.1 or drop UNCLIP_AUTH",
    );
  });

  it("a signed-out session (sign-out) is refused again", async () => {
    const res = await fetch(`${server.url}/api/auth/sign-in/username`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "bob", password: PASSWORDS.bob }),
    });
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    expect((await fetch(`${server.url}/api/trpc/workflows.list`, { headers: { cookie } })).status).toBe(200);
    const out = await fetch(`${server.url}/api/auth/sign-out`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: "{}" });
    expect(out.status).toBe(200);
    expect((await fetch(`${server.url}/api/trpc/workflows.list`, { headers: { cookie } })).status).toBe(401);
  });
});
