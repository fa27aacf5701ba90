/**
 * What `npm run bench` and `npm run bench:int8` share for issue #22: the Python side (the `onnx`
 * package's graph rewrites, run with Debian's /usr/bin/python3 from `python/`), the machine's own
 * matrix-multiply rates measured in onnxruntime-node, the work (FLOPs) of one UNet call, and an int8
 * copy of a package calibrated on prompts tokenised by the app's own tokenizer, cached on disk.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { ClipTokenizer } from "../../server/unclip/tokenizer";

export const REPO = path.resolve(import.meta.dirname, "../..");
const PYTHON_DIR = path.join(REPO, "python");
/** Git-ignored (.gitignore): int8 copies made by the benches, rebuilt when their inputs change. */
export const INT8_CACHE = path.join(REPO, ".cache", "int8");

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Deterministic uniform numbers (mulberry32): both precisions see exactly the same inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** N(0, 1) by Box–Muller. */
export function normals(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return out;
}

/** `python -m MODULE ARGS` from python/; its stdout, or an Error with its stderr. */
export function runPython(python: string, args: string[]): string {
  const r = spawnSync(python, ["-m", ...args], { cwd: PYTHON_DIR, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw new Error(`${python} -m ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${python} -m ${args.join(" ")} failed:\n${r.stderr.trim().slice(-2000)}`);
  return r.stdout;
}

/** Why the Python side cannot run (no interpreter, no `onnx`), or null when it can. */
export function pythonProblem(python: string): string | null {
  const r = spawnSync(python, ["-c", "import numpy, onnx"], { encoding: "utf8" });
  if (r.error) return `${python}: ${r.error.message}`;
  if (r.status !== 0) return `${python} cannot import numpy and onnx (apt-get install python3-onnx): ${r.stderr.trim().split("\n").pop()}`;
  return null;
}

export interface MatmulRates {
  /** float32 MatMul, GFLOP/s. */
  fp32: number;
  /** int8 MatMulInteger (u8 × s8 → s32), GOP/s. */
  int8: number;
  /** MatMul through the dynamic int8 rewrite (float in/out), GOP/s. */
  dynamic_int8: number;
}

/** The machine's n×n×n matrix-multiply rates in onnxruntime-node with `sessionOptions` (graphs by matmul_bench.py into `dir`). */
export async function matmulRates(
  python: string,
  dir: string,
  n: number,
  runs: number,
  sessionOptions: ort.InferenceSession.SessionOptions,
): Promise<MatmulRates> {
  runPython(python, ["unclip_export.matmul_bench", dir, "--n", String(n)]);
  const ops = 2 * n ** 3;
  const out: Record<string, number> = {};
  for (const [name, dtype] of [
    ["fp32", "float32"],
    ["int8", "uint8"],
    ["dynamic_int8", "float32"],
  ] as const) {
    const session = await ort.InferenceSession.create(path.join(dir, `matmul_${name}.onnx`), sessionOptions);
    const rand = rng(7);
    const x =
      dtype === "uint8"
        ? new ort.Tensor(
            "uint8",
            Uint8Array.from({ length: n * n }, () => Math.floor(rand() * 256)),
            [n, n],
          )
        : new ort.Tensor("float32", normals(n * n, rand), [n, n]);
    await session.run({ X: x });
    const ts: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await session.run({ X: x });
      ts.push(performance.now() - t);
    }
    await session.release();
    out[name] = ops / (median(ts) / 1000) / 1e9;
  }
  return { fp32: out.fp32, int8: out.int8, dynamic_int8: out.dynamic_int8 };
}

/** FLOPs (2 × multiply-adds of Conv/MatMul/Gemm) of one call of `model` at `batch` (python/unclip_export/flops.py). */
export function graphFlops(python: string, model: string, batch: number): { flops: number; unshaped: string[] } {
  const out = JSON.parse(runPython(python, ["unclip_export.flops", model, "--batch", String(batch)])) as { flops: number; unshaped: string[] };
  return { flops: out.flops, unshaped: out.unshaped };
}

/** What an int8 copy depends on: the quantiser's code, the source graphs (size + mtime) and the calibration prompts. */
function int8Key(src: string, prompts: readonly string[] | undefined): string {
  const h = createHash("sha256");
  if (prompts) h.update(JSON.stringify(prompts));
  for (const f of ["quantize_int8.py", "quantize_matmul_qdq.py", "calibrate.py", "runners.py", "ort_node_run.mjs"])
    h.update(readFileSync(path.join(PYTHON_DIR, "unclip_export", f)));
  for (const c of ["text_encoder", "prior", "text_proj", "decoder", "super_res_first", "super_res_last"]) {
    const s = statSync(path.join(src, c, "model.onnx"));
    h.update(`${c}:${s.size}:${s.mtimeMs}`);
  }
  return h.digest("hex").slice(0, 12);
}

/**
 * The int8 copy of the package at `src` as the exporter's `--int8` makes it (static Conv calibrated
 * on python/unclip_export/calibrate.py's prompts, here tokenised by the app's tokenizer since Debian's
 * Python has no CLIP tokenizer), built once into INT8_CACHE and reused while its inputs are unchanged.
 * `prompts` replaces calibrate.py's photo captions for a package that knows another world (the toy model).
 */
export async function int8CopyOf(
  python: string,
  src: string,
  log: (line: string) => void = () => {},
  cacheRoot: string = INT8_CACHE,
  calibrationPrompts?: readonly string[],
): Promise<string> {
  const dest = path.join(cacheRoot, `${path.basename(src)}-${int8Key(src, calibrationPrompts)}`);
  if (existsSync(path.join(dest, "model_index.json"))) return dest;
  mkdirSync(cacheRoot, { recursive: true });
  const building = `${dest}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const prompts =
    calibrationPrompts ??
    (JSON.parse(
      spawnSync(python, ["-c", "import json; from unclip_export.calibrate import DEFAULT_PROMPTS; print(json.dumps(DEFAULT_PROMPTS))"], {
        cwd: PYTHON_DIR,
        encoding: "utf8",
      }).stdout,
    ) as string[]);
  const tokenizer = await ClipTokenizer.fromPackageDir(path.join(src, "tokenizer"));
  const enc = tokenizer.encodeBatch([...prompts, ""], { padding: "max_length", truncation: true });
  const [rows, len] = enc.shape;
  const idsFile = `${building}.ids.json`;
  writeFileSync(
    idsFile,
    JSON.stringify({
      prompts,
      input_ids: Array.from({ length: rows }, (_, r) => Array.from(enc.inputIds.subarray(r * len, (r + 1) * len), Number)),
      attention_mask: Array.from({ length: rows }, (_, r) => Array.from(enc.attentionMask.subarray(r * len, (r + 1) * len))),
    }),
  );
  log(`int8: building ${dest} (prompt calibration; a few minutes on 2 cores) ...`);
  try {
    runPython(python, ["unclip_export.quantize_int8", src, building, "--static-conv", "--token-ids", idsFile]);
    renameSync(building, dest);
  } finally {
    rmSync(idsFile, { force: true });
    rmSync(building, { recursive: true, force: true });
  }
  return dest;
}
