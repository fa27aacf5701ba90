/** What `generate` and `variation` share: model/device flags, .npy inputs, writing outputs. */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../../server/errors";
import { DEVICES, type Device } from "../../server/runtime/device";
import { SessionPool } from "../../server/runtime/sessionPool";
import { UnclipComponents } from "../../server/unclip/components";
import { encodePng } from "../../server/unclip/imageOutput";
import { readNpy, writeNpy } from "../../server/unclip/npy";
import type { PipelineResult } from "../../server/unclip/pipelineText2Image";
import type { StageHooks } from "../../server/unclip/progress";
import type { BoolNdArray, Float32NdArray } from "../../server/unclip/tensor";
import { choiceFlag, flagText, intFlag, type Options, UsageError } from "./args";
import { checkOutputPath, checkWritableDir, guidanceFlag, readInputFile } from "./guards";
import { createProgressReporter } from "./progress";

export const DEFAULT_MODEL_DIR = "models/toy-shapes";

export const COMMON_OPTIONS: Options = {
  model: { type: "string" },
  "num-images-per-prompt": { type: "string" },
  "decoder-num-inference-steps": { type: "string" },
  "super-res-num-inference-steps": { type: "string" },
  "decoder-guidance-scale": { type: "string" },
  seed: { type: "string" },
  "decoder-latents": { type: "string" },
  "super-res-latents": { type: "string" },
  "decoder-step-noise": { type: "string" },
  "super-res-step-noise": { type: "string" },
  device: { type: "string" },
  output: { type: "string", short: "o" },
  "output-type": { type: "string" },
  "save-intermediates": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

export function resolveModelDir(flag: unknown): string {
  const dir = (flag as string | undefined) ?? process.env.UNCLIP_MODEL ?? DEFAULT_MODEL_DIR;
  if (!existsSync(dir)) {
    throw new InputError(
      "missing_model",
      flag === undefined ? `no --model given and the default model package ${dir} does not exist` : `--model: ${dir} does not exist`,
      { parameter: "model", file: dir },
    );
  }
  return dir;
}

export async function loadComponents(values: Record<string, unknown>): Promise<UnclipComponents> {
  const device = choiceFlag<Device>(values.device, "device", DEVICES, "auto");
  return UnclipComponents.load(resolveModelDir(values.model), new SessionPool(device));
}

export async function readFloatNpy(file: unknown, flag: string): Promise<Float32NdArray | undefined> {
  if (file === undefined) return undefined;
  const a = readNpy(await readInputFile(flagText(file), flag), flagText(file));
  if (a.dtype !== "float32")
    throw new InputError("bad_dtype", `--${flag}: ${flagText(file)} holds ${a.dtype} values, expected floating point`, { file: flagText(file) });
  return a;
}

export async function readBoolNpy(file: unknown, flag: string): Promise<BoolNdArray | undefined> {
  if (file === undefined) return undefined;
  const a = readNpy(await readInputFile(flagText(file), flag), flagText(file));
  if (a.dtype === "bool") return a;
  if (a.dtype === "int64") return { dtype: "bool", shape: a.shape, data: Uint8Array.from(a.data, (v) => (v !== 0n ? 1 : 0)) };
  throw new InputError("bad_dtype", `--${flag}: ${flagText(file)} holds ${a.dtype} values, expected a bool or int64 mask`, { file: flagText(file) });
}

export function outputOptions(values: Record<string, unknown>) {
  if (typeof values.output !== "string" || values.output === "") throw new UsageError("--output PATH is required");
  const outputType = choiceFlag(values["output-type"], "output-type", ["png", "npy"] as const, "png");
  return { output: values.output, outputType, intermediatesDir: values["save-intermediates"] as string | undefined };
}

/** PATH for one image; PATH with -0, -1, … before the extension for several. */
export function numberedPath(file: string, index: number, count: number): string {
  if (count === 1) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${index}${ext}`;
}

export async function writeOutputs(result: PipelineResult, o: { output: string; outputType: "png" | "npy"; intermediatesDir?: string }): Promise<string[]> {
  const written: string[] = [];
  await mkdir(path.dirname(path.resolve(o.output)), { recursive: true });
  if (o.outputType === "npy") {
    await writeFile(o.output, writeNpy(result.images));
    written.push(o.output);
  } else {
    const count = result.images.shape[0];
    for (let i = 0; i < count; i++) {
      const file = numberedPath(o.output, i, count);
      await writeFile(file, await encodePng(result.images, i));
      written.push(file);
    }
  }
  if (o.intermediatesDir && result.intermediates) {
    await mkdir(o.intermediatesDir, { recursive: true });
    for (const [name, arr] of Object.entries(result.intermediates)) {
      await writeFile(path.join(o.intermediatesDir, `${name}.npy`), writeNpy(arr));
    }
  }
  return written;
}

/** The flags both pipelines share (decoder, super-res, seed, images per prompt). */
export async function sharedPipelineOptions(values: Record<string, unknown>, out: { intermediatesDir?: string }) {
  return {
    numImagesPerPrompt: intFlag(values["num-images-per-prompt"], "num-images-per-prompt", 1),
    decoderNumInferenceSteps: intFlag(values["decoder-num-inference-steps"], "decoder-num-inference-steps", 1),
    superResNumInferenceSteps: intFlag(values["super-res-num-inference-steps"], "super-res-num-inference-steps", 1),
    decoderGuidanceScale: guidanceFlag(values["decoder-guidance-scale"], "decoder-guidance-scale"),
    seed: intFlag(values.seed, "seed", 0),
    decoderLatents: await readFloatNpy(values["decoder-latents"], "decoder-latents"),
    superResLatents: await readFloatNpy(values["super-res-latents"], "super-res-latents"),
    decoderStepNoise: await readFloatNpy(values["decoder-step-noise"], "decoder-step-noise"),
    superResStepNoise: await readFloatNpy(values["super-res-step-noise"], "super-res-step-noise"),
    recordIntermediates: out.intermediatesDir !== undefined,
  };
}

/** Load the model, run a pipeline with progress bars, write its outputs; sessions are released after. */
export async function runPipeline(
  values: Record<string, unknown>,
  out: { output: string; outputType: "png" | "npy"; intermediatesDir?: string },
  pipeline: (components: UnclipComponents, hooks: StageHooks) => Promise<PipelineResult>,
  signal: AbortSignal,
): Promise<string> {
  // checked before anything loads: a bad path should not cost a whole run
  await checkOutputPath(out.output, "output");
  if (out.intermediatesDir) await checkWritableDir(out.intermediatesDir, "save-intermediates");
  // onnxruntime's own warnings (e.g. a CUDA library it could not load) only with --verbose
  if (values.verbose) process.env.UNCLIP_ORT_VERBOSE = "1";
  const components = await loadComponents(values);
  const progress = createProgressReporter(Boolean(values.quiet));
  try {
    const result = await pipeline(components, { onProgress: progress.onProgress, signal });
    const written = await writeOutputs(result, out);
    if (!values.quiet) process.stderr.write(summary(result, written));
    return written.join("\n") + "\n";
  } finally {
    progress.stop();
    await components.pool.release();
  }
}

export function summary(result: PipelineResult, written: string[]): string {
  const providers = [...new Set(Object.values(result.providers))].join(", ");
  const stages = Object.entries(result.timings)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`)
    .join(", ");
  return `seed ${result.seed} · provider ${providers} · ${stages}\nwrote ${written.join(", ")}\n`;
}
