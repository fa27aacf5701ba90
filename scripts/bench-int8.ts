/**
 * `npm run bench:int8`: is a dynamically quantised int8 package worth building (issue #22, item 1)?
 *
 * Makes int8 copies of unclip-small and models/toy-shapes in a temp dir with
 * `python3 -m unclip_export.quantize_int8` in three variants (see VARIANTS: Conv static QDQ, Conv dynamic
 * ConvInteger, no Conv; MatMul/Gemm dynamic in all three),
 * then with onnxruntime-node and the app's own session options measures, per UNet stage at its real
 * input shape (decoder with the CFG batch of 2, super_res_first at 256²): the median session.run time
 * float32 vs int8, graph file sizes, and the output drift (mean / max |int8 − float32| on the same
 * inputs). Also the machine's own matrix-multiply rate (2048², float32 MatMul vs int8 MatMulInteger vs
 * the dynamically quantised MatMul) and, unless `--no-e2e`, the end-to-end image drift of a default
 * text → image call through the real pipeline loading the int8 copy. unclip-small is also measured as
 * the exporter's `--int8` makes it ("int8-prompts": calibrated on prompts, lib/int8Bench.ts's cached
 * copy). `--json` prints one JSON line last.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { TEXT_TO_IMAGE_COMPONENTS } from "../server/runtime/modelPackage";
import { SessionPool } from "../server/runtime/sessionPool";
import { defaultTuning, toSessionOptions } from "../server/runtime/sessionOptions";
import { UnclipComponents } from "../server/unclip/components";
import { text2image } from "../server/unclip/pipelineText2Image";
import { int8CopyOf, matmulRates, median, normals, rng, runPython } from "./lib/int8Bench";

const { values } = parseArgs({
  options: {
    json: { type: "boolean" },
    runs: { type: "string", default: "5" },
    model: { type: "string" },
    toy: { type: "string" },
    "no-e2e": { type: "boolean" },
    "matmul-n": { type: "string", default: "2048" },
    python: { type: "string", default: "/usr/bin/python3" },
  },
});
const repo = path.resolve(import.meta.dirname, "..");
const small = values.model ?? path.resolve(repo, "../shared/fixtures/unclip-small");
const toy = values.toy ?? path.resolve(repo, "models/toy-shapes");
for (const dir of [small, toy]) {
  if (!existsSync(path.join(dir, "model_index.json"))) {
    console.error(`bench-int8: model package ${dir} not found (pass --model / --toy DIR)`);
    process.exit(2);
  }
}
const runs = Number(values.runs);
const matmulN = Number(values["matmul-n"]);
const tuning = defaultTuning();
const sessionOptions = toSessionOptions(tuning, ["cpu"]);

const python = (args: string[]) => void runPython(values.python, args);

const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-int8-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

/**
 * Variant name → extra quantiser flags. "int8" (the JSON's int8_speedup_*) is static Conv + dynamic
 * MatMul/Gemm: dynamic ConvInteger is measured too but onnxruntime runs it far slower than float32.
 */
const VARIANTS: Record<string, string[]> = {
  int8: ["--static-conv"],
  "int8-dynamic-conv": [],
  "int8-matmul-only": ["--no-conv"],
};
const packages: Record<string, Record<string, string>> = { small: { fp32: small }, toy: { fp32: toy } };
for (const [variant, flags] of Object.entries(VARIANTS)) {
  for (const [name, src] of [
    ["small", small],
    ["toy", toy],
  ] as const) {
    const out = path.join(tmp, `${name}-${variant}`);
    python(["unclip_export.quantize_int8", src, out, ...flags]); // prior, decoder, super_res_first/last
    packages[name][variant] = out;
  }
}
// unclip-small also as the exporter's --int8 makes it: static Conv calibrated on prompts run through the
// package (the variants above calibrate on random inputs), cached under .cache/int8 and shared with `npm run bench`
packages.small["int8-prompts"] = await int8CopyOf(values.python, small, console.log);
const ALL_VARIANTS: Record<string, string[]> = { ...VARIANTS, "int8-prompts": ["--static-conv", "--token-ids"] };

