/**
 * `npm run bench:limits` (also the last part of `npm run bench`): what the largest run the limits
 * allow costs the server that runs it. The web server's own services (queue, database in a temp
 * DATA_DIR, executor) run in this process; the "Text to image" template on unclip-small with
 * UNCLIP_MAX_IMAGES_PER_RUN images (default 16) and the default 25/25/7 steps goes through the
 * queue while an API call (`runs.pending` through the tRPC router, the editor's polling call)
 * is made every 50 ms. Prints the API latency p50/p95/max during the run, then cancels it and
 * prints how long the cancel took to land (and at which step), the mean time of a sampler step
 * meanwhile (so that moving work off the main thread is seen not to slow the run) and the
 * process's peak RSS. Runs execute on the executor thread unless UNCLIP_EXECUTOR_THREAD=0.
 * `--full` lets the run finish before cancelling a second one; `--json` adds one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { templateByName } from "../nodes/core/templates";
import { appRouter } from "../server/api/root";
import { closeDb, getDb } from "../server/db/client";
import { resetEnv } from "../server/env";
import type { RunEvent } from "../nodes/core/runEvents";
import { parseWorkflow } from "../nodes/core/workflow";
import { createServices } from "../server/services";
import { personalContext } from "../server/api/trpc";

const { values } = parseArgs({
  options: {
    json: { type: "boolean" },
    full: { type: "boolean" },
    window: { type: "string", default: "30" },
    model: { type: "string", default: "unclip-small" },
    runs: { type: "string" },
    device: { type: "string" },
    prompt: { type: "string" },
  },
});
const fixtures = path.resolve(import.meta.dirname, "../../shared/fixtures");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "unclip-bench-limits-"));
Object.assign(process.env, { DATA_DIR: dataDir, MODELS_DIR: process.env.MODELS_DIR ?? fixtures, DATABASE_URL: "" });
resetEnv();
const services = createServices();
await getDb();
await services.queue.start();
const caller = appRouter.createCaller(personalContext(services));
const images = services.env.limits.maxImagesPerRun;

const wf = parseWorkflow(JSON.parse(JSON.stringify(templateByName("Text to image"))));
for (const n of wf.nodes) {
  if (n.type === "unclip.load_package") n.params.package = values.model;
  if (n.type === "unclip.prior") n.params.numImagesPerPrompt = images;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/**
 * Calls runs.pending every 50 ms until stop() and records each call's latency as a client would
 * see it: from when the call was due (its request arriving) to its answer, so time the event loop
 * was held by other work counts, not just the call's own work.
 */
function probeApi() {
  const latencies: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const due = performance.now() + 50;
      await new Promise((r) => setTimeout(r, 50));
      await caller.runs.pending();
      latencies.push(performance.now() - due);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return latencies;
  };
}

const events: RunEvent[] = [];
/** When each step of the measured run was reported. */
const stepTimes: number[] = [];
let measuring: string | null = null;
services.hub.emitter.on("event", (e: RunEvent) => {
  events.push(e);
  if (e.type === "node.progress" && e.runId === measuring) stepTimes.push(performance.now());
});
const waitFor = (pred: (e: RunEvent) => boolean) =>
  new Promise<RunEvent>((resolve) => {
    const seen = events.find(pred);
    if (seen) return resolve(seen);
    const on = (e: RunEvent) => {
      if (pred(e)) {
        services.hub.emitter.off("event", on);
        resolve(e);
      }
    };
    services.hub.emitter.on("event", on);
  });
const ended = (runId: string) => (e: RunEvent) => "runId" in e && e.runId === runId && ["run.finished", "run.failed", "run.cancelled"].includes(e.type);

let fullRunMs: number | undefined;
if (values.full) {
  const t = performance.now();
  const { runId } = await caller.runs.enqueue({ workflow: wf });
  const end = await waitFor(ended(runId));
  fullRunMs = performance.now() - t;
  if (!values.json) console.log(`full run of ${images} images: ${end.type} in ${(fullRunMs / 1000).toFixed(1)} s`);
}

// a run to measure during, then to cancel (a fresh seed so nothing comes from the cache)
for (const n of wf.nodes) if (n.type === "unclip.seed") n.params = { ...n.params, seed: 4242, randomize: false };
const { runId } = await caller.runs.enqueue({ workflow: wf });
await waitFor((e) => e.type === "node.progress" && e.runId === runId && e.nodeId === "decoder" && (e.step ?? 0) >= 1);
measuring = runId;
const stopProbe = probeApi();
const windowMs = Number(values.window) * 1000;
const until = performance.now() + windowMs;
while (performance.now() < until && !events.some(ended(runId))) await new Promise((r) => setTimeout(r, 100));
const latencies = await stopProbe();
measuring = null;
const stepMs = stepTimes.length > 1 ? (stepTimes.at(-1)! - stepTimes[0]) / (stepTimes.length - 1) : NaN;

const progress = () => events.filter((e): e is Extract<RunEvent, { type: "node.progress" }> => e.type === "node.progress" && e.runId === runId).at(-1);
const atCancel = progress();
const tCancel = performance.now();
await caller.runs.cancel({ id: runId });
const end = await waitFor(ended(runId));
const cancelMs = performance.now() - tCancel;
const atEnd = progress();
const peakRssMb = process.resourceUsage().maxRSS / 1024;

const result = {
  images,
  model: values.model,
  executor: services.thread ? "thread" : "main thread",
  api_calls: latencies.length,
  api_p50_ms: Number(percentile(latencies, 50).toFixed(1)),
  api_p95_ms: Number(percentile(latencies, 95).toFixed(1)),
  api_max_ms: Number(Math.max(...latencies).toFixed(1)),
  cancel_ms: Math.round(cancelMs),
  cancel_end: end.type,
  cancel_at: atCancel ? `${atCancel.nodeId} step ${atCancel.step}/${atCancel.steps}` : null,
  stopped_at: atEnd ? `${atEnd.nodeId} step ${atEnd.step}/${atEnd.steps}` : null,
  step_ms: Math.round(stepMs),
  steps_measured: stepTimes.length,
  peak_rss_mb: Math.round(peakRssMb),
  full_run_ms: fullRunMs === undefined ? undefined : Math.round(fullRunMs),
};
console.log(
  `\nlargest allowed run: ${images} images (UNCLIP_MAX_IMAGES_PER_RUN), ${values.model}, steps 25/25/7, through the queue (executed on the ${result.executor})`,
);
console.log(
  `  API latency while it runs   p50 ${result.api_p50_ms} ms, p95 ${result.api_p95_ms} ms, max ${result.api_max_ms} ms (${latencies.length} calls of runs.pending)`,
);
console.log(`  cancel                      ${result.cancel_ms} ms to ${end.type} (asked at ${result.cancel_at}, last step reported ${result.stopped_at})`);
console.log(`  sampler step meanwhile      ${result.step_ms} ms on average (${result.steps_measured} steps reported)`);
console.log(`  peak RSS                    ${result.peak_rss_mb} MB${fullRunMs ? ` (full run ${(fullRunMs / 1000).toFixed(1)} s)` : ""}`);
if (values.json) console.log(JSON.stringify(result));

await services.queue.stop();
await services.models.unload();
await closeDb();
rmSync(dataDir, { recursive: true, force: true });
