/**
 * Model-package loading: diffusers' folder layout with one `model.onnx` per component
 * (see the README's "Model packages"). Everything the pipelines size themselves by comes from
 * these configs; every file problem and every disagreement between configs is reported here,
 * naming the file, before any session is created or any denoising starts.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import { PackageError } from "../errors";
import {
  DecoderConfig,
  FeatureExtractorConfig,
  ImageEncoderConfig,
  ModelIndex,
  PriorConfig,
  SuperResConfig,
  TextEncoderConfig,
  TextProjConfig,
} from "./configs";
import { readPipelineDefaults, type PipelineDefaults } from "./pipelineDefaults";
import { readPrecisions, type Precision } from "./precision";

export const GRAPH_COMPONENTS = ["text_encoder", "prior", "text_proj", "decoder", "super_res_first", "super_res_last", "image_encoder"] as const;
export type GraphComponent = (typeof GRAPH_COMPONENTS)[number];

export const SCHEDULER_COMPONENTS = ["prior_scheduler", "decoder_scheduler", "super_res_scheduler"] as const;
export type SchedulerComponent = (typeof SCHEDULER_COMPONENTS)[number];

export const ALL_COMPONENTS = [...GRAPH_COMPONENTS, ...SCHEDULER_COMPONENTS, "tokenizer", "feature_extractor"] as const;
export type Component = (typeof ALL_COMPONENTS)[number];

/** Components each pipeline needs. */
export const TEXT_TO_IMAGE_COMPONENTS: readonly Component[] = [
  "tokenizer",
  "text_encoder",
  "prior",
  "prior_scheduler",
  "text_proj",
  "decoder",
  "decoder_scheduler",
  "super_res_first",
  "super_res_last",
  "super_res_scheduler",
];
export const VARIATION_COMPONENTS: readonly Component[] = [
  "tokenizer",
  "text_encoder",
  "text_proj",
  "decoder",
  "decoder_scheduler",
  "super_res_first",
  "super_res_last",
  "super_res_scheduler",
  "feature_extractor",
  "image_encoder",
];

export interface PackageConfigs {
  text_encoder?: TextEncoderConfig;
  prior?: PriorConfig;
  text_proj?: TextProjConfig;
  decoder?: DecoderConfig;
  super_res_first?: SuperResConfig;
  super_res_last?: SuperResConfig;
  image_encoder?: ImageEncoderConfig;
  feature_extractor?: FeatureExtractorConfig;
  prior_scheduler?: Record<string, unknown>;
  decoder_scheduler?: Record<string, unknown>;
  super_res_scheduler?: Record<string, unknown>;
  tokenizer?: { model_max_length?: number } & Record<string, unknown>;
}

export interface ModelPackage {
  /** Absolute path of the package folder. */
  dir: string;
  name: string;
  index: Record<string, unknown>;
  components: ReadonlySet<Component>;
  configs: PackageConfigs;
  /** Each graph component's precision (`config.json`'s `precision`, absent = float32): runtime/precision.ts. */
  precision: Readonly<Partial<Record<GraphComponent, Precision>>>;
  /** The package's own defaults for arguments the caller leaves out (`_pipeline_defaults`): runtime/pipelineDefaults.ts. */
  pipelineDefaults: Readonly<PipelineDefaults>;
}

const CONFIG_FILES: Record<Component, string> = {
  text_encoder: "config.json",
  prior: "config.json",
  text_proj: "config.json",
  decoder: "config.json",
  super_res_first: "config.json",
  super_res_last: "config.json",
  image_encoder: "config.json",
  prior_scheduler: "scheduler_config.json",
  decoder_scheduler: "scheduler_config.json",
  super_res_scheduler: "scheduler_config.json",
  tokenizer: "tokenizer_config.json",
  feature_extractor: "preprocessor_config.json",
};

/** Files that must exist beside each component's config. */
const REQUIRED_FILES: Partial<Record<Component, string[]>> = {
  text_encoder: ["model.onnx"],
  prior: ["model.onnx", "clip_mean.npy", "clip_std.npy"],
  text_proj: ["model.onnx", "learned_classifier_free_guidance_embeddings.npy"],
  decoder: ["model.onnx"],
  super_res_first: ["model.onnx"],
  super_res_last: ["model.onnx"],
  image_encoder: ["model.onnx"],
  tokenizer: ["vocab.json", "merges.txt"],
};