/** Feeds for a graph from its own input metadata: the batch axis set to `batch`, t = 500, masks all true. */
function feedsFor(session: ort.InferenceSession, batch: number): Record<string, ort.Tensor> {
  const rand = rng(1234);
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`input ${meta.name} is not a tensor`);
    const dims = meta.shape.map((d) => (typeof d === "number" ? d : batch));
    const size = dims.reduce((a, b) => a * b, 1);
    if (meta.type === "float32") feeds[meta.name] = new ort.Tensor("float32", normals(size, rand), dims);
    else if (meta.type === "int64") feeds[meta.name] = new ort.Tensor("int64", new BigInt64Array(size).fill(500n), dims);
    else if (meta.type === "bool") feeds[meta.name] = new ort.Tensor("bool", new Uint8Array(size).fill(1), dims);
    else throw new Error(`input ${meta.name}: dtype ${meta.type} not handled by this bench`);
  }
  return feeds;
}

function drift(a: Float32Array, b: Float32Array) {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}
const mb = (file: string) => statSync(file).size / 1e6;

interface StageRow {
  pkg: string;
  stage: string;
  variant: string;
  ms: number;
  speedup: number;
  mb: number;
  driftMean: number;
  driftMax: number;
}
const rows: StageRow[] = [];
const STAGES = [
  { stage: "decoder", batch: 2 }, // the CFG batch, as the pipeline runs it
  { stage: "super_res_first", batch: 1 },
];
for (const pkg of ["small", "toy"] as const) {
  for (const { stage, batch } of STAGES) {
    const variants = Object.entries(packages[pkg]);
    const sessions = await Promise.all(variants.map(([, dir]) => ort.InferenceSession.create(path.join(dir, stage, "model.onnx"), sessionOptions)));
    const feeds = feedsFor(sessions[0], batch);
    const outputs: Float32Array[] = [];
    for (const s of sessions) {
      outputs.push((await s.run(feeds))[s.outputNames[0]].data as Float32Array);
      await s.run(feeds); // a second warm-up: allocator growth, pre-packing
    }
    // round-robin over the variants, so that load from other work on a shared machine hits them alike
    const times: number[][] = variants.map(() => []);
    for (let i = 0; i < runs; i++) {
      for (const [k, s] of sessions.entries()) {
        const t = performance.now();
        await s.run(feeds);
        times[k].push(performance.now() - t);
      }
    }
    await Promise.all(sessions.map((s) => s.release()));
    const baseMs = median(times[0]);
    for (const [k, [variant, dir]] of variants.entries()) {
      const d = drift(outputs[0], outputs[k]);
      const ms = median(times[k]);
      rows.push({ pkg, stage, variant, ms, speedup: baseMs / ms, mb: mb(path.join(dir, stage, "model.onnx")), driftMean: d.mean, driftMax: d.max });
    }
  }
}

// the machine's own matrix-multiply rates, through onnxruntime with the same session options
const n = matmulN;
const matmul = await matmulRates(values.python, path.join(tmp, "matmul"), n, runs, sessionOptions);

// end to end: the real pipeline loading the int8 copy (default steps 25/25/7, fixed seed)
const e2e: Record<string, { mean: number; max: number; ms: number }> = {};
if (!values["no-e2e"]) {
  const images: Record<string, Float32Array> = {};
  for (const [variant, dir] of Object.entries(packages.small)) {
    const pool = new SessionPool("cpu");
    const components = await UnclipComponents.load(dir, pool);
    await components.prepare(TEXT_TO_IMAGE_COMPONENTS);
    const t = performance.now();
    const r = await text2image(components, { prompt: "a watercolor painting of a lighthouse at dusk", seed: 1234 });
    const ms = performance.now() - t;
    await pool.release();
    images[variant] = r.images.data;
    e2e[variant] = { ...drift(images.fp32, images[variant]), ms };
  }
}

