/**
 * `npm run bench:workers`: throughput of the queue in Redis with 1, 2 and 4 `unclip worker`
 * processes. Each round starts its workers, warms them up (one run each: the package loads), then
 * enqueues N runs of the tiny package at once and measures until the last one is recorded
 * finished. Reports runs per minute per worker count (`--json` adds one JSON line last).
 *
 * Uses REDIS_URL and a PostgreSQL DATABASE_URL when both are set; otherwise starts a throwaway
 * redis-server and PostgreSQL (Debian packages) in temp directories. This process plays the web
 * server. Workers here share the machine's CPU cores; the intended deployment is one worker per
 * GPU, where runs per minute grow with the number of GPUs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { closeDb } from "../server/db/client";
import { getRun } from "../server/db/runs";
import { resetEnv } from "../server/env";
import { templateByName } from "../nodes/core/templates";
import { parseWorkflow, type Workflow } from "../nodes/core/workflow";
import { createServices } from "../server/services";
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from "./lib/localServices";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "16" },
    workers: { type: "string", default: "1,2,4" },
    steps: { type: "string", default: "2" },
    models: { type: "string" },
    json: { type: "boolean" },
  },
});
const root = path.resolve(import.meta.dirname, "..");
const modelsDir = path.resolve(values.models ?? path.join(root, "../shared/fixtures"));
if (!existsSync(path.join(modelsDir, "unclip-tiny"))) {
  console.error(`bench:workers: no unclip-tiny package in ${modelsDir} (pass --models DIR)`);
  process.exit(2);
}
const runs = Number(values.runs);
const counts = values.workers.split(",").map(Number);
const steps = Number(values.steps);

function workflow(seed: number): Workflow {
  const wf = parseWorkflow(JSON.parse(JSON.stringify(templateByName("Text to image"))));
  for (const n of wf.nodes) {
    if (n.params.package !== undefined) n.params.package = "unclip-tiny";
    if (n.params.numInferenceSteps !== undefined) n.params.numInferenceSteps = steps;
    if (n.params.seed !== undefined) n.params.seed = seed;
    if (n.params.prompt !== undefined) n.params.prompt = "a red circle";
  }
  return wf;
}

function startWorker(id: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "bin/unclip.ts"), "worker", "--id", id, "--device", "cpu"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (/ready: device/.test(out)) resolve(child);
    });
    child.stderr.on("data", (d) => (out += d));
    child.once("exit", (code) => reject(new Error(`worker ${id} exited (${code}):\n${out}`)));
  });
}

async function waitFinished(ids: string[]): Promise<void> {
  for (;;) {
    const states = await Promise.all(ids.map(async (id) => (await getRun(id)).status));
    const bad = states.find((s) => s === "failed" || s === "cancelled" || s === "interrupted");
    if (bad) throw new Error(`a run ended ${bad}`);
    if (states.every((s) => s === "finished")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

let redis: TestRedis | null = null;
let postgres: TestPostgres | null = null;
const dataDir = mkdtempSync(path.join(os.tmpdir(), "unclip-bench-workers-"));
const results: { workers: number; runs: number; seconds: number; runsPerMinute: number }[] = [];
try {
  let redisUrl = process.env.REDIS_URL;
  let databaseUrl = process.env.DATABASE_URL;
  if (!redisUrl || !databaseUrl?.startsWith("postgres")) {
    redis = await startRedis();
    postgres = await startPostgres();
    redisUrl = redis.url;
    databaseUrl = await postgres.createDatabase("bench");
  }
  const env = { ...process.env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, MODELS_DIR: modelsDir, UNCLIP_DEVICE: "cpu" };
  Object.assign(process.env, env);
  resetEnv();
  const web = createServices();
  await web.queue.start();
  let seed = 0;
  for (const count of counts) {
    const workers = await Promise.all(Array.from({ length: count }, (_, i) => startWorker(`bench-${count}-${i + 1}`, env)));
    try {
      const warm = [];
      for (let i = 0; i < count; i++) warm.push((await web.queue.enqueue(workflow(++seed))).runId);
      await waitFinished(warm);
      const started = performance.now();
      const ids = [];
      for (let i = 0; i < runs; i++) ids.push((await web.queue.enqueue(workflow(++seed))).runId);
      await waitFinished(ids);
      const seconds = (performance.now() - started) / 1000;
      results.push({ workers: count, runs, seconds: Math.round(seconds * 10) / 10, runsPerMinute: Math.round((runs / seconds) * 60 * 10) / 10 });
      if (!values.json)
        console.log(`${count} worker${count > 1 ? "s" : " "}: ${runs} runs in ${seconds.toFixed(1)} s = ${((runs / seconds) * 60).toFixed(1)} runs/min`);
    } finally {
      for (const w of workers) {
        const exited = new Promise((r) => w.once("exit", r));
        w.kill("SIGTERM");
        await exited;
      }
    }
  }
  await web.queue.stop();
  await closeDb();
  const note = `${os.cpus().length} CPU cores shared by every worker here (CPU execution, unclip-tiny, ${steps} steps per stage): more workers than free cores cannot add throughput. The intended deployment is one worker per GPU (UNCLIP_DEVICE=cuda), each with its own sessions.`;
  if (values.json) console.log(JSON.stringify({ results, note }));
  else console.log(note);
} finally {
  await redis?.stop();
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