const SCHEMAS: Partial<Record<Component, z.ZodType>> = {
  text_encoder: TextEncoderConfig,
  prior: PriorConfig,
  text_proj: TextProjConfig,
  decoder: DecoderConfig,
  super_res_first: SuperResConfig,
  super_res_last: SuperResConfig,
  image_encoder: ImageEncoderConfig,
  feature_extractor: FeatureExtractorConfig,
};

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PackageError("missing_file", `${file}: ${code === "ENOENT" ? "file is missing" : `cannot read (${code})`}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PackageError("corrupt_file", `${file}: not valid JSON (${(err as Error).message})`, { file });
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join(".") : "(top level)";
  return `${where}: ${issue.message}`;
}

export function componentFile(pkg: ModelPackage, component: Component, file: string): string {
  return path.join(pkg.dir, component, file);
}

export function graphFile(pkg: ModelPackage, component: GraphComponent): string {
  return componentFile(pkg, component, "model.onnx");
}

export async function loadModelPackage(dir: string): Promise<ModelPackage> {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new PackageError("missing_package", `${abs}: model package folder not found`, { file: abs });
  }
  const indexFile = path.join(abs, "model_index.json");
  const rawIndex = await readJson(indexFile);
  const parsedIndex = ModelIndex.safeParse(rawIndex);
  if (!parsedIndex.success) {
    throw new PackageError("bad_config", `${indexFile}: ${describeIssue(parsedIndex.error.issues[0])}`, { file: indexFile });
  }
  const index = parsedIndex.data as Record<string, unknown>;

  const components = new Set<Component>();
  const configs: PackageConfigs = {};
  for (const component of ALL_COMPONENTS) {
    const listed = index[component];
    if (listed === undefined || listed === null) continue;
    if (!Array.isArray(listed) || listed[0] === null) continue; // diffusers writes [null, null] for absent parts
    const folder = path.join(abs, component);
    if (!existsSync(folder)) {
      throw new PackageError("missing_component", `${indexFile} lists "${component}" but the folder ${folder} is missing`, {
        file: folder,
        component,
      });
    }
    for (const f of REQUIRED_FILES[component] ?? []) {
      const file = path.join(folder, f);
      if (!existsSync(file)) {
        throw new PackageError("missing_file", `${file}: file is missing (needed by the ${component} component)`, { file, component });
      }
    }
    const configFile = path.join(folder, CONFIG_FILES[component]);
    const raw = await readJson(configFile);
    const schema = SCHEMAS[component];
    if (schema) {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        throw new PackageError("bad_config", `${configFile}: ${describeIssue(parsed.error.issues[0])}`, { file: configFile, component });
      }
      (configs as Record<string, unknown>)[component] = parsed.data;
    } else {
      (configs as Record<string, unknown>)[component] = raw;
    }
    components.add(component);
  }
  if (components.size === 0) {
    throw new PackageError("empty_package", `${indexFile}: lists no unCLIP components`, { file: indexFile });
  }
  const precision = readPrecisions(abs, configs as Record<string, unknown>, GRAPH_COMPONENTS);
  const pipelineDefaults = readPipelineDefaults(abs, index);
  const pkg: ModelPackage = { dir: abs, name: path.basename(abs), index, components, configs, precision, pipelineDefaults };
  checkConsistency(pkg);
  return pkg;
}

/** Throws naming the component folders a pipeline needs but the package lacks. */
export function requireComponents(pkg: ModelPackage, needed: readonly Component[], purpose: string): void {
  const missing = needed.filter((c) => !pkg.components.has(c));
  if (missing.length) {
    throw new PackageError(
      "missing_component",
      `${pkg.dir}: ${purpose} needs the component${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, which model_index.json does not list`,
      { file: pkg.dir, component: missing[0] },
    );
  }
}

/** Sizes that one config states and another must agree with. */
function checkConsistency(pkg: ModelPackage): void {
  const c = pkg.configs;
  const file = (component: Component) => componentFile(pkg, component, CONFIG_FILES[component]);
  const disagree = (a: Component, aField: string, aValue: number | undefined, b: Component, bField: string, bValue: number | undefined) => {
    if (aValue !== undefined && bValue !== undefined && aValue !== bValue) {
      throw new PackageError("inconsistent_configs", `${file(a)}: ${aField} = ${aValue} disagrees with ${file(b)}: ${bField} = ${bValue}`, {
        file: file(a),
        component: a,
      });
    }
  };
  const te = c.text_encoder;
  const prior = c.prior;
  const tp = c.text_proj;
  const dec = c.decoder;
  const srf = c.super_res_first;
  const srl = c.super_res_last;
  const ie = c.image_encoder;
  const fe = c.feature_extractor;
  const maxLen = c.tokenizer?.model_max_length;

  if (te) {
    disagree(
      "tokenizer",
      "model_max_length",
      typeof maxLen === "number" && maxLen < 1e6 ? maxLen : undefined,
      "text_encoder",
      "max_position_embeddings",
      te.max_position_embeddings,
    );
  }
  if (te && prior) {
    disagree("prior", "embedding_dim", prior.embedding_dim, "text_encoder", "projection_dim", te.projection_dim);
    disagree("prior", "num_embeddings", prior.num_embeddings, "text_encoder", "max_position_embeddings", te.max_position_embeddings);
  }
  if (te && tp) disagree("text_proj", "clip_embeddings_dim", tp.clip_embeddings_dim, "text_encoder", "projection_dim", te.projection_dim);
  if (prior && tp) disagree("text_proj", "clip_embeddings_dim", tp.clip_embeddings_dim, "prior", "embedding_dim", prior.embedding_dim);
  if (ie && tp) disagree("image_encoder", "projection_dim", ie.projection_dim, "text_proj", "clip_embeddings_dim", tp.clip_embeddings_dim);
  if (tp && dec) {
    disagree("decoder", "cross_attention_dim", dec.cross_attention_dim, "text_proj", "cross_attention_dim", tp.cross_attention_dim);
    const decoderTimeDim = dec.time_embedding_dim ?? dec.block_out_channels[0] * 4;
    disagree("decoder", "time embedding width (block_out_channels[0] * 4)", decoderTimeDim, "text_proj", "time_embed_dim", tp.time_embed_dim);
  }
  if (srf && srl) {
    disagree("super_res_last", "sample_size", srl.sample_size, "super_res_first", "sample_size", srf.sample_size);
    disagree("super_res_last", "in_channels", srl.in_channels, "super_res_first", "in_channels", srf.in_channels);
    disagree("super_res_last", "out_channels", srl.out_channels, "super_res_first", "out_channels", srf.out_channels);
  }
  if (dec && srf) {
    // super-res input = latents (C) + the upscaled decoder image (C)
    disagree("super_res_first", "in_channels", srf.in_channels, "decoder", "in_channels * 2", dec.in_channels * 2);
    disagree("super_res_first", "out_channels", srf.out_channels, "decoder", "in_channels", dec.in_channels);
    if (srf.sample_size < dec.sample_size) {
      throw new PackageError(
        "inconsistent_configs",
        `${file("super_res_first")}: sample_size = ${srf.sample_size} is smaller than ${file("decoder")}: sample_size = ${dec.sample_size} (super-resolution only upscales)`,
        { file: file("super_res_first"), component: "super_res_first" },
      );
    }
  }
  const decSched = c.decoder_scheduler as { variance_type?: string } | undefined;
  if (dec && decSched?.variance_type === "learned_range") {
    disagree("decoder", "out_channels", dec.out_channels, "decoder_scheduler", "variance_type learned_range needs in_channels * 2", dec.in_channels * 2);
  }
  // Without a decoder scheduler there is nothing to compare against; requireComponents names it.
  if (dec && decSched && (decSched.variance_type ?? "fixed_small_log") !== "learned_range") {
    disagree("decoder", "out_channels", dec.out_channels, "decoder", "in_channels", dec.in_channels);
  }
  const srSched = c.super_res_scheduler as { variance_type?: string } | undefined;
  if (srf && srSched?.variance_type === "learned_range" && srf.out_channels !== srf.in_channels) {
    throw new PackageError(
      "inconsistent_configs",
      `${file("super_res_scheduler")}: variance_type "learned_range" needs a super-res UNet with variance channels, but ${file("super_res_first")} has out_channels = ${srf.out_channels}`,
      { file: file("super_res_scheduler"), component: "super_res_scheduler" },
    );
  }
  if (ie && fe) {
    const crop = typeof fe.crop_size === "number" ? fe.crop_size : fe.crop_size.height;
    const cropW = typeof fe.crop_size === "number" ? fe.crop_size : fe.crop_size.width;
    disagree("feature_extractor", "crop_size.height", crop, "image_encoder", "image_size", ie.image_size);
    disagree("feature_extractor", "crop_size.width", cropW, "image_encoder", "image_size", ie.image_size);
  }
}
