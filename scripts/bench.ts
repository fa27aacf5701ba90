/**
 * `npm run bench`: text → image on unclip-small with the default steps (25/25/7): cold start
 * (package load + session creation), one warm-up, then N timed runs. Prints per-stage and total
 * wall time, time inside session.run, the overhead (total − session.run), peak RSS; `--json`
 * adds the same as one JSON line last. Session options come from UNCLIP_ORT_* variables (see README).
 *
 * Issue #22's ceiling figures, when Debian's Python with `onnx` is there (`--python`, else null):
 * achieved GFLOP/s of the decoder and super-res stages (their Conv/MatMul work ÷ stage wall time), the
 * machine's own 2048² float32 and int8 matrix-multiply rates in onnxruntime-node, and the same runs on
 * the package's int8 copy (the exporter's --int8 rewrite, cached under .cache/int8), interleaved with
 * the float32 runs: `int8_total_s`, `int8_speedup` = float32 total / int8 total. `--int8-dir DIR`
 * measures that int8 package instead of the cached copy; `--no-limits` skips bench-limits.ts at the end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { TEXT_TO_IMAGE_COMPONENTS } from "../server/runtime/modelPackage";
import { SessionPool } from "../server/runtime/sessionPool";
import { toSessionOptions } from "../server/runtime/sessionOptions";
import { UnclipComponents } from "../server/unclip/components";
import { text2image, TEXT_TO_IMAGE_DEFAULTS } from "../server/unclip/pipelineText2Image";
import type { StageTimings } from "../server/unclip/progress";
import { graphFlops, int8CopyOf, type MatmulRates, matmulRates, median, pythonProblem } from "./lib/int8Bench";

const { values } = parseArgs({
  options: {
    json: { type: "boolean" },
    runs: { type: "string", default: "3" },
    model: { type: "string" },
    device: { type: "string", default: "auto" },
    prompt: { type: "string", default: "a watercolor painting of a lighthouse at dusk" },
    python: { type: "string", default: "/usr/bin/python3" },
    "no-int8": { type: "boolean" },
    // an int8 copy made elsewhere (an earlier quantiser's, an exported one) instead of the cached one
    "int8-dir": { type: "string" },
    "no-limits": { type: "boolean" },
  },
});
const model = values.model ?? path.resolve(import.meta.dirname, "../../shared/fixtures/unclip-small");
if (!existsSync(model)) {
  console.error(`bench: model package ${model} not found (pass --model DIR)`);
  process.exit(2);
}
const runs = Number(values.runs);
const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
const say = (line: string) => {
  if (!values.json) console.log(line);
};

// issue #22: the Python side first (it runs onnxruntime-node itself), before anything is timed
const pyProblem = pythonProblem(values.python);
if (pyProblem) console.log(`bench: no GFLOP/s, matrix-multiply or int8 figures: ${pyProblem}`);
let int8Dir: string | null = null;
let flops: { decoder: number; superRes: number } | null = null;
if (!pyProblem) {
  const dec = graphFlops(values.python, path.join(model, "decoder", "model.onnx"), 2); // the CFG batch
  const sr = graphFlops(values.python, path.join(model, "super_res_first", "model.onnx"), 1);
  const unshaped = [...dec.unshaped, ...sr.unshaped];
  if (unshaped.length) console.log(`bench: FLOPs not counted for ${unshaped.length} nodes without shapes (${unshaped.slice(0, 3).join(", ")} …)`);
  flops = { decoder: dec.flops, superRes: sr.flops };
  if (values["int8-dir"]) int8Dir = path.resolve(values["int8-dir"]);
  else if (!values["no-int8"]) {
    try {
      int8Dir = await int8CopyOf(values.python, model, say);
    } catch (err) {
      console.log(`bench: no int8 copy of ${model}: ${(err as Error).message}`);
    }
  }
}

const t0 = performance.now();
const pool = new SessionPool(values.device as "auto");
const components = await UnclipComponents.load(model, pool);
await components.prepare(TEXT_TO_IMAGE_COMPONENTS);
const coldStartMs = performance.now() - t0;

const options = { prompt: values.prompt, seed: 1234 };
await text2image(components, options); // warm-up: first runs pay for allocator growth
const sessionsAfterWarmup = pool.stats.sessionsCreated;

// the int8 copy in a pool of its own (the float32 pool's statistics stay float32's)
const int8Pool = int8Dir ? new SessionPool(values.device as "auto") : null;
const int8Components = int8Dir && int8Pool ? await UnclipComponents.load(int8Dir, int8Pool) : null;
if (int8Components) {
  await int8Components.prepare(TEXT_TO_IMAGE_COMPONENTS);
  await text2image(int8Components, options);
}
const int8Totals: number[] = [];
let imageDrift: { mean: number; max: number } | null = null;

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
  if (int8Components) {
    // interleaved with the float32 runs: load from other work on a shared machine hits both alike
    const t = performance.now();
    const q = await text2image(int8Components, options);
    int8Totals.push(performance.now() - t);
    imageDrift ??= drift(r.images.data, q.images.data); // same prompt and seed: the int8 copy's image drift
    if (!values.json) console.log(`run ${i + 1} int8: ${ms(int8Totals[i])} total`);
  }
}
await int8Pool?.release();
const warmSessionsCreated = pool.stats.sessionsCreated - sessionsAfterWarmup;
const stageNames = Object.keys(stages[0]) as (keyof StageTimings)[];
const perStage = Object.fromEntries(stageNames.map((s) => [s, Math.round(median(stages.map((t) => t[s] ?? 0)))]));
const total = median(totals);
const inRun = median(sessionRun);
const overheadPct = ((total - inRun) / total) * 100;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const provider = [...new Set(Object.values(components.providers))].join(",");

// achieved rates: the stage's Conv/MatMul work (every step one call: the decoder with its CFG batch of
// 2, super-res at batch 1, super_res_last the same size as super_res_first) ÷ the stage's wall time
const gflops = (work: number, stageMs: number | undefined) => (stageMs ? work / (stageMs / 1000) / 1e9 : null);
const gflopsDecoder = flops ? gflops(flops.decoder * TEXT_TO_IMAGE_DEFAULTS.decoderNumInferenceSteps, perStage.decoder) : null;
const gflopsSuperRes = flops ? gflops(flops.superRes * TEXT_TO_IMAGE_DEFAULTS.superResNumInferenceSteps, perStage.super_res) : null;
let matmul: MatmulRates | null = null;
if (!pyProblem) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-matmul-"));
  try {
    matmul = await matmulRates(values.python, dir, 2048, runs, toSessionOptions(pool.tuning, ["cpu"]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const int8Total = int8Totals.length ? median(int8Totals) : null;
// per graph |int8 − float32| on held-out prompt inputs, written by quantize_int8 when it made the copy
const driftFile = int8Dir ? path.join(int8Dir, "int8_drift.json") : null;
const int8StageDrift =
  driftFile && existsSync(driftFile) ? (JSON.parse(readFileSync(driftFile, "utf8")) as Record<string, { mean: number; max: number }>) : null;

function drift(a: Float32Array, b: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

console.log(`\nunclip-small text→image, steps 25/25/7, median of ${runs} warm runs (provider ${provider})`);
for (const s of stageNames) console.log(`  ${s.padEnd(14)} ${ms(perStage[s])}`);
console.log(`  ${"total".padEnd(14)} ${ms(total)}`);
console.log(`  ${"session.run".padEnd(14)} ${ms(inRun)}`);
console.log(`  overhead       ${(total - inRun).toFixed(0).padStart(6)} ms (${overheadPct.toFixed(2)} % of total)`);
console.log(`  cold start     ${ms(coldStartMs)} (package load + ${pool.stats.sessionsCreated} sessions)`);
console.log(`  peak RSS       ${peakRssMb.toFixed(0).padStart(6)} MB`);
console.log(`  sessions created by warm runs: ${warmSessionsCreated}`);
console.log(`  session options: ${JSON.stringify(pool.tuning)}`);
const rate = (x: number | null | undefined, unit: string) => (x == null ? "—" : `${x.toFixed(1)} ${unit}`);
console.log(`  achieved       decoder ${rate(gflopsDecoder, "GFLOP/s")}, super-res ${rate(gflopsSuperRes, "GFLOP/s")} (stage wall time)`);
console.log(`  2048² matmul   float32 ${rate(matmul?.fp32, "GFLOP/s")}, int8 MatMulInteger ${rate(matmul?.int8, "GOP/s")}`);
if (int8Total !== null) console.log(`  int8 copy      ${ms(int8Total)} total (${(total / int8Total).toFixed(2)}× float32), ${int8Dir}`);
for (const [stage, d] of Object.entries(int8StageDrift ?? {}))
  console.log(`  int8 ${stage.padEnd(16)} |int8 − float32| mean ${d.mean.toFixed(4)}, max ${d.max.toFixed(4)} (held-out prompt inputs)`);
if (imageDrift) console.log(`  int8 image     |int8 − float32| mean ${imageDrift.mean.toFixed(4)}, max ${imageDrift.max.toFixed(4)} (image in [0, 1])`);
if (values.json) {
  const round1 = (x: number | null | undefined) => (x == null ? null : Number(x.toFixed(1)));
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
      gflops_decoder: round1(gflopsDecoder),
      gflops_super_res: round1(gflopsSuperRes),
      matmul_gflops_fp32: round1(matmul?.fp32),
      matmul_gops_int8: round1(matmul?.int8),
      int8_total_s: int8Total === null ? null : Number((int8Total / 1000).toFixed(3)),
      int8_speedup: int8Total === null ? null : Number((total / int8Total).toFixed(3)),
      int8_runs_ms: int8Totals.map(Math.round),
      int8_image_drift_mean: imageDrift ? Number(imageDrift.mean.toFixed(5)) : null,
      int8_image_drift_max: imageDrift ? Number(imageDrift.max.toFixed(5)) : null,
      int8_stage_drift: int8StageDrift,
    }),
  );
}
await pool.release();

// the limits' cost under load (API latency during the largest allowed run, cancel, peak RSS), in
// a process of its own so that its peak RSS is its own; `--no-limits` skips it
if (!values["no-limits"]) {
  const { spawnSync } = await import("node:child_process");
  const limits = spawnSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "bench-limits.ts"), ...(values.json ? ["--json"] : [])], {
    stdio: "inherit",
  });
  if (limits.status !== 0) process.exitCode = limits.status ?? 1;
}
