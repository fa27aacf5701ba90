/**
 * `npm run bench`: text → image on unclip-small with the default steps (25/25/7): cold start
 * (package load + session creation), one warm-up, then N timed runs. Prints per-stage and total
 * wall time, time inside session.run, the overhead (total − session.run), peak RSS; `--json`
 * adds the same as one JSON line last. Session options come from UNCLIP_ORT_* variables (see README).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { TEXT_TO_IMAGE_COMPONENTS } from "../server/runtime/modelPackage";
import { SessionPool } from "../server/runtime/sessionPool";
import { UnclipComponents } from "../server/unclip/components";
import { text2image } from "../server/unclip/pipelineText2Image";
import type { StageTimings } from "../server/unclip/progress";

const { values } = parseArgs({
  options: {
    json: { type: "boolean" },
    runs: { type: "string", default: "3" },
    model: { type: "string" },
    device: { type: "string", default: "auto" },
    prompt: { type: "string", default: "a watercolor painting of a lighthouse at dusk" },
  },
});
const model = values.model ?? path.resolve(import.meta.dirname, "../../shared/fixtures/unclip-small");
if (!existsSync(model)) {
  console.error(`bench: model package ${model} not found (pass --model DIR)`);
  process.exit(2);
}
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;

const t0 = performance.now();
const pool = new SessionPool(values.device as "auto");
const components = await UnclipComponents.load(model, pool);
await components.prepare(TEXT_TO_IMAGE_COMPONENTS);
const coldStartMs = performance.now() - t0;

const options = { prompt: values.prompt, seed: 1234 };
await text2image(components, options); // warm-up: first runs pay for allocator growth
const sessionsAfterWarmup = pool.stats.sessionsCreated;

const totals: number[] = [];
const sessionRun: number[] = [];
const stages: StageTimings[] = [];
for (let i = 0; i < runs; i++) {
  const before = pool.stats.sessionRunMs;
  const start = performance.now();
  const r = await text2image(components, options);
  totals.push(performance.now() - start);
  sessionRun.push(pool.stats.sessionRunMs - before);
  stages.push(r.timings);
  if (!values.json) console.log(`run ${i + 1}: ${ms(totals[i])} total, ${ms(sessionRun[i])} in session.run`);
}
const warmSessionsCreated = pool.stats.sessionsCreated - sessionsAfterWarmup;
const stageNames = Object.keys(stages[0]) as (keyof StageTimings)[];
const perStage = Object.fromEntries(stageNames.map((s) => [s, Math.round(median(stages.map((t) => t[s] ?? 0)))]));
const total = median(totals);
const inRun = median(sessionRun);
const overheadPct = ((total - inRun) / total) * 100;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const provider = [...new Set(Object.values(components.providers))].join(",");

console.log(`\nunclip-small text→image, steps 25/25/7, median of ${runs} warm runs (provider ${provider})`);
for (const s of stageNames) console.log(`  ${s.padEnd(14)} ${ms(perStage[s])}`);
console.log(`  ${"total".padEnd(14)} ${ms(total)}`);
console.log(`  ${"session.run".padEnd(14)} ${ms(inRun)}`);
console.log(`  overhead       ${(total - inRun).toFixed(0).padStart(6)} ms (${overheadPct.toFixed(2)} % of total)`);
console.log(`  cold start     ${ms(coldStartMs)} (package load + ${pool.stats.sessionsCreated} sessions)`);
console.log(`  peak RSS       ${peakRssMb.toFixed(0).padStart(6)} MB`);
console.log(`  sessions created by warm runs: ${warmSessionsCreated}`);
console.log(`  session options: ${JSON.stringify(pool.tuning)}`);
if (values.json) {
  console.log(
    JSON.stringify({
      total_ms: Math.round(total),
      session_run_ms: Math.round(inRun),
      overhead_pct: Number(overheadPct.toFixed(3)),
      cold_start_ms: Math.round(coldStartMs),
      peak_rss_mb: Math.round(peakRssMb),
      per_stage_ms: perStage,
      runs_ms: totals.map(Math.round),
      warm_sessions_created: warmSessionsCreated,
      provider,
      tuning: pool.tuning,
    }),
  );
}
await pool.release();

// the limits' cost under load (API latency during the largest allowed run, cancel, peak RSS), in
// a process of its own so that its peak RSS is its own
const { spawnSync } = await import("node:child_process");
const limits = spawnSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "bench-limits.ts"), ...(values.json ? ["--json"] : [])], {
  stdio: "inherit",
});
if (limits.status !== 0) process.exitCode = limits.status ?? 1;
