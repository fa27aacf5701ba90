/**
 * Hostile input against the built server over real HTTP: every refusal gets its status code and
 * a one-line message naming the limit, field or setting; nothing a refused request carried is
 * stored or queued; and the server answers normally afterwards. Disk-full and read-only data
 * directories use real tmpfs mounts (root only; skipped otherwise, saying why).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Workflow } from "../../nodes/core/workflow";
import { FIXTURES_DIR, REPO_ROOT } from "../helpers/fixtures";
import { startServer, type TestServer } from "../helpers/server";
import { type Client, clone, createClient, describeApi, makePng, nodesOfType, rawRequest, tinyWorkflow, trpcError } from "./helpers";

const IS_ROOT = process.getuid?.() === 0;

/** A JSON response body, read as the shape the test expects of it. */
function jsonBody<T>(body: string): T {
  return JSON.parse(body) as T;
}

function superjsonBody(json: unknown): string {
  return JSON.stringify({ json });
}

/** A lone surrogate written as a JSON escape: JSON.parse turns it into the string "\ud800". */
const LONE = "\\ud800";

describeApi("hostile input over HTTP", () => {
  let server: TestServer;
  let client: Client;
  let tiny: Workflow;
  let variation: Workflow;

  beforeAll(async () => {
    server = await startServer({ modelsDir: FIXTURES_DIR, env: { UNCLIP_MAX_QUEUED_RUNS: "2" } });
    client = createClient(server.url);
    const templates = (await client.workflows.templates.query()) as Workflow[];
    tiny = tinyWorkflow(templates.find((t) => t.name === "Text to image")!);
    variation = tinyWorkflow(templates.find((t) => t.name === "Image variation")!);
  });

  afterAll(async () => {
    await server?.stop();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  });

  const runCount = async () => (await client.runs.list.query({ limit: 200 })).length;

  describe("work limits", () => {
    it("refuses 64 prompts × 64 images at once (400, on the nodes), queues nothing", async () => {
      const wf = clone(tiny);
      const [tokenizer] = nodesOfType(wf, "unclip.tokenizer");
      tokenizer.params = { ...tokenizer.params, batch: true, prompt: Array.from({ length: 64 }, (_, i) => `a red circle ${i}`).join("\n") };
      const [prior] = nodesOfType(wf, "unclip.prior");
      prior.params = { ...prior.params, numImagesPerPrompt: 64 };
      const before = await runCount();
      const err = await trpcError(client.runs.enqueue.mutate({ workflow: wf }));
      expect(err.data?.httpStatus).toBe(400);
      const problems = (err.data as { validationErrors?: { code: string; nodeId?: string; message: string }[] }).validationErrors!;
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            code: "limit_exceeded",
            nodeId: tokenizer.id,
            message: expect.stringContaining("prompt lines limit exceeded: 64 asked for, the limit is 16 (set UNCLIP_MAX_PROMPT_LINES to raise it)") as unknown,
          }),
          expect.objectContaining({ code: "limit_exceeded", message: expect.stringContaining("(set UNCLIP_MAX_IMAGES_PER_RUN to raise it)") as unknown }),
        ]),
      );
      expect(await runCount()).toBe(before);
      // the editor's validate call shows the same, on the same nodes
      const shown = await client.runs.validate.query({ workflow: wf });
      expect(shown.map((e) => e.code)).toContain("limit_exceeded");
    });

    it("refuses a Load Image naming a file that was never uploaded, at validation", async () => {
      const wf = clone(variation);
      const [load] = nodesOfType(wf, "unclip.load_image");
      load.params = { ...load.params, image: `${"0".repeat(64)}.png` };
      const problems = await client.runs.validate.query({ workflow: wf });
      expect(problems).toEqual([expect.objectContaining({ code: "input_file_not_found", nodeId: load.id, param: "image" })]);
      const before = await runCount();
      expect((await trpcError(client.runs.enqueue.mutate({ workflow: wf }))).data?.httpStatus).toBe(400);
      expect(await runCount()).toBe(before);
    });

    it("names a missing model package without the models directory's absolute path", async () => {
      const wf = clone(tiny);
      nodesOfType(wf, "unclip.load_package")[0].params.package = "not-there";
      const [problem] = await client.runs.validate.query({ workflow: wf });
      expect(problem.message).toContain('no model package "not-there" in the models directory (MODELS_DIR)');
      expect(problem.message).not.toContain(FIXTURES_DIR);
    });

    it("answers a full queue with 429 naming the setting, and stores nothing of the refused run", async () => {
      const slow = clone(tiny);
      for (const n of nodesOfType(slow, "unclip.scheduler")) n.params.numInferenceSteps = 200;
      let refused: Awaited<ReturnType<typeof trpcError>> | undefined;
      const accepted: string[] = [];
      for (let i = 0; i < 5 && !refused; i++) {
        const before = await runCount();
        try {
          accepted.push((await client.runs.enqueue.mutate({ workflow: slow })).runId);
        } catch {
          refused = await trpcError(client.runs.enqueue.mutate({ workflow: slow }));
          expect(await runCount()).toBe(before);
        }
      }
      expect(refused, "the queue never filled").toBeDefined();
      expect(refused!.data?.httpStatus).toBe(429);
      expect(refused!.message).toMatch(
        /^the queue is full: queued runs limit exceeded: 3 asked for, the limit is 2 \(set UNCLIP_MAX_QUEUED_RUNS to raise it\)$/,
      );
      await client.runs.clear.mutate();
      for (const id of accepted) await client.runs.cancel.mutate({ id });
    });
  });

  describe("request limits", () => {
    it("answers a 4 MB body with 413 and stores nothing", async () => {
      const graph = clone(tiny);
      graph.meta = { padding: "x".repeat(4 * 1024 * 1024) };
      const body = superjsonBody({ name: "four megabytes", graph });
      const res = await rawRequest(server.url, {
        path: "/api/trpc/workflows.create",
        method: "POST",
        body,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      });
      expect(res.status).toBe(413);
      expect(jsonBody<{ error: unknown }>(res.body).error).toMatch(
        /^the request body is too large: request body size limit exceeded: \d+ bytes asked for, the limit is 1048576 bytes \(set UNCLIP_MAX_BODY_BYTES to raise it\)$/,
      );
      // streamed without a length: stopped while reading
      const chunks = function* () {
        for (let at = 0; at < body.length; at += 256 * 1024) yield new TextEncoder().encode(body.slice(at, at + 256 * 1024));
      };
      const chunked = await rawRequest(server.url, {
        path: "/api/trpc/workflows.create",
        method: "POST",
        chunks: chunks(),
        headers: { "content-type": "application/json" },
      });
      expect(chunked.status).toBe(413);
      expect((await client.workflows.list.query()).some((w) => w.name === "four megabytes")).toBe(false);
    });

    it("refuses a batch of more tRPC calls than the limit with 400", async () => {
      const calls = Array.from({ length: 40 }, () => "models.list").join(",");
      const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [i, {}]))));
      const res = await rawRequest(server.url, { path: `/api/trpc/${calls}?batch=1&input=${input}` });
      expect(res.status).toBe(400);
      expect(jsonBody<{ error: unknown }>(res.body).error).toContain(
        "calls per batched request limit exceeded: 40 asked for, the limit is 32 (set UNCLIP_MAX_BATCH_CALLS to raise it)",
      );
    });

    it("refuses names and workflows holding a lone surrogate with 400 naming the field, storing nothing", async () => {
      const before = (await client.workflows.list.query()).length;
      const named = await rawRequest(server.url, {
        path: "/api/trpc/workflows.create",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"json":{"name":"bad ${LONE} name","graph":${JSON.stringify(tiny)}}}`,
      });
      expect(named.status).toBe(400);
      expect(jsonBody<{ error: { json: { message: string } } }>(named.body).error.json.message).toBe(
        'field "name" contains a lone UTF-16 surrogate (text that is not valid Unicode), which cannot be stored',
      );
      const titled = clone(tiny);
      titled.nodes[0].title = "PLACEHOLDER";
      const res = await rawRequest(server.url, {
        path: "/api/trpc/workflows.create",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: superjsonBody({ name: "ok", graph: titled }).replace("PLACEHOLDER", `x${LONE}`),
      });
      expect(res.status).toBe(400);
      expect(jsonBody<{ error: { json: { message: string } } }>(res.body).error.json.message).toContain(
        'field "graph.nodes.0.title" contains a lone UTF-16 surrogate',
      );
      expect((await client.workflows.list.query()).length).toBe(before);
    });
  });

  describe("cross-site requests", () => {
    const input = (v: unknown) => encodeURIComponent(JSON.stringify({ json: v }));

    it("refuses a cross-site GET of any API route with 403", async () => {
      const paths = [
        "/api/trpc/models.list",
        "/api/trpc/runs.list",
        `/api/trpc/teach.schedule?input=${input({ workflow: tiny, nodeId: "save" })}`,
        "/api/artifacts/abc",
      ];
      const before = await runCount();
      for (const p of paths) {
        const bySite = await rawRequest(server.url, {
          path: p,
          headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" },
        });
        expect(bySite.status, p).toBe(403);
        expect(jsonBody<{ error: unknown }>(bySite.body).error, p).toMatch(/^refused: a request made by another site/);
        const byOrigin = await rawRequest(server.url, { path: p, headers: { origin: "http://evil.example" } });
        expect(byOrigin.status, p).toBe(403);
      }
      expect(await runCount()).toBe(before);
      // the same GET from the editor itself is served
      expect((await rawRequest(server.url, { path: "/api/trpc/models.list", headers: { "sec-fetch-site": "same-origin" } })).status).toBe(200);
    });

    it("teach.schedule describes a scheduler chain and refuses anything else (no run outside the queue)", async () => {
      const before = await runCount();
      const err = await trpcError(client.teach.schedule.query({ workflow: tiny, nodeId: "save" }));
      expect(err.data?.httpStatus).toBe(400);
      expect(err.message).toBe("node save has no SCHEDULER output to describe");
      const scheduler = nodesOfType(tiny, "unclip.scheduler")[0];
      const schedule = await client.teach.schedule.query({ workflow: tiny, nodeId: scheduler.id });
      expect(schedule.timesteps.length).toBeGreaterThan(0);
      expect(await runCount()).toBe(before);
      expect(await client.runs.gallery.query()).toEqual([]);
    });

    it("serves a page to a cross-site link (navigation) but not to a cross-site embed", async () => {
      expect(
        (await rawRequest(server.url, { path: "/", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" } }))
          .status,
      ).toBe(200);
      expect(
        (await rawRequest(server.url, { path: "/", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "iframe" } }))
          .status,
      ).toBe(403);
    });
  });

  describe("security headers", () => {
    it("are on pages (CSP with a fresh nonce on its scripts), the API and artifacts", async () => {
      const a = await rawRequest(server.url, { path: "/" });
      const b = await rawRequest(server.url, { path: "/" });
      const nonceOf = (csp: unknown) => /'nonce-([^']+)'/.exec(String(csp))?.[1];
      for (const res of [a, b]) {
        expect(res.status).toBe(200);
        expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
        expect(res.headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
        expect(res.body).toContain(`nonce="${nonceOf(res.headers["content-security-policy"])}"`);
      }
      expect(nonceOf(a.headers["content-security-policy"])).not.toBe(nonceOf(b.headers["content-security-policy"]));
      for (const p of ["/", "/gallery", "/api/trpc/models.list", "/api/artifacts/nope", "/icon.svg"]) {
        const res = await rawRequest(server.url, { path: p });
        expect(res.headers["x-content-type-options"], p).toBe("nosniff");
        expect(res.headers["referrer-policy"], p).toBe("same-origin");
        expect(res.headers["content-security-policy"], p).toContain("frame-ancestors 'none'");
        expect(res.headers["x-powered-by"], p).toBeUndefined();
      }
    });

    it("artifacts carry their exact content type and a Content-Disposition", async () => {
      const png = await makePng();
      const up = await fetch(`${server.url}/api/uploads`, { method: "POST", body: png, headers: { "x-file-name": "red.png" } });
      expect(up.status).toBe(200);
      const wf = clone(variation);
      nodesOfType(wf, "unclip.load_image")[0].params.image = ((await up.json()) as { name: string }).name;
      const { runId } = await client.runs.enqueue.mutate({ workflow: wf });
      let artifacts: { id: string; kind: string }[] = [];
      for (let i = 0; i < 600 && artifacts.length === 0; i++) {
        const run = await client.runs.get.query({ id: runId });
        if (run.status === "failed") throw new Error(`run failed: ${JSON.stringify(run.error)}`);
        artifacts = run.status === "finished" ? run.artifacts.filter((x) => x.kind === "image") : [];
        if (!artifacts.length) await new Promise((r) => setTimeout(r, 100));
      }
      const res = await fetch(`${server.url}/api/artifacts/${artifacts[0].id}`);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="[A-Za-z0-9_-]+\.png"$/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    });
  });

  it("still answers normally after all of the above", async () => {
    expect((await client.models.list.query()).length).toBeGreaterThan(0);
    expect(await client.runs.validate.query({ workflow: tiny })).toEqual([]);
  });
});

describeApi("data directory problems", () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts.reverse()) spawnSync("umount", ["-l", m]);
  });

  /** A tmpfs of `size` at a fresh temp folder (null when this process may not mount). */
  function tmpfs(size: string): string | null {
    if (!IS_ROOT) return null;
    const dir = mkdtempSync(path.join(os.tmpdir(), "unclip-tmpfs-"));
    if (spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]).status !== 0) return null;
    mounts.push(dir);
    return dir;
  }

  /** Start `next start` expecting it to refuse: its exit code and everything it printed. */
  function startExpectingExit(dataDir: string): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", "0"], {
        cwd: REPO_ROOT,
        env: { ...process.env, DATA_DIR: dataDir, MODELS_DIR: FIXTURES_DIR, DATABASE_URL: "", NODE_ENV: "production" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the server did not refuse to start within 60 s:\n${output}`));
      }, 60_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  it("refuses to start with one line when DATA_DIR cannot be written (a path through a file)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "unclip-notdir-"));
    writeFileSync(path.join(dir, "file"), "x");
    const dataDir = path.join(dir, "file", "data");
    const { code, output } = await startExpectingExit(dataDir);
    expect(code).toBe(1);
    const lines = output.split("\n").filter((l) => l.includes("cannot start"));
    expect(lines).toEqual([
      `unCLIP Studio cannot start: the data directory ${dataDir} (DATA_DIR) is not writable: a part of the path is a file, not a directory (ENOTDIR)`,
    ]);
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it("refuses to start with one line on a read-only file system", async (ctx) => {
    const dir = tmpfs("1m");
    if (!dir) return ctx.skip("needs root to mount a tmpfs");
    spawnSync("mount", ["-o", "remount,ro", dir]);
    const { code, output } = await startExpectingExit(dir);
    expect(code).toBe(1);
    expect(output).toContain(`unCLIP Studio cannot start: the data directory ${dir} (DATA_DIR) is not writable: it is on a read-only file system (EROFS)`);
  }, 90_000);

  it("answers a full disk with 507, leaves no temporary file, and works again once there is room", async (ctx) => {
    const dir = tmpfs("16m");
    if (!dir) return ctx.skip("needs root to mount a tmpfs");
    const server = await startServer({ modelsDir: FIXTURES_DIR, dataDir: dir });
    try {
      // an incompressible image (random pixels) larger than the room left
      const noise = Buffer.from(Array.from({ length: 512 * 512 * 3 }, () => Math.floor(Math.random() * 256)));
      const png = new Uint8Array(
        await sharp(noise, { raw: { width: 512, height: 512, channels: 3 } })
          .png()
          .toBuffer(),
      );
      mkdirSync(path.join(dir, "uploads"), { recursive: true });
      const filler = path.join(dir, "filler");
      // fill all but ≈64 kB
      spawnSync("sh", ["-c", `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null; truncate -s -64k ${filler}`]);
      const full = await fetch(`${server.url}/api/uploads`, { method: "POST", body: png, headers: { "x-file-name": "noise.png" } });
      expect(full.status).toBe(507);
      expect(((await full.json()) as { error: string }).error).toBe(
        "the disk holding the data directory (DATA_DIR) is full: nothing was stored; free some space and try again",
      );
      expect(readdirSync(path.join(dir, "uploads"))).toEqual([]);
      rmSync(filler);
      const ok = await fetch(`${server.url}/api/uploads`, { method: "POST", body: png, headers: { "x-file-name": "noise.png" } });
      expect(ok.status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