const f = (x: number, d = 1) => x.toFixed(d);
console.log(
  `int8 vs float32, onnxruntime-node ${ort.env.versions.common}, CPU, ${tuning.intraOpNumThreads} intra-op threads, opt level ${tuning.graphOptimizationLevel}`,
);
console.log(`median of ${runs} session.run calls per variant, interleaved, after two warm-ups (the first call's output compared for drift)\n`);
console.log("package  stage            variant            ms/run  speedup   MB     drift mean  drift max");
for (const r of rows) {
  console.log(
    `${r.pkg.padEnd(8)} ${r.stage.padEnd(16)} ${r.variant.padEnd(18)} ${f(r.ms).padStart(6)}  ${f(r.speedup, 2).padStart(6)}× ${f(r.mb).padStart(6)}  ${r.driftMean.toExponential(2).padStart(10)} ${r.driftMax.toExponential(2).padStart(10)}`,
  );
}
console.log(`\nmatrix multiply ${n}×${n}×${n}:`);
console.log(`  float32 MatMul                   ${f(matmul.fp32).padStart(7)} GFLOP/s`);
console.log(`  int8 MatMulInteger (u8×s8→s32)   ${f(matmul.int8).padStart(7)} GOP/s  (${f(matmul.int8 / matmul.fp32, 2)}× float32)`);
console.log(`  dynamic int8 (float in/out)      ${f(matmul.dynamic_int8).padStart(7)} GOP/s  (${f(matmul.dynamic_int8 / matmul.fp32, 2)}× float32)`);
if (Object.keys(e2e).length) {
  console.log("\nend to end, unclip-small text → image 25/25/7, seed 1234, image in [0, 1] (one cold run each; random weights amplify small differences):");
  for (const [v, d] of Object.entries(e2e)) {
    console.log(`  ${v.padEnd(18)} ${f(d.ms, 0).padStart(6)} ms   drift mean ${f(d.mean, 4)}  max ${f(d.max, 4)}`);
  }
}

const row = (pkg: string, stage: string, variant = "int8") => rows.find((r) => r.pkg === pkg && r.stage === stage && r.variant === variant);
if (values.json) {
  const round = (x: number | undefined, d = 3) => (x === undefined ? null : Number(x.toFixed(d)));
  console.log(
    JSON.stringify({
      int8_speedup_decoder: round(row("small", "decoder")?.speedup),
      int8_speedup_super_res: round(row("small", "super_res_first")?.speedup),
      variants: Object.fromEntries(
        Object.entries(ALL_VARIANTS).map(([v, flags]) => [
          v,
          {
            flags,
            speedup_decoder: round(row("small", "decoder", v)?.speedup),
            speedup_super_res: round(row("small", "super_res_first", v)?.speedup),
            drift_decoder_max: round(row("small", "decoder", v)?.driftMax, 6),
            drift_super_res_max: round(row("small", "super_res_first", v)?.driftMax, 6),
          },
        ]),
      ),
      matmul_gflops_fp32: round(matmul.fp32, 1),
      matmul_gops_int8: round(matmul.int8, 1),
      matmul_gops_dynamic_int8: round(matmul.dynamic_int8, 1),
      drift_decoder_mean: round(row("small", "decoder")?.driftMean, 6),
      drift_decoder_max: round(row("small", "decoder")?.driftMax, 6),
      drift_super_res_mean: round(row("small", "super_res_first")?.driftMean, 6),
      drift_super_res_max: round(row("small", "super_res_first")?.driftMax, 6),
      e2e_drift: Object.fromEntries(Object.entries(e2e).map(([v, d]) => [v, { mean: round(d.mean, 5), max: round(d.max, 5), ms: Math.round(d.ms) }])),
      stages: rows.map((r) => ({
        ...r,
        ms: round(r.ms, 1),
        speedup: round(r.speedup),
        mb: round(r.mb, 2),
        driftMean: round(r.driftMean, 6),
        driftMax: round(r.driftMax, 6),
      })),
      runs,
      tuning,
    }),
  );
}
